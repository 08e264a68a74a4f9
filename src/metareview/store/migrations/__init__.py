"""Alembic migration environment of the review store (run by :func:`metareview.store.upgrade`)."""
