"""Screening operations of a review project: decisions, conflicts, full texts, reasons.

A mixin of :class:`metareview.review.project.ReviewProject` (which supplies ``_begin``,
``_sessions``, ``_member``, ``project_id`` and ``name``). A decision is final when the project's
``reviewers_per_record`` reviewers agree, or when a lead resolved the conflict (dual
independent screening: Cochrane Handbook, Lefebvre et al. 2023, chapter 4); full
texts excluded need a reason from the project's list, as PRISMA 2020 item 16a reports them
(Page et al. 2021, BMJ 372:n71, doi:10.1136/bmj.n71).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from metareview.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

__all__ = ["ScreeningMixin", "choice"]

Stage = Literal["title_abstract", "full_text"]
Decision = Literal["include", "exclude", "maybe"]


def choice(value: str, allowed: Sequence[str], column: str) -> str:
    """Return *value* if it is one of *allowed*, else raise InputError naming the column."""
    if value not in allowed:
        raise InputError(
            f"{value!r} is not allowed", column=column,
            hint="use one of: " + ", ".join(allowed),
        )
    return value


class ScreeningMixin:
    """Screening methods of :class:`~metareview.review.project.ReviewProject`."""

    project_id: int
    name: str
    _begin: Any
    _sessions: Any
    _member: Any

    def add_exclusion_reason(self, label: str, *, stage: Stage = "full_text") -> int:
        """Add a reason to the project's list for a stage; returns its id (existing kept)."""
        from sqlalchemy import func, select

        from metareview.store import models as m

        choice(stage, m.STAGES, "stage")
        label = str(label).strip()
        if not label:
            raise InputError("the exclusion reason is empty", column="reason")
        with self._begin() as session:
            found = session.scalar(
                select(m.ExclusionReason.id).where(
                    m.ExclusionReason.project_id == self.project_id,
                    m.ExclusionReason.stage == stage, m.ExclusionReason.label == label,
                )
            )
            if found is not None:
                return int(found)
            position = session.scalar(
                select(func.count()).select_from(m.ExclusionReason).where(
                    m.ExclusionReason.project_id == self.project_id,
                    m.ExclusionReason.stage == stage,
                )
            )
            row = m.ExclusionReason(project_id=self.project_id, stage=stage, label=label,
                                    position=int(position or 0))
            session.add(row)
            session.flush()
            return int(row.id)

    def exclusion_reasons(self, *, stage: Stage = "full_text") -> list[str]:
        from sqlalchemy import select

        from metareview.store import models as m

        with self._sessions() as session:
            return list(session.scalars(
                select(m.ExclusionReason.label).where(
                    m.ExclusionReason.project_id == self.project_id,
                    m.ExclusionReason.stage == stage,
                ).order_by(m.ExclusionReason.position)
            ))

    def _screenable(self, session: Session, record_id: int) -> Any:
        from sqlalchemy import select

        from metareview.store import models as m

        record = session.get(m.RecordRow, record_id)
        if record is None or record.project_id != self.project_id:
            raise InputError(f"there is no record {record_id} in project {self.name!r}",
                             column="record_id")
        kept = session.scalar(
            select(m.DuplicateCluster.kept_record_id)
            .join(m.DuplicateMember, m.DuplicateMember.cluster_id == m.DuplicateCluster.id)
            .where(m.DuplicateMember.record_id == record_id, m.DuplicateMember.kept.is_(False))
        )
        if kept is not None:
            raise InputError(
                f"record {record_id} is a duplicate of record {kept}", column="record_id",
                hint=f"screen record {kept}, the one de-duplication kept",
            )
        if record.removed_reason is not None:
            raise InputError(
                f"record {record_id} was removed before screening ({record.removed_reason})",
                column="record_id",
            )
        return record

    def _reason_id(self, session: Session, stage: str, decision: str, reason: str | None) -> int | None:
        from sqlalchemy import select

        from metareview.store import models as m

        if decision != "exclude":
            if reason is not None:
                raise InputError(f"a reason is given only for an exclusion, not for {decision!r}",
                                 column="reason")
            return None
        if reason is None:
            if stage == "full_text":
                raise InputError(
                    "a full-text exclusion needs a reason", column="reason",
                    hint="PRISMA 2020 item 16a reports reports excluded with reasons; choose one "
                    "of: " + (", ".join(self.exclusion_reasons(stage="full_text")) or
                              "(none yet: add_exclusion_reason)"),
                )
            return None
        found = session.scalar(
            select(m.ExclusionReason.id).where(
                m.ExclusionReason.project_id == self.project_id,
                m.ExclusionReason.stage == stage, m.ExclusionReason.label == reason,
            )
        )
        if found is None:
            allowed = self.exclusion_reasons(stage=stage)  # type: ignore[arg-type]
            raise InputError(
                f"{reason!r} is not in the project's {stage} exclusion reasons", column="reason",
                hint="choose one of: " + (", ".join(allowed) if allowed else
                                          "(none yet: add it with add_exclusion_reason)"),
            )
        return int(found)

    def record_decision(
        self,
        record_id: int,
        *,
        stage: Stage,
        reviewer: str,
        decision: Decision,
        reason: str | None = None,
        note: str | None = None,
        replace: bool = False,
    ) -> None:
        """Store one reviewer's decision on a record at a stage.

        A second decision by the same reviewer on the same record and stage is refused unless
        ``replace=True``. At full text the record must have passed title/abstract screening,
        must not be marked "not retrieved", and an exclusion needs a reason from the project's
        list (:meth:`add_exclusion_reason`).
        """
        from sqlalchemy import select

        from metareview.store import models as m

        choice(stage, m.STAGES, "stage")
        choice(decision, m.DECISIONS, "decision")
        with self._begin() as session:
            self._screenable(session, record_id)
            reviewer_id = self._member(session, reviewer)
            if stage == "full_text":
                self._require_full_text(session, record_id)
            reason_id = self._reason_id(session, stage, decision, reason)
            existing = session.scalar(
                select(m.ScreeningDecision).where(
                    m.ScreeningDecision.record_id == record_id, m.ScreeningDecision.stage == stage,
                    m.ScreeningDecision.reviewer_id == reviewer_id,
                )
            )
            if existing is not None and not replace:
                raise InputError(
                    f"{reviewer!r} already decided {existing.decision!r} on record {record_id} "
                    f"at {stage}", column="decision",
                    hint="pass replace=True to change it",
                )
            if existing is None:
                existing = m.ScreeningDecision(record_id=record_id, stage=stage,
                                               reviewer_id=reviewer_id)
                session.add(existing)
            existing.decision = decision
            existing.exclusion_reason_id = reason_id
            existing.note = note
            existing.decided_at = dt.datetime.now(dt.timezone.utc)

    def _require_full_text(self, session: Session, record_id: int) -> None:
        from sqlalchemy import select

        from metareview.store import models as m

        final = self.final_decisions(session=session)
        ta = final[(final["record_id"] == record_id) & (final["stage"] == "title_abstract")]
        if ta.empty or ta["status"].iloc[0] != "final" or ta["decision"].iloc[0] == "exclude":
            state = "no final decision" if ta.empty or ta["status"].iloc[0] != "final" else "excluded"
            raise InputError(
                f"record {record_id} has not passed title/abstract screening ({state})",
                column="stage", hint="decide it at title_abstract first",
            )
        status = session.scalar(select(m.FullTextRetrieval.status).where(
            m.FullTextRetrieval.record_id == record_id))
        if status == "not_retrieved":
            raise InputError(f"the full text of record {record_id} is marked not retrieved",
                             column="stage", hint="set_retrieval(record_id, status='retrieved') first")

    def resolve_conflict(
        self,
        record_id: int,
        *,
        stage: Stage,
        lead: str,
        decision: Literal["include", "exclude"],
        reason: str | None = None,
        note: str | None = None,
    ) -> None:
        """A lead's final decision on a record at a stage (overrides the reviewers')."""
        from sqlalchemy import select

        from metareview.store import models as m

        choice(stage, m.STAGES, "stage")
        choice(decision, ("include", "exclude"), "decision")
        with self._begin() as session:
            self._screenable(session, record_id)
            lead_id = self._member(session, lead, lead=True)
            if stage == "full_text":
                self._require_full_text(session, record_id)
            reason_id = self._reason_id(session, stage, decision, reason)
            if session.scalar(select(m.ConflictResolution.id).where(
                    m.ConflictResolution.record_id == record_id,
                    m.ConflictResolution.stage == stage)) is not None:
                raise InputError(f"record {record_id} is already resolved at {stage}",
                                 column="record_id")
            session.add(m.ConflictResolution(
                record_id=record_id, stage=stage, resolved_by_id=lead_id, decision=decision,
                exclusion_reason_id=reason_id, note=note,
            ))

    def final_decisions(self, *, session: Session | None = None) -> pd.DataFrame:
        """Final decision per record and stage; see :func:`metareview.review.prisma.final_decisions`."""
        import pandas as pd
        from sqlalchemy import select

        from metareview.review.prisma import final_decisions
        from metareview.store import models as m

        def run(s: Session) -> pd.DataFrame:
            label = m.ExclusionReason.label
            d = s.execute(
                select(m.ScreeningDecision.record_id, m.ScreeningDecision.stage,
                       m.ScreeningDecision.reviewer_id, m.ScreeningDecision.decision, label)
                .join(m.RecordRow, m.ScreeningDecision.record_id == m.RecordRow.id)
                .outerjoin(m.ExclusionReason,
                           m.ScreeningDecision.exclusion_reason_id == m.ExclusionReason.id)
                .where(m.RecordRow.project_id == self.project_id)
            ).all()
            r = s.execute(
                select(m.ConflictResolution.record_id, m.ConflictResolution.stage,
                       m.ConflictResolution.decision, label)
                .join(m.RecordRow, m.ConflictResolution.record_id == m.RecordRow.id)
                .outerjoin(m.ExclusionReason,
                           m.ConflictResolution.exclusion_reason_id == m.ExclusionReason.id)
                .where(m.RecordRow.project_id == self.project_id)
            ).all()
            n = s.scalar(select(m.Project.reviewers_per_record).where(m.Project.id == self.project_id))
            return final_decisions(
                pd.DataFrame(d, columns=["record_id", "stage", "reviewer_id", "decision", "reason"]),
                pd.DataFrame(r, columns=["record_id", "stage", "decision", "reason"]),
                reviewers_per_record=int(n or 1),
            )

        if session is not None:
            return run(session)
        with self._sessions() as s:
            return run(s)

    def set_retrieval(
        self, record_id: int, *, status: Literal["sought", "not_retrieved", "retrieved"],
        reason: str | None = None,
    ) -> None:
        """Record whether a report's full text was retrieved (a reason when it was not)."""
        from sqlalchemy import select

        from metareview.store import models as m

        choice(status, m.RETRIEVAL_STATUSES, "status")
        if status == "not_retrieved" and not reason:
            raise InputError("say why the full text could not be retrieved", column="reason",
                             hint="e.g. 'no response from authors'")
        with self._begin() as session:
            self._screenable(session, record_id)
            row = session.scalar(select(m.FullTextRetrieval).where(
                m.FullTextRetrieval.record_id == record_id))
            if row is None:
                row = m.FullTextRetrieval(record_id=record_id)
                session.add(row)
            row.status = status
            row.reason = reason
            row.updated_at = dt.datetime.now(dt.timezone.utc)

    def remove_record(self, record_id: int, *, reason: str) -> None:
        """Remove a record before screening for a stated reason other than duplication."""
        reason = str(reason).strip()
        if not reason:
            raise InputError("say why the record is removed", column="reason",
                             hint="e.g. 'marked as ineligible by automation tools'")
        with self._begin() as session:
            record = self._screenable(session, record_id)
            record.removed_reason = reason
