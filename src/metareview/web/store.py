"""Thin adapters between the web app and the review store.

Everything that writes goes through :class:`metareview.review.project.ReviewProject`; this
module adds only what the web app needs and the project API does not offer: user accounts
with password hashes (the store has the column, the web app does the hashing), the projects
a user belongs to, and read-only tables (decisions with usernames, members, extraction rows,
risk-of-bias rows) for display.

SQLite is opened with a 30 s busy timeout on top of the store's WAL journal, and
:func:`retry_locked` repeats a transaction that SQLite still refused with "database is
locked" (a writer whose read snapshot went stale gets SQLITE_BUSY at once, without waiting:
https://www.sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from metareview.errors import InputError, StoreError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from metareview.review.project import ReviewProject

__all__ = [
    "create_user",
    "decisions_frame",
    "extraction_rows",
    "forms_latest",
    "members",
    "open_engine",
    "open_project",
    "projects_for",
    "retry_locked",
    "rob_rows",
    "role_of",
    "user_hash",
]

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT = 30.0


def open_engine(url_or_path: str | os.PathLike[str]) -> Engine:
    """An engine on the store (created and migrated to the newest schema if needed)."""
    from metareview.store.engine import make_engine, normalise_url, upgrade

    url = normalise_url(url_or_path)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
    else:  # a server database: enough connections for the app's worker threads
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=30)
    engine = make_engine(url, **kwargs)
    retry_locked(lambda: upgrade(engine))
    return engine


def _is_locked(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text or (
        "deadlock detected" in text) or "could not serialize access" in text


def retry_locked(fn: Callable[[], T], *, attempts: int = 100, first_wait: float = 0.005) -> T:
    """Run *fn*, again after a short random wait when the database was locked.

    A transaction refused with "database is locked" wrote nothing (it was rolled back), so
    running it again cannot store anything twice.
    """
    from sqlalchemy.exc import OperationalError

    wait = first_wait
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if not _is_locked(exc) or attempt == attempts - 1:
                raise
            time.sleep(wait * (0.5 + random.random()))
            wait = min(wait * 1.6, 0.25)
    raise StoreError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------- accounts
def create_user(engine: Engine, username: str, password_hash: str, *,
                display_name: str | None = None, replace: bool = False) -> int:
    """Create a user with a password hash (or set the hash of an existing user without one).

    An existing user who already has a password keeps it unless ``replace=True``.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from metareview.store import models as m

    username = str(username).strip()
    if not username or len(username) > 150 or any(c.isspace() for c in username):
        raise InputError("a username is 1 to 150 characters without spaces",
                         column="username", hint="e.g. ann.smith")

    def run() -> int:
        with Session(engine) as session, session.begin():
            user = session.scalar(select(m.User).where(m.User.username == username))
            if user is None:
                user = m.User(username=username, password_hash=password_hash,
                              display_name=display_name)
                session.add(user)
                session.flush()
            elif user.password_hash is None or replace:
                user.password_hash = password_hash
            return int(user.id)

    return retry_locked(run)


def user_hash(engine: Engine, username: str) -> tuple[int, str | None] | None:
    """``(user id, password hash)`` of a user, or None."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        row = conn.execute(select(m.User.id, m.User.password_hash)
                           .where(m.User.username == str(username).strip())).first()
    return None if row is None else (int(row.id), row.password_hash)


def projects_for(engine: Engine, username: str) -> list[dict[str, Any]]:
    """The projects *username* is a member of: ``id, name, role`` (by name)."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.Project.id, m.Project.name, m.Membership.role)
            .join(m.Membership, m.Membership.project_id == m.Project.id)
            .join(m.User, m.User.id == m.Membership.user_id)
            .where(m.User.username == username).order_by(m.Project.name)
        ).all()
    return [{"id": int(r.id), "name": r.name, "role": r.role} for r in rows]


def role_of(engine: Engine, project_id: int, username: str) -> tuple[str, str] | None:
    """``(project name, role)`` of *username* in a project, or None when not a member."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        row = conn.execute(
            select(m.Project.name, m.Membership.role)
            .join(m.Membership, m.Membership.project_id == m.Project.id)
            .join(m.User, m.User.id == m.Membership.user_id)
            .where(m.User.username == username, m.Project.id == project_id)
        ).first()
    return None if row is None else (row.name, row.role)


def open_project(engine: Engine, project_id: int, name: str) -> ReviewProject:
    """A :class:`ReviewProject` on the app's shared engine (closing it keeps the engine)."""
    from metareview.review.project import ReviewProject

    return ReviewProject(engine, project_id, name, own_engine=False)


def members(engine: Engine, project_id: int) -> list[dict[str, Any]]:
    """``username, role`` of every member of a project."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.User.username, m.Membership.role)
            .join(m.Membership, m.Membership.user_id == m.User.id)
            .where(m.Membership.project_id == project_id).order_by(m.User.username)
        ).all()
    return [{"username": r.username, "role": r.role} for r in rows]


# ------------------------------------------------------------------------ read-only tables
def decisions_frame(engine: Engine, project_id: int) -> pd.DataFrame:
    """Every screening decision: ``record_id, stage, reviewer, decision, reason, note,
    decided_at`` (reviewer = username), oldest first."""
    import pandas as pd
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.ScreeningDecision.record_id, m.ScreeningDecision.stage, m.User.username,
                   m.ScreeningDecision.decision, m.ExclusionReason.label,
                   m.ScreeningDecision.note, m.ScreeningDecision.decided_at)
            .join(m.RecordRow, m.RecordRow.id == m.ScreeningDecision.record_id)
            .join(m.User, m.User.id == m.ScreeningDecision.reviewer_id)
            .outerjoin(m.ExclusionReason,
                       m.ExclusionReason.id == m.ScreeningDecision.exclusion_reason_id)
            .where(m.RecordRow.project_id == project_id)
            .order_by(m.ScreeningDecision.decided_at, m.ScreeningDecision.id)
        ).all()
    return pd.DataFrame(rows, columns=["record_id", "stage", "reviewer", "decision", "reason",
                                       "note", "decided_at"])


def forms_latest(engine: Engine, project_id: int) -> dict[str, dict[str, Any]]:
    """The newest extraction form per outcome: ``{outcome: {"id", "version", "schema"}}``."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.ExtractionForm.id, m.ExtractionForm.outcome, m.ExtractionForm.version,
                   m.ExtractionForm.json_schema)
            .where(m.ExtractionForm.project_id == project_id)
            .order_by(m.ExtractionForm.outcome, m.ExtractionForm.version)
        ).all()
    return {r.outcome: {"id": int(r.id), "version": int(r.version), "schema": r.json_schema}
            for r in rows}


def studies(engine: Engine, project_id: int) -> list[dict[str, Any]]:
    """``id, label, record_ids`` of every study of a project."""
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(select(m.Study.id, m.Study.label)
                            .where(m.Study.project_id == project_id).order_by(m.Study.label)).all()
        links = conn.execute(select(m.RecordRow.study_id, m.RecordRow.id)
                             .where(m.RecordRow.project_id == project_id,
                                    m.RecordRow.study_id.is_not(None))).all()
    by_study: dict[int, list[int]] = {}
    for sid, rid in links:
        by_study.setdefault(int(sid), []).append(int(rid))
    return [{"id": int(r.id), "label": r.label, "record_ids": sorted(by_study.get(int(r.id), []))}
            for r in rows]


def extraction_rows(engine: Engine, project_id: int) -> pd.DataFrame:
    """Extracted values: ``study_id, study, outcome, form_id, reviewer, values``."""
    import pandas as pd
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.Study.id, m.Study.label, m.ExtractionForm.outcome, m.ExtractionForm.id,
                   m.User.username, m.ExtractedData.values)
            .join(m.Study, m.Study.id == m.ExtractedData.study_id)
            .join(m.ExtractionForm, m.ExtractionForm.id == m.ExtractedData.form_id)
            .join(m.User, m.User.id == m.ExtractedData.reviewer_id)
            .where(m.Study.project_id == project_id)
            .order_by(m.Study.label, m.ExtractionForm.outcome, m.User.username)
        ).all()
    return pd.DataFrame(rows, columns=["study_id", "study", "outcome", "form_id", "reviewer",
                                       "values"])


def rob_rows(engine: Engine, project_id: int) -> pd.DataFrame:
    """Risk-of-bias judgements: ``study, instrument, domain, judgement, reviewer, support,
    updated_at``."""
    import pandas as pd
    from sqlalchemy import select

    from metareview.store import models as m

    with engine.connect() as conn:
        rows = conn.execute(
            select(m.Study.label, m.RiskOfBiasJudgement.instrument, m.RiskOfBiasJudgement.domain,
                   m.RiskOfBiasJudgement.judgement, m.User.username,
                   m.RiskOfBiasJudgement.support, m.RiskOfBiasJudgement.updated_at)
            .join(m.Study, m.Study.id == m.RiskOfBiasJudgement.study_id)
            .join(m.User, m.User.id == m.RiskOfBiasJudgement.reviewer_id)
            .where(m.Study.project_id == project_id)
            .order_by(m.Study.label, m.RiskOfBiasJudgement.domain)
        ).all()
    return pd.DataFrame(rows, columns=["study", "instrument", "domain", "judgement", "reviewer",
                                       "support", "updated_at"])
