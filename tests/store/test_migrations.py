"""The review store's schema comes only from the packaged Alembic migrations.

Checks: the migrated schema equals the models' metadata (Alembic ``compare_metadata`` finds
nothing to change), migrations go down and up again, an older store is upgraded when opened
(keeping its data), a store from a newer metareview is refused, and SQLite connections
enforce foreign keys and use the write-ahead log.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from metareview.errors import InputError, StoreError
from metareview.review.project import ReviewProject
from metareview.store.engine import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    normalise_url,
    upgrade,
)
from metareview.store.models import Base

EXPECTED_TABLES = {
    "alembic_version", "projects", "users", "memberships", "searches", "records", "studies",
    "duplicate_clusters", "duplicate_members", "duplicate_links", "exclusion_reasons",
    "screening_decisions", "conflict_resolutions", "full_text_retrievals", "extraction_forms",
    "extracted_data", "risk_of_bias",
}


def test_migrated_schema_equals_models(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert current_revision(engine) == head_revision() == "0002"
    engine.dispose()


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    assert current_revision(engine) is None
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    engine.dispose()


def test_opening_an_older_store_upgrades_it_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path)
    upgrade(engine, revision="0001")  # a store written by the first release
    assert "extraction_forms" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO projects (id, name, reviewers_per_record, created_at) "
            "VALUES (1, 'Old review', 2, '2024-01-01 00:00:00')"
        ))
    engine.dispose()

    with ReviewProject.open(path) as project:
        assert project.name == "Old review"
        assert current_revision(project.engine) == "0002"
        assert "extraction_forms" in inspect(project.engine).get_table_names()
        form_id = project.add_extraction_form(
            "mortality", {"type": "object", "properties": {"ai": {"type": "integer"}}}
        )
        assert form_id == 1


def test_store_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    ReviewProject.init(path, "R").close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="9999.*newer than this metareview knows"):
        ReviewProject.open(path)


def test_opening_something_that_is_not_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(InputError) as info:
        ReviewProject.open(missing)
    assert info.value.file == str(missing)
    assert "no review store here" in str(info.value)
    assert not missing.exists()  # opening did not create an empty file

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    before = other.read_bytes()
    with pytest.raises(InputError) as info:
        ReviewProject.open(other)
    assert str(info.value) == (f"{other}, column --db: is a SQLite database of another program "
                               "(tables t), not a review store (give the .db file made by "
                               "`metareview review init`)")
    assert other.read_bytes() == before  # read-only look: not even switched to WAL

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a SQLite file with no tables at all
    with pytest.raises(StoreError, match="not a metareview review store"):
        ReviewProject.open(empty)


def test_sqlite_foreign_keys_and_wal(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO memberships (project_id, user_id, role) VALUES (41, 42, 'lead')"
            ))
    engine.dispose()


def test_check_constraints_are_in_the_migrated_schema(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, name, reviewers_per_record, created_at) "
                          "VALUES (1, 'P', 1, '2024-01-01')"))
        conn.execute(text("INSERT INTO users (id, username, created_at) VALUES (1, 'u', '2024-01-01')"))
    with pytest.raises(IntegrityError, match="ck_memberships_role"):
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO memberships (project_id, user_id, role) VALUES (1, 1, 'owner')"
            ))
    engine.dispose()


def test_normalise_url() -> None:
    assert normalise_url("review.db").startswith("sqlite:////")
    assert normalise_url("review.db").endswith("/review.db")
    assert normalise_url("postgresql+psycopg://u:p@h:5/db") == "postgresql+psycopg://u:p@h:5/db"
