"""Engines, sessions and schema migrations of the review store.

A store is named by a SQLAlchemy URL (``sqlite:///review.db``,
``postgresql+psycopg://user@host/db``) or by a plain file path, which means SQLite. SQLite
connections get ``PRAGMA foreign_keys=ON`` (off by default in SQLite, so cascades and
references would not be enforced) and the write-ahead log (``journal_mode=WAL``), which lets
the web app read while the CLI writes.

The schema is created and upgraded only by the Alembic migrations shipped in
``metareview/store/migrations``: :func:`upgrade` runs them programmatically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from metareview.errors import StoreError

__all__ = [
    "MIGRATIONS_DIR",
    "current_revision",
    "head_revision",
    "make_engine",
    "make_sessionmaker",
    "normalise_url",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalise_url(url_or_path: str | os.PathLike[str]) -> str:
    """Return a SQLAlchemy URL for *url_or_path* (a path means a SQLite file).

    Examples
    --------
    >>> normalise_url("postgresql+psycopg://me@localhost/review")
    'postgresql+psycopg://me@localhost/review'
    >>> normalise_url("sqlite://")
    'sqlite://'
    >>> normalise_url("/tmp/r.db")
    'sqlite:////tmp/r.db'
    """
    text = os.fspath(url_or_path)
    if "://" in text:
        make_url(text)  # raises ArgumentError early on a malformed URL
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def make_engine(url_or_path: str | os.PathLike[str], **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections enforce foreign keys and use WAL."""
    url = normalise_url(url_or_path)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this version of metareview."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at, or None if it has never been migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, *, revision: str = "head") -> None:
    """Run the packaged migrations up to *revision* (default: the newest).

    Refuses a database whose revision this version does not know (made by a newer
    metareview), rather than guessing.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    current = current_revision(engine)
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise StoreError(
            f"{engine.url.render_as_string(hide_password=True)}: the store's schema revision "
            f"{current!r} is newer than this metareview knows (head {head_revision()!r}); "
            "upgrade metareview to open it"
        )
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
