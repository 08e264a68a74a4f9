"""Load test of the web app: concurrent reviewers casting screening votes over HTTP.

    python bench/load_test_web.py                 # 20 reviewers, 10,000 votes (default)
    python bench/load_test_web.py --reviewers 5 --votes 500

Builds a fresh SQLite store in a temporary folder (accounts, one project, enough records for
every reviewer to vote ``votes / reviewers`` distinct records; all reviewers vote the same
records, in the same order, so many votes hit one record at the same moment), starts
``metareview serve`` on 127.0.0.1 (loopback only) in a subprocess, lets one thread per reviewer
log in and vote, then counts the votes in the store and prints the count. Exit status 1 when
any vote is missing or a request failed. Bounded: ``--timeout`` seconds in all.

The tests (tests/web/test_concurrency.py) import :func:`prepare_store`, :func:`cast_votes` and
:func:`count_votes` from this file and run a smaller version against an in-process server.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "load-test-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DECISIONS = ("include", "exclude", "maybe")


def prepare_store(db: Path, *, reviewers: int, records: int) -> tuple[int, list[str], list[int]]:
    """A store with one project, *reviewers* accounts and *records* records."""
    from metareview.review.project import ReviewProject
    from metareview.review.records import Record
    from metareview.web.security import hash_password
    from metareview.web.store import create_user, open_engine

    names = [f"rev{i:02d}" for i in range(reviewers)]
    engine = open_engine(db)
    digest = hash_password(PASSWORD)  # one hash for all: hashing is not what is measured
    for name in ["lead", *names]:
        create_user(engine, name, digest)
    engine.dispose()
    with ReviewProject.init(db, "Load test", lead="lead", reviewers_per_record=2) as project:
        for name in names:
            project.add_member(name)
        project.import_records(
            [Record(title=f"Record {i} on topic {i % 7}", abstract=f"Abstract {i}.", year=2000 + i % 25)
             for i in range(records)],
            database="PubMed", date="2024-01-31", file_name="load.txt", file_sha256="1" * 64,
            format="pubmed_medline")
        ids = [int(x) for x in project.records_frame(raw=False)["record_id"]]
        return project.project_id, names, ids


@dataclass
class VoteStats:
    ok: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def _reviewer(base_url: str, name: str, pid: int, ids: list[int], stats: VoteStats,
              start: threading.Barrier, deadline: float) -> None:
    import httpx

    ok = failed = 0
    errors: list[str] = []
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=120.0) as client:
        token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
        if r.status_code != 303:
            errors.append(f"{name}: login answered {r.status_code}")
        token = CSRF.search(client.get("/").text).group(1)  # type: ignore[union-attr]
        start.wait()
        for k, rid in enumerate(ids):
            if time.monotonic() > deadline:
                errors.append(f"{name}: out of time after {k} votes")
                failed += len(ids) - k
                break
            try:
                r = client.post(f"/p/{pid}/screen/title_abstract/{rid}",
                                data={"decision": DECISIONS[(rid + len(name)) % 3],
                                      "csrf_token": token})
                if r.status_code == 303:
                    ok += 1
                else:
                    failed += 1
                    errors.append(f"{name} record {rid}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                failed += 1
                errors.append(f"{name} record {rid}: {exc!r}")
    with stats.lock:
        stats.ok += ok
        stats.failed += failed
        stats.errors += errors


def cast_votes(base_url: str, pid: int, reviewers: list[str], ids: list[int], *,
               timeout: float) -> VoteStats:
    """Every reviewer (one thread each) votes every record in *ids*, all at once."""
    stats = VoteStats()
    start = threading.Barrier(len(reviewers))
    deadline = time.monotonic() + timeout
    threads = [threading.Thread(target=_reviewer, args=(base_url, n, pid, ids, stats, start, deadline))
               for n in reviewers]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout + 30)
    stats.seconds = time.perf_counter() - t0
    return stats


def count_votes(db: Path) -> int:
    """Screening decisions stored, counted straight from the database."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM screening_decisions").fetchone()[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds, in all")
    args = parser.parse_args(argv)
    if not (1 <= args.reviewers <= 100 and 1 <= args.votes <= 100_000):
        parser.error("at most 100 reviewers and 100,000 votes")
    per = -(-args.votes // args.reviewers)
    expected = per * args.reviewers
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        pid, names, ids = prepare_store(db, reviewers=args.reviewers, records=per)
        port = _free_port()
        env = {**os.environ, "METAREVIEW_SECRET_KEY": "load-test"}
        server = subprocess.Popen(
            [sys.executable, "-m", "metareview", "serve", "--db", str(db), "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            t_end = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > t_end:
                        print(server.stderr.read().decode() if server.stderr else "", file=sys.stderr)
                        print("server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            stats = cast_votes(f"http://127.0.0.1:{port}", pid, names, ids, timeout=args.timeout)
        finally:
            server.terminate()
            server.wait(timeout=30)
        stored = count_votes(db)
    print(f"reviewers: {args.reviewers}  records: {per}  votes sent: {expected}")
    print(f"accepted (303): {stats.ok}  failed: {stats.failed}  "
          f"time: {stats.seconds:.1f} s  ({stats.ok / max(stats.seconds, 1e-9):.0f} votes/s)")
    print(f"votes counted in the store: {stored}")
    for e in stats.errors[:10]:
        print("  ", e)
    return 0 if stored == expected == stats.ok and not stats.failed else 1


if __name__ == "__main__":
    sys.exit(main())
