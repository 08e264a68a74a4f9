"""SQLAlchemy 2.0 models of a systematic-review project.

One database holds one or more review projects. The tables follow the path a review takes
(Page et al. 2021, the PRISMA 2020 statement, BMJ 372:n71, doi:10.1136/bmj.n71):

* ``searches``: one row per database or register export that was imported (what was run,
  when, and the exact file, identified by its SHA-256);
* ``records``: every record of every search, with all :class:`metareview.review.records.Record`
  fields, the raw tags as JSON and a link to the search it came from (never merged, never
  dropped: a duplicate stays a row and is marked through ``duplicate_members``);
* ``duplicate_clusters`` / ``duplicate_members`` / ``duplicate_links``: the de-duplication
  result with the reason and score of every link and who decided it (``auto`` or ``person``);
* ``screening_decisions`` (one per record, stage and reviewer), ``conflict_resolutions``
  (by a lead), ``exclusion_reasons`` (the project's list per stage);
* ``full_text_retrievals``: whether a report was sought, retrieved or not retrieved (and why);
* ``studies``: a study groups one or more reports (records); ``extraction_forms``,
  ``extracted_data`` (per study, outcome and reviewer: double extraction) and
  ``risk_of_bias`` judgements (RoB 2, ROBINS-I, NOS) hang off studies.

Choices are stored as short strings guarded by CHECK constraints (portable between SQLite and
PostgreSQL and easy to migrate); the allowed values are the module-level tuples below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "DECIDED_BY",
    "DECISIONS",
    "LINK_DECISIONS",
    "RETRIEVAL_STATUSES",
    "ROB_INSTRUMENTS",
    "ROLES",
    "SEARCH_KINDS",
    "STAGES",
    "Base",
    "ConflictResolution",
    "DuplicateCluster",
    "DuplicateLink",
    "DuplicateMember",
    "ExclusionReason",
    "ExtractedData",
    "ExtractionForm",
    "FullTextRetrieval",
    "Membership",
    "Project",
    "RecordRow",
    "RiskOfBiasJudgement",
    "ScreeningDecision",
    "Search",
    "Study",
    "User",
]

ROLES = ("lead", "reviewer")
SEARCH_KINDS = ("database", "register")
STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")
DECIDED_BY = ("auto", "person")
LINK_DECISIONS = ("duplicate", "not_duplicate", "pending")
RETRIEVAL_STATUSES = ("sought", "not_retrieved", "retrieved")
ROB_INSTRUMENTS = ("RoB2", "ROBINS-I", "NOS")

# Deterministic constraint names, so that Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every metareview table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    # How many independent reviewers must agree before a screening decision is final.
    reviewers_per_record: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (CheckConstraint("reviewers_per_record >= 1", name="reviewers_positive"),)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    # Set by the web app (argon2); the store never hashes or checks passwords.
    password_hash: Mapped[str | None] = mapped_column(String(300))
    display_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )


class Search(Base):
    __tablename__ = "searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="database")
    database: Mapped[str] = mapped_column(String(200))
    date_run: Mapped[dt.date] = mapped_column(Date)
    query_text: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(50))
    encoding: Mapped[str | None] = mapped_column(String(50))
    record_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("project_id", "file_sha256"),
        CheckConstraint(_in("kind", SEARCH_KINDS), name="kind"),
        CheckConstraint("record_count >= 0", name="record_count"),
    )


class Study(Base):
    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("project_id", "label"),)


class RecordRow(Base):
    """One bibliographic record (a report, in PRISMA 2020's words) exactly as imported."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id", ondelete="CASCADE"))
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(String(100))
    issue: Mapped[str | None] = mapped_column(String(100))
    pages: Mapped[str | None] = mapped_column(String(100))
    doi: Mapped[str | None] = mapped_column(String(300))
    pmid: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str | None] = mapped_column(String(100))
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    publication_type: Mapped[str | None] = mapped_column(String(200))
    source_database: Mapped[str | None] = mapped_column(String(200))
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_format: Mapped[str | None] = mapped_column(String(50))
    source_index: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Removed before screening for a reason other than duplication (PRISMA 2020 item 16a box
    # "records removed for other reasons"), e.g. "marked ineligible by automation tool".
    removed_reason: Mapped[str | None] = mapped_column(String(300))

    search: Mapped[Search] = relationship()

    __table_args__ = (
        Index("ix_records_project_id", "project_id"),
        Index("ix_records_search_id", "search_id"),
        Index("ix_records_doi", "doi"),
    )


class DuplicateCluster(Base):
    __tablename__ = "duplicate_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kept_record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    decided_by: Mapped[str] = mapped_column(String(10), default="auto")

    __table_args__ = (CheckConstraint(_in("decided_by", DECIDED_BY), name="decided_by"),)


class DuplicateMember(Base):
    __tablename__ = "duplicate_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("duplicate_clusters.id", ondelete="CASCADE")
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    kept: Mapped[bool] = mapped_column(default=False)

    # A record belongs to at most one cluster.
    __table_args__ = (UniqueConstraint("record_id"),)


class DuplicateLink(Base):
    """Why two records were judged duplicates (or queued for a person to decide)."""

    __tablename__ = "duplicate_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_a_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(10))
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("record_a_id", "record_b_id"),
        CheckConstraint("record_a_id < record_b_id", name="ordered_pair"),
        CheckConstraint(_in("decision", LINK_DECISIONS), name="decision"),
        CheckConstraint(_in("decided_by", DECIDED_BY), name="decided_by"),
    )


class ExclusionReason(Base):
    __tablename__ = "exclusion_reasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("project_id", "stage", "label"),
        CheckConstraint(_in("stage", STAGES), name="stage"),
    )


class ScreeningDecision(Base):
    __tablename__ = "screening_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10))
    exclusion_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("exclusion_reasons.id", ondelete="RESTRICT")
    )
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("record_id", "stage", "reviewer_id"),
        CheckConstraint(_in("stage", STAGES), name="stage"),
        CheckConstraint(_in("decision", DECISIONS), name="decision"),
    )


class ConflictResolution(Base):
    """The lead's final word on a record at a stage when reviewers disagreed."""

    __tablename__ = "conflict_resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    resolved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decision: Mapped[str] = mapped_column(String(10))
    exclusion_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("exclusion_reasons.id", ondelete="RESTRICT")
    )
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("record_id", "stage"),
        CheckConstraint(_in("stage", STAGES), name="stage"),
        CheckConstraint("decision IN ('include', 'exclude')", name="decision"),
    )


class FullTextRetrieval(Base):
    __tablename__ = "full_text_retrievals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("record_id"),
        CheckConstraint(_in("status", RETRIEVAL_STATUSES), name="status"),
    )


class ExtractionForm(Base):
    """The fields to extract for one outcome, as a JSON Schema object."""

    __tablename__ = "extraction_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(300))
    json_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (UniqueConstraint("project_id", "outcome", "version"),)


class ExtractedData(Base):
    """One reviewer's extraction for one study and outcome (two rows = double extraction)."""

    __tablename__ = "extracted_data"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"))
    form_id: Mapped[int] = mapped_column(ForeignKey("extraction_forms.id", ondelete="RESTRICT"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (UniqueConstraint("study_id", "form_id", "reviewer_id"),)


class RiskOfBiasJudgement(Base):
    __tablename__ = "risk_of_bias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"))
    # "" when the judgement is for the whole study rather than one outcome.
    outcome: Mapped[str] = mapped_column(String(300), default="")
    instrument: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str] = mapped_column(String(200))
    judgement: Mapped[str] = mapped_column(String(50))
    support: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        UniqueConstraint("study_id", "outcome", "instrument", "domain", "reviewer_id"),
        CheckConstraint(_in("instrument", ROB_INSTRUMENTS), name="instrument"),
    )
