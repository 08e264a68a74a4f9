"""The same store and project tests against a real PostgreSQL server.

The fixture starts a throw-away PostgreSQL cluster in a temporary directory on a free
loopback port (``initdb`` + ``pg_ctl``; run as the ``postgres`` system user when the tests run
as root, since PostgreSQL refuses to run as root), and stops and deletes it afterwards.
It needs the server binaries (Debian: ``apt-get install postgresql``) and the ``psycopg``
driver (``pip install "psycopg[binary]"``, the ``postgres`` extra). When they are missing the
tests fail with that instruction rather than skip; set ``METAREVIEW_NO_POSTGRES=1`` to skip
them on purpose (the reason is then shown in the report).

The project tests are the ones of ``tests/review/test_project.py``, run on a PostgreSQL
store instead of SQLite.
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from metareview.review.project import ReviewProject
from metareview.store.engine import current_revision, head_revision, make_engine, upgrade
from metareview.store.models import Base

PROJECT_TESTS = Path(__file__).resolve().parents[1] / "review" / "test_project.py"


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    """Start PostgreSQL; yield a SQLAlchemy URL of its ``postgres`` database."""
    if os.environ.get("METAREVIEW_NO_POSTGRES") == "1":
        pytest.skip("METAREVIEW_NO_POSTGRES=1: PostgreSQL tests skipped on request")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found: install them "
                    "(Debian: apt-get install postgresql) or set METAREVIEW_NO_POSTGRES=1")
    if importlib.util.find_spec("psycopg") is None:
        pytest.fail('the psycopg driver is missing: pip install "psycopg[binary]"')

    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="metareview-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    try:
        run(initdb, "-D", str(data), "-U", "metareview", "--auth=trust", "-E", "UTF8",
            "--no-locale")
        run(pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off", "start")
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace")
        if log.exists():
            detail += log.read_text(errors="replace")
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {detail.strip()}")
    try:
        yield f"postgresql+psycopg://metareview@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture()
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _project_tests():
    spec = importlib.util.spec_from_file_location("metareview_project_tests_pg", PROJECT_TESTS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


T = _project_tests()


@pytest.fixture()
def project(pg_url: str) -> Iterator[ReviewProject]:
    p = ReviewProject.init(pg_url, "Aspirin review", lead="ann", reviewers_per_record=2)
    p.add_member("bob")
    for records, database, name, sha, kind in [
        (T.PUBMED, "PubMed", "pubmed.nbib", "a", "database"),
        (T.EMBASE, "Embase", "embase.ris", "b", "database"),
        (T.REGISTER, "ClinicalTrials.gov", "ctgov.csv", "c", "register"),
    ]:
        p.import_records(records, database=database, date="2024-01-31", file_name=name,
                         file_sha256=sha * 64, format="ris", kind=kind)
    yield p
    p.close()


def test_postgres_schema_equals_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert "risk_of_bias" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    engine.dispose()


def test_postgres_older_store_is_upgraded(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine, revision="0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (name, reviewers_per_record, created_at) "
                          "VALUES ('Old review', 1, now())"))
    engine.dispose()
    with ReviewProject.open(pg_url) as p:
        assert p.name == "Old review"
        assert current_revision(p.engine) == "0002"


def test_postgres_worked_example(project: ReviewProject) -> None:
    T.test_prisma_counts_of_the_worked_example(project)


def test_postgres_dedup_idempotent(project: ReviewProject) -> None:
    T.test_dedup_keeps_the_more_complete_record_and_is_idempotent(project)


def test_postgres_same_file_twice(project: ReviewProject) -> None:
    T.test_same_file_twice_is_refused(project)


def test_postgres_failing_import_stores_nothing(project: ReviewProject) -> None:
    T.test_a_failing_import_stores_nothing(project)


def test_postgres_dedup_after_screening(project: ReviewProject) -> None:
    T.test_dedup_after_screening_keeps_the_screened_record(project)


def test_postgres_person_resolves_pairs(project: ReviewProject) -> None:
    T.test_a_person_resolves_queued_pairs(project)


def test_postgres_screening_errors(project: ReviewProject) -> None:
    T.test_screening_errors_name_the_problem(project)


def test_postgres_exports(project: ReviewProject, tmp_path: Path) -> None:
    T.test_export_ris_round_trips_through_rispy(project, tmp_path)


def test_postgres_studies(pg_url: str, tmp_path: Path, monkeypatch) -> None:
    # test_reports_grouped_into_studies creates its own SQLite store; point it at PostgreSQL.
    real_init = ReviewProject.init

    def init_on_pg(url_or_path, name, **kw):
        return real_init(pg_url, name, **kw)

    monkeypatch.setattr(ReviewProject, "init", staticmethod(init_on_pg))
    T.test_reports_grouped_into_studies(tmp_path)
