"""Studies, extraction forms, extracted data and risk-of-bias judgements of a project.

A mixin of :class:`metareview.review.project.ReviewProject`. A study groups one or more
reports (records); data are extracted per study, outcome form and reviewer, so two reviewers
extracting the same study is double extraction (Cochrane Handbook, Li, Higgins & Deeks 2023,
chapter 5). Risk-of-bias instruments: RoB 2 (Sterne et al. 2019, BMJ 366:l4898,
doi:10.1136/bmj.l4898), ROBINS-I (Sterne et al. 2016, BMJ 355:i4919, doi:10.1136/bmj.i4919)
and the Newcastle-Ottawa Scale (Wells et al., Ottawa Hospital Research Institute).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from metareview.errors import InputError
from metareview.store.screening import choice

__all__ = ["StudiesMixin"]


class StudiesMixin:
    """Study-level methods of :class:`~metareview.review.project.ReviewProject`."""

    project_id: int
    name: str
    _begin: Any
    _sessions: Any
    _member: Any
    _screenable: Any

    def assign_study(self, record_ids: Sequence[int], *, label: str) -> int:
        """Group reports (records) into one study labelled *label*; returns the study id."""
        from sqlalchemy import select

        from metareview.store import models as m

        label = str(label).strip()
        if not label:
            raise InputError("the study needs a label", column="label", hint="e.g. 'Smith 2020'")
        with self._begin() as session:
            study = session.scalar(select(m.Study).where(
                m.Study.project_id == self.project_id, m.Study.label == label))
            if study is None:
                study = m.Study(project_id=self.project_id, label=label)
                session.add(study)
                session.flush()
            for rid in record_ids:
                record = self._screenable(session, int(rid))
                record.study_id = study.id
            return int(study.id)

    def add_extraction_form(self, outcome: str, json_schema: dict[str, Any]) -> int:
        """Store the fields to extract for an outcome (a JSON Schema object with
        ``properties``); a new version each time it changes. Returns the form id."""
        from sqlalchemy import func, select

        from metareview.store import models as m

        props = json_schema.get("properties") if isinstance(json_schema, dict) else None
        if not isinstance(props, dict) or not props:
            raise InputError("the form must be a JSON Schema object with 'properties'",
                             column="json_schema",
                             hint='e.g. {"type": "object", "properties": {"n1i": {"type": "integer"}}}')
        with self._begin() as session:
            version = session.scalar(select(func.max(m.ExtractionForm.version)).where(
                m.ExtractionForm.project_id == self.project_id,
                m.ExtractionForm.outcome == outcome)) or 0
            row = m.ExtractionForm(project_id=self.project_id, outcome=outcome,
                                   json_schema=json_schema, version=version + 1)
            session.add(row)
            session.flush()
            return int(row.id)

    def _study(self, session: Any, study: int | str) -> Any:
        from sqlalchemy import select

        from metareview.store import models as m

        column = m.Study.id if isinstance(study, int) else m.Study.label
        row = session.scalar(select(m.Study).where(m.Study.project_id == self.project_id,
                                                   column == study))
        if row is None:
            raise InputError(f"there is no study {study!r} in project {self.name!r}",
                             column="study", hint="group its reports first with assign_study")
        return row

    def record_extraction(
        self, study: int | str, *, outcome: str, reviewer: str, values: Mapping[str, Any],
        replace: bool = False,
    ) -> None:
        """Store one reviewer's extracted values for a study and outcome.

        *values* keys must be fields of the outcome's latest extraction form. A second
        extraction by the same reviewer is refused unless ``replace=True``; another
        reviewer's extraction of the same study is kept beside it (double extraction).
        """
        from sqlalchemy import select

        from metareview.store import models as m

        with self._begin() as session:
            row = self._study(session, study)
            reviewer_id = self._member(session, reviewer)
            form = session.scalar(
                select(m.ExtractionForm).where(m.ExtractionForm.project_id == self.project_id,
                                               m.ExtractionForm.outcome == outcome)
                .order_by(m.ExtractionForm.version.desc()))
            if form is None:
                raise InputError(f"no extraction form for outcome {outcome!r}", column="outcome",
                                 hint="add one with add_extraction_form")
            allowed = set(form.json_schema.get("properties", {}))
            unknown = sorted(set(values) - allowed)
            if unknown:
                raise InputError(f"field(s) {', '.join(unknown)} are not in the {outcome!r} form",
                                 column=unknown[0], hint="fields: " + ", ".join(sorted(allowed)))
            existing = session.scalar(select(m.ExtractedData).where(
                m.ExtractedData.study_id == row.id, m.ExtractedData.form_id == form.id,
                m.ExtractedData.reviewer_id == reviewer_id))
            if existing is not None and not replace:
                raise InputError(f"{reviewer!r} already extracted {outcome!r} for this study",
                                 column="reviewer", hint="pass replace=True to change it")
            if existing is None:
                existing = m.ExtractedData(study_id=row.id, form_id=form.id,
                                           reviewer_id=reviewer_id)
                session.add(existing)
            existing.values = dict(values)
            existing.updated_at = dt.datetime.now(dt.timezone.utc)

    def record_rob(
        self, study: int | str, *, instrument: str, domain: str, judgement: str, reviewer: str,
        support: str | None = None, outcome: str = "", replace: bool = False,
    ) -> None:
        """Store a risk-of-bias judgement (instrument RoB2, ROBINS-I or NOS) for one domain.

        A second judgement by the same reviewer on the same study, outcome, instrument and
        domain is refused unless ``replace=True``.
        """
        from sqlalchemy import select

        from metareview.store import models as m

        choice(instrument, m.ROB_INSTRUMENTS, "instrument")
        if not str(domain).strip() or not str(judgement).strip():
            raise InputError("give the domain and the judgement", column="domain")
        with self._begin() as session:
            row = self._study(session, study)
            reviewer_id = self._member(session, reviewer)
            existing = session.scalar(select(m.RiskOfBiasJudgement).where(
                m.RiskOfBiasJudgement.study_id == row.id, m.RiskOfBiasJudgement.outcome == outcome,
                m.RiskOfBiasJudgement.instrument == instrument,
                m.RiskOfBiasJudgement.domain == domain,
                m.RiskOfBiasJudgement.reviewer_id == reviewer_id))
            if existing is not None and not replace:
                raise InputError(
                    f"{reviewer!r} already judged {domain!r} ({instrument}) as "
                    f"{existing.judgement!r}", column="judgement",
                    hint="pass replace=True to change it")
            if existing is None:
                existing = m.RiskOfBiasJudgement(study_id=row.id, outcome=outcome,
                                                 instrument=instrument, domain=domain,
                                                 reviewer_id=reviewer_id)
                session.add(existing)
            existing.judgement = judgement
            existing.support = support
            existing.updated_at = dt.datetime.now(dt.timezone.utc)
