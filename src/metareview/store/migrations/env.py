"""Alembic environment: migrate the connection handed over by :func:`metareview.store.upgrade`.

The module only defines functions when imported outside Alembic (doctest collection imports
every module), and runs the migrations when Alembic executes it.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from metareview.store.models import Base

target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online(config: Any) -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    # Run from the alembic command line with sqlalchemy.url set in a config file.
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        _configure_and_run(conn)
        conn.commit()


def run_migrations_offline(config: Any) -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = getattr(context, "config", None)
    if config is None:  # imported, not run by Alembic
        return
    if context.is_offline_mode():
        run_migrations_offline(config)
    else:
        run_migrations_online(config)


_main()
