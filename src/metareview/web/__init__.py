"""metareview's web app for review teams (FastAPI, server-rendered, light JavaScript).

Start it with ``metareview serve --db review.db``, or build the ASGI app with
:func:`create_app`. Importing this package imports nothing heavy; :func:`create_app` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "create_user"]


def create_app(db: Any, **options: Any) -> FastAPI:
    """Build the web app on a store; see :func:`metareview.web.app.create_app`."""
    from metareview.web.app import create_app as _create

    return _create(db, **options)


def create_user(db: Any, username: str, password: str, *, replace: bool = False) -> int:
    """Create an account (Argon2id-hashed password) in a store; returns the user id.

    An existing account keeps its password unless ``replace=True``.
    """
    from metareview.web.security import hash_password
    from metareview.web.store import create_user as _create_user
    from metareview.web.store import open_engine

    engine = open_engine(db)
    try:
        return _create_user(engine, username, hash_password(password), replace=replace)
    finally:
        engine.dispose()
