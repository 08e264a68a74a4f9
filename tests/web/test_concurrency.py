"""Votes cast at the same moment are all stored (SQLite WAL + busy timeout + retry)."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_test_web.py"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("load_test_web", BENCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules.setdefault("load_test_web", module)  # dataclasses look their module up
    spec.loader.exec_module(sys.modules["load_test_web"])  # type: ignore[union-attr]
    return sys.modules["load_test_web"]


def test_two_reviewers_voting_the_same_record_at_once_are_both_recorded(store, live_server,
                                                                           password, csrf_of):
    import httpx

    pid, ids = store["pid"], store["ids"]
    clients = {}
    for name in ("bob", "cat"):
        c = httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=60)
        token = csrf_of(c.get("/login").text)
        assert c.post("/login", data={"username": name, "password": password,
                                      "csrf_token": token}).status_code == 303
        clients[name] = (c, csrf_of(c.get("/").text))
    statuses: list[int] = []
    lock = threading.Lock()
    for rid in ids:
        barrier = threading.Barrier(2)

        def vote(name: str, rid: int = rid, barrier: threading.Barrier = barrier) -> None:
            c, token = clients[name]
            barrier.wait()
            r = c.post(f"/p/{pid}/screen/title_abstract/{rid}",
                       data={"decision": "include" if name == "bob" else "exclude",
                             "csrf_token": token})
            with lock:
                statuses.append(r.status_code)

        threads = [threading.Thread(target=vote, args=(n,)) for n in ("bob", "cat")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    for c, _ in clients.values():
        c.close()
    assert statuses == [303] * (2 * len(ids))
    from metareview.review.project import ReviewProject

    with ReviewProject.open(store["db"], "P1") as p:
        final = p.final_decisions()
    # every record has both votes, and they disagree, so each is a conflict
    ta = final[final["stage"] == "title_abstract"]
    assert sorted(ta["record_id"]) == sorted(ids)
    assert set(ta["status"]) == {"conflict"}
    assert _bench().count_votes(store["db"]) == 2 * len(ids)


def test_twenty_reviewers_casting_votes_concurrently_lose_none(tmp_path, serve):
    """The load test of bench/load_test_web.py, smaller: 20 reviewers x 15 records = 300
    votes, all reviewers on the same record at about the same moment."""
    from metareview.web import create_app

    bench = _bench()
    db = tmp_path / "load.db"
    pid, names, ids = bench.prepare_store(db, reviewers=20, records=15)
    assert len(names) == 20 and len(ids) == 15
    app = create_app(db, upload_dir=tmp_path / "up", secret_key="k")
    with serve(app) as server:
        stats = bench.cast_votes(server.url, pid, names, ids, timeout=240)
    assert stats.errors == [] and stats.failed == 0
    assert stats.ok == 300
    stored = bench.count_votes(db)
    print(f"votes stored: {stored} of 300 in {stats.seconds:.1f} s")
    assert stored == 300
