"""Alembic migration environment of the review store (run by :func:`metareview.store.upgrade`).

``versions/`` holds one file per schema revision, oldest first (0001 initial schema, 0002
extraction and risk of bias). Never edit a released revision: change the models in
:mod:`metareview.store.models`, then generate the next revision against a store at the
current head and review it by hand::

    from alembic import command
    from metareview.store.engine import _alembic_config, make_engine, upgrade
    engine = make_engine("/tmp/head.db"); upgrade(engine)
    with engine.begin() as conn:
        command.revision(_alembic_config(conn), message="what changed",
                         autogenerate=True, rev_id="0003")

``tests/store/test_migrations.py`` fails until the migrations produce exactly the models'
schema (Alembic ``compare_metadata`` finds no difference).
"""
