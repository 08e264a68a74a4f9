"""The web app on a PostgreSQL store: login, a project, and concurrent votes all stored.

Reuses the throw-away PostgreSQL server fixture of tests/store/test_postgres.py (which fails
with an install hint when the server binaries or psycopg are missing, and skips only when
METAREVIEW_NO_POSTGRES=1 asks it to).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


_pg = _load("metareview_store_postgres_tests", TESTS / "store" / "test_postgres.py")
pg_server = _pg.pg_server
pg_url = _pg.pg_url


def test_web_app_on_postgres_stores_every_concurrent_vote(pg_url, serve, tmp_path,
                                                           csrf_of):
    import httpx
    from sqlalchemy import create_engine, text

    from metareview.web import create_app

    bench = _load("load_test_web", TESTS.parent / "bench" / "load_test_web.py")
    from metareview.review.project import ReviewProject
    from metareview.review.records import Record
    from metareview.web import create_user

    names = [f"rev{i:02d}" for i in range(20)]
    for n in ["lead", *names]:
        create_user(pg_url, n, bench.PASSWORD)
    with ReviewProject.init(pg_url, "PG review", lead="lead", reviewers_per_record=2) as p:
        for n in names:
            p.add_member(n)
        p.import_records([Record(title=f"Record {i}", year=2020) for i in range(10)],
                         database="PubMed", date="2024-01-31", file_name="pg.txt",
                         file_sha256="2" * 64, format="pubmed_medline")
        pid = p.project_id
        ids = [int(x) for x in p.records_frame(raw=False)["record_id"]]
    app = create_app(pg_url, upload_dir=tmp_path / "up", secret_key="k")
    with serve(app) as server:
        with httpx.Client(base_url=server.url, follow_redirects=False) as c:
            token = csrf_of(c.get("/login").text)
            assert c.post("/login", data={"username": "lead", "password": bench.PASSWORD,
                                          "csrf_token": token}).status_code == 303
            assert "PG review" in c.get("/").text
            assert c.get(f"/p/{pid}").status_code == 200
        stats = bench.cast_votes(server.url, pid, names, ids, timeout=240)
    assert stats.errors == [] and stats.ok == 200
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM screening_decisions")).scalar_one()
    engine.dispose()
    assert stored == 200
