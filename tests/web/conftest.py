"""Fixtures of the web app's tests: a store with accounts, logged-in clients, a live server."""

from __future__ import annotations

import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette's TestClient announces a future move away from httpx when imported
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DATA = Path(__file__).resolve().parent / "data"
PASSWORD = "correct-horse-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def page_text(html: str) -> str:
    """The page with its random CSRF tokens blanked, so that a test asserting a word is
    *absent* cannot fail because a token happens to spell it."""
    return CSRF.sub('name="csrf_token" value=""', html)


class Browserless:
    """A logged-in TestClient with the session's CSRF token at hand."""

    def __init__(self, app: Any, username: str | None = None) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = csrf_of(self.client.get("/login").text)
        if username is not None:
            r = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": self.csrf})
            assert r.status_code == 303, r.text
            self.csrf = csrf_of(self.client.get("/").text)

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)


@pytest.fixture()
def store(tmp_path: Path) -> dict[str, Any]:
    """A SQLite store with accounts ann (lead), bob, cat (reviewers) and dan (no project),
    a project 'P1' with 4 records, one of them carrying HTML in its abstract."""
    from metareview.review.project import ReviewProject
    from metareview.review.records import Record
    from metareview.web import create_user

    db = tmp_path / "review.db"
    for user in ("ann", "bob", "cat", "dan"):
        create_user(db, user, PASSWORD)
    with ReviewProject.init(db, "P1", lead="ann", reviewers_per_record=2) as p:
        p.add_member("bob")
        p.add_member("cat")
        p.import_records(
            [Record(title="Aspirin after stroke", abstract="<script>alert(1)</script>", year=2020),
             Record(title="Statins in adults", abstract="A trial of statins.", year=2019),
             Record(title="Bird song survey", abstract="Birds sing.", year=2018),
             Record(title="Aspirin and bleeding", abstract="Bleeding risk.", year=2021)],
            database="PubMed", date="2024-01-31", file_name="pubmed.txt",
            file_sha256="0" * 64, format="pubmed_medline")
        ids = p.records_frame()["record_id"].tolist()
        pid = p.project_id
    with ReviewProject.init(db, "P2", lead="dan") as p2:
        pid2 = p2.project_id
    return {"db": db, "pid": pid, "pid2": pid2, "ids": ids, "tmp": tmp_path}


@pytest.fixture()
def app(store: dict[str, Any]) -> Any:
    from metareview.web import create_app

    return create_app(store["db"], upload_dir=store["tmp"] / "uploads",
                      max_upload_bytes=256 * 1024, secret_key="test-secret")


@pytest.fixture()
def login(app: Any):  # type: ignore[no-untyped-def]
    def make(username: str | None) -> Browserless:
        return Browserless(app, username)
    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture()
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture()
def password() -> str:
    return PASSWORD


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():  # type: ignore[no-untyped-def]
    return csrf_of


@pytest.fixture()
def serve():  # type: ignore[no-untyped-def]
    """``with serve(app) as server:`` runs *app* on a free loopback port."""
    return LiveServer
