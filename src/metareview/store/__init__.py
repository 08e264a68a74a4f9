"""The review store: SQLAlchemy 2.0 models, engines and Alembic migrations.

SQLite by default (a file path), PostgreSQL by URL (``postgresql+psycopg://...``). The schema
is created and upgraded only by the migrations in ``migrations/versions``; see
:mod:`metareview.store.engine`. Application code goes through
:class:`metareview.review.project.ReviewProject` rather than these tables directly.
"""

from __future__ import annotations

from metareview.store.engine import (
    current_revision,
    head_revision,
    make_engine,
    make_sessionmaker,
    normalise_url,
    upgrade,
)

__all__ = [
    "current_revision",
    "head_revision",
    "make_engine",
    "make_sessionmaker",
    "normalise_url",
    "upgrade",
]
