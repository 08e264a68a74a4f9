"""Alembic revisions of the review store, oldest first; never edit a released one."""
