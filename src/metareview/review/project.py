"""`ReviewProject`: the one object the command line and the web app call.

A review project lives in a store (a SQLite file by default, PostgreSQL by URL; see
:mod:`metareview.store`). The project imports database exports (one transaction per file;
the same file twice is refused), de-duplicates them, records screening decisions, tracks
full-text retrieval, groups reports into studies, exports records and an extraction sheet, and
computes the PRISMA 2020 flow (Page et al. 2021, BMJ 372:n71, doi:10.1136/bmj.n71) from what
it stored.

Examples
--------
>>> from metareview.review.records import Record
>>> with ReviewProject.init("sqlite://", "Aspirin review", lead="ann") as project:
...     search = project.import_records(
...         [Record(title="Aspirin trial", year=2020), Record(title="Statin trial", year=2019)],
...         database="PubMed", date="2024-01-31", file_name="pubmed.txt", file_sha256="0" * 64,
...         format="pubmed_medline")
...     project.status().records
2
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from metareview.errors import InputError, StoreError
from metareview.store.screening import ScreeningMixin, choice
from metareview.store.studies import StudiesMixin

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from metareview.review.prisma import PrismaCounts
    from metareview.review.records import Record

__all__ = ["DedupSummary", "ImportSummary", "ProjectStatus", "ReviewProject"]

Subset = Literal["all", "unique", "included"]

_RECORD_FIELDS = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "language", "keywords", "publication_type", "source_database", "source_file",
    "source_format", "source_index",
)


@dataclass(frozen=True)
class ImportSummary:
    """What :meth:`ReviewProject.import_file` stored."""

    search_id: int
    file: str
    database: str
    kind: str
    date: dt.date
    format: str
    encoding: str | None
    records: int
    sha256: str
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{
            "search_id": self.search_id, "file": self.file, "database": self.database,
            "kind": self.kind, "date": self.date.isoformat(), "format": self.format,
            "encoding": self.encoding, "records": self.records, "sha256": self.sha256,
            "warnings": len(self.warnings),
        }])


@dataclass(frozen=True)
class DedupSummary:
    """What :meth:`ReviewProject.dedup` stored."""

    records: int
    duplicate_clusters: int
    duplicates_removed: int
    links: int
    pairs_for_review: int
    kept_changed: int = 0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([self.__dict__])


@dataclass(frozen=True)
class ProjectStatus:
    """Counts describing where a project stands."""

    project: str
    searches: int
    records: int
    duplicates_removed: int
    pending_duplicate_pairs: int
    records_screened: int
    title_abstract_decisions: int
    title_abstract_conflicts: int
    records_awaiting_screening: int
    reports_sought: int
    full_text_decisions: int
    full_text_conflicts: int
    reports_included: int
    studies_included: int

    def to_frame(self) -> pd.DataFrame:
        """Columns ``item`` and ``n`` (the project name is left out)."""
        import pandas as pd

        items = [(k, v) for k, v in self.__dict__.items() if k != "project"]
        return pd.DataFrame(items, columns=["item", "n"])


def _parse_date(value: dt.date | str, *, column: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"{value!r} is not a date", column=column,
            hint="write the date the search was run as YYYY-MM-DD, e.g. 2024-01-31",
        ) from None


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ReviewProject(ScreeningMixin, StudiesMixin):
    """One systematic-review project in a store.

    Create one with :meth:`init`, reopen it with :meth:`open`; use it as a context manager (or
    call :meth:`close`). Every method that writes runs in one transaction: when it raises,
    nothing it did is kept.
    """

    def __init__(self, engine: Engine, project_id: int, name: str, *, own_engine: bool = True):
        from metareview.store.engine import make_sessionmaker

        self._engine = engine
        self._sessions = make_sessionmaker(engine)
        self._own_engine = own_engine
        self.project_id = project_id
        self.name = name

    # --- opening -----------------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        url_or_path: str | os.PathLike[str],
        name: str,
        *,
        lead: str | None = None,
        reviewers_per_record: int = 1,
    ) -> ReviewProject:
        """Create the store's schema if needed (by running the migrations) and a new project.

        Parameters
        ----------
        url_or_path : str or path
            ``sqlite:///review.db``, ``postgresql+psycopg://...`` or a file path (SQLite).
        name : str
            The project's name, unique in the store.
        lead : str, optional
            Username of the review lead (created if new).
        reviewers_per_record : int, default 1
            Independent reviewers whose agreement makes a screening decision final (2 for
            dual independent screening, as the Cochrane MECIR standards expect).
        """
        from metareview.store import models as m
        from metareview.store.engine import make_engine, upgrade

        name = str(name).strip()
        if not name:
            raise InputError("the project needs a name", column="name", hint="e.g. --name 'Aspirin for stroke'")
        if isinstance(reviewers_per_record, bool) or not isinstance(reviewers_per_record, int) or reviewers_per_record < 1:
            raise InputError(f"must be a whole number >= 1, got {reviewers_per_record!r}", column="reviewers_per_record")
        _check_sqlite_path(url_or_path, creating=True)
        engine = make_engine(url_or_path)
        try:
            upgrade(engine)
            project = cls(engine, 0, name)
            with project._begin() as session:
                from sqlalchemy import select

                if session.scalar(select(m.Project.id).where(m.Project.name == name)) is not None:
                    raise InputError(
                        f"a project named {name!r} already exists in this store",
                        file=_display(url_or_path), column="name",
                        hint="open it instead, or choose another name",
                    )
                row = m.Project(name=name, reviewers_per_record=reviewers_per_record)
                session.add(row)
                session.flush()
                project.project_id = row.id
                if lead is not None:
                    project._add_member(session, lead, role="lead")
        except BaseException:
            engine.dispose()
            raise
        return project

    @classmethod
    def open(cls, url_or_path: str | os.PathLike[str], name: str | None = None) -> ReviewProject:
        """Open a project; an older store is upgraded to the current schema first.

        *name* may be left out when the store holds exactly one project.
        """
        from sqlalchemy import inspect, select

        from metareview.store import models as m
        from metareview.store.engine import current_revision, head_revision, make_engine, upgrade

        text = os.fspath(url_or_path)
        _check_sqlite_path(url_or_path, creating=False)
        if "://" not in text and not Path(text).is_file():
            raise InputError(
                "no review store here", file=text,
                hint="create one with `metareview review init --db FILE --name NAME`",
            )
        engine = make_engine(url_or_path)
        try:
            if "alembic_version" not in inspect(engine).get_table_names():
                raise StoreError(
                    f"{_display(url_or_path)} is not a metareview review store (no schema "
                    "version); create one with `metareview review init`"
                )
            if current_revision(engine) != head_revision():
                upgrade(engine)
            with engine.connect() as conn:
                rows = conn.execute(select(m.Project.id, m.Project.name).order_by(m.Project.id)).all()
            if name is None:
                if len(rows) != 1:
                    names = ", ".join(repr(r.name) for r in rows) or "none"
                    raise InputError(
                        f"the store holds {len(rows)} projects ({names})",
                        file=_display(url_or_path), column="name",
                        hint="say which one with --name" if rows else "create one with `metareview review init`",
                    )
                found = rows[0]
            else:
                matches = [r for r in rows if r.name == name]
                if not matches:
                    names = ", ".join(repr(r.name) for r in rows) or "none"
                    raise InputError(
                        f"no project named {name!r} in this store", file=_display(url_or_path),
                        column="name", hint=f"projects here: {names}",
                    )
                found = matches[0]
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, found.id, found.name)

    def close(self) -> None:
        if self._own_engine:
            self._engine.dispose()

    def __enter__(self) -> ReviewProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReviewProject({self.name!r}, {self.url})"

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def _begin(self) -> Any:
        """A session in one transaction (committed on success, rolled back on error)."""
        return self._sessions.begin()

    # --- people and lists -------------------------------------------------------------------
    def add_member(self, username: str, *, role: Literal["lead", "reviewer"] = "reviewer") -> None:
        """Add a user (created if new) to the project with a role (``lead`` or ``reviewer``)."""
        with self._begin() as session:
            self._add_member(session, username, role=role)

    def _add_member(self, session: Session, username: str, *, role: str) -> None:
        from sqlalchemy import select

        from metareview.store import models as m

        choice(role, m.ROLES, "role")
        username = str(username).strip()
        if not username:
            raise InputError("the username is empty", column="username")
        user = session.scalar(select(m.User).where(m.User.username == username))
        if user is None:
            user = m.User(username=username)
            session.add(user)
            session.flush()
        existing = session.scalar(
            select(m.Membership).where(
                m.Membership.project_id == self.project_id, m.Membership.user_id == user.id
            )
        )
        if existing is not None:
            if existing.role != role:
                raise InputError(
                    f"{username!r} is already a {existing.role} of this project",
                    column="role", hint="a member has one role",
                )
            return
        session.add(m.Membership(project_id=self.project_id, user_id=user.id, role=role))

    def _member(self, session: Session, username: str, *, lead: bool = False) -> int:
        from sqlalchemy import select

        from metareview.store import models as m

        row = session.execute(
            select(m.User.id, m.Membership.role)
            .join(m.Membership, m.Membership.user_id == m.User.id)
            .where(m.User.username == username, m.Membership.project_id == self.project_id)
        ).first()
        if row is None:
            raise InputError(
                f"{username!r} is not a member of project {self.name!r}",
                column="lead" if lead else "reviewer",
                hint="add them first with add_member(username, role=...)",
            )
        if lead and row.role != "lead":
            raise InputError(
                f"{username!r} is a {row.role}; only a lead resolves conflicts", column="lead"
            )
        return int(row.id)

    # --- import -----------------------------------------------------------------------------
    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        database: str,
        date: dt.date | str,
        query: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        kind: Literal["database", "register"] = "database",
    ) -> ImportSummary:
        """Read a database export and store its records, all or nothing.

        Parameters
        ----------
        path : path
            The export file (format detected unless *format* is given).
        database : str
            The database or register searched (``"PubMed"``, ``"Embase"``, ``"CNKI"``...),
            as it should appear in the PRISMA flow diagram.
        date : date or ``YYYY-MM-DD``
            When the search was run (PRISMA 2020 item 6).
        query : str, optional
            The full search strategy (PRISMA 2020 item 7).
        kind : ``"database"`` or ``"register"``
            Which PRISMA identification box the records count under.

        Raises
        ------
        InputError
            If the file was already imported into this project (same SHA-256), a date is
            malformed, or the importer rejects the file.
        """
        from metareview.review.importers import read_records

        file = Path(path)
        if file.is_dir():
            raise InputError("is a folder, not an export file", file=str(file),
                             hint="give the path of the exported file inside it")
        if not file.is_file():
            raise InputError("no such file", file=str(file), hint="check the path")
        digest = sha256_of(file)
        self._refuse_known_file(digest, file)
        result = read_records(file, format=format, encoding=encoding, database=database)
        warnings = tuple(str(w) for w in getattr(result, "warnings", ()) or ())
        search_id = self.import_records(
            result.records, database=database, date=date, query=query, kind=kind,
            file_name=file.name, file_sha256=digest, format=str(result.format),
            encoding=None if result.encoding is None else str(result.encoding),
        )
        return ImportSummary(
            search_id=search_id, file=str(file), database=database, kind=kind,
            date=_parse_date(date), format=str(result.format),
            encoding=None if result.encoding is None else str(result.encoding),
            records=len(result.records), sha256=digest, warnings=warnings,
        )

    def _refuse_known_file(self, digest: str, file: Path | str) -> None:
        from sqlalchemy import select

        from metareview.store import models as m

        with self._sessions() as session:
            known = session.scalars(
                select(m.Search).where(
                    m.Search.project_id == self.project_id, m.Search.file_sha256 == digest
                )
            ).first()
        if known is not None:
            raise InputError(
                f"this file was already imported (search {known.id}: {known.database}, run "
                f"{known.date_run.isoformat()}, file {known.file_name!r}, {known.record_count} records)",
                file=str(file),
                hint="importing it again would double-count its records; import a new export "
                "instead",
            )

    def import_records(
        self,
        records: Iterable[Record],
        *,
        database: str,
        date: dt.date | str,
        file_name: str,
        file_sha256: str,
        format: str,
        query: str | None = None,
        encoding: str | None = None,
        kind: Literal["database", "register"] = "database",
    ) -> int:
        """Store already-read records as one search, in one transaction; returns the search id."""
        from sqlalchemy import insert

        from metareview.store import models as m

        database = str(database).strip()
        if not database:
            raise InputError("name the database searched", column="database",
                             hint="e.g. --database Embase")
        choice(kind, m.SEARCH_KINDS, "kind")
        run = _parse_date(date)
        if run > dt.date.today() + dt.timedelta(days=1):
            raise InputError(f"{run.isoformat()} is in the future", column="date",
                             hint="give the date the search was run")
        if len(file_sha256) != 64:
            raise InputError("must be a 64-character hex SHA-256", column="file_sha256")
        self._refuse_known_file(file_sha256, file_name)
        rows = [_record_row(r, i, file_name) for i, r in enumerate(records)]
        with self._begin() as session:
            search = m.Search(
                project_id=self.project_id, kind=kind, database=database, date_run=run,
                query_text=query, file_name=file_name, file_sha256=file_sha256,
                format=format, encoding=encoding, record_count=len(rows),
            )
            session.add(search)
            session.flush()
            if rows:
                for row in rows:
                    row["project_id"] = self.project_id
                    row["search_id"] = search.id
                session.execute(insert(m.RecordRow), rows)
            return int(search.id)

    # --- reading ----------------------------------------------------------------------------
    def records_frame(self, *, subset: Subset = "all", raw: bool = True) -> pd.DataFrame:
        """The project's records as a table: ``record_id``, ``search_id``, ``database``,
        ``study_id``, ``duplicate`` and the :class:`~metareview.review.records.Record` fields
        (authors and keywords as tuples, raw as a dict).

        ``subset="unique"`` leaves out removed duplicates and records removed for other
        reasons; ``"included"`` keeps the reports of included studies. ``raw=False`` leaves
        the (large) raw column out.
        """
        import pandas as pd
        from sqlalchemy import literal, select

        from metareview.store import models as m

        choice(subset, ("all", "unique", "included"), "subset")
        columns = [getattr(m.RecordRow, f) for f in _RECORD_FIELDS]
        with self._sessions() as session:
            rows = session.execute(
                select(m.RecordRow.id, m.RecordRow.search_id, m.Search.database,
                       m.RecordRow.study_id, m.RecordRow.removed_reason,
                       m.RecordRow.raw if raw else literal(None), *columns)
                .join(m.Search, m.RecordRow.search_id == m.Search.id)
                .where(m.RecordRow.project_id == self.project_id)
                .order_by(m.RecordRow.id)
            ).all()
            removed = set(session.scalars(
                select(m.DuplicateMember.record_id)
                .join(m.DuplicateCluster, m.DuplicateMember.cluster_id == m.DuplicateCluster.id)
                .where(m.DuplicateCluster.project_id == self.project_id,
                       m.DuplicateMember.kept.is_(False))
            ))
        frame = pd.DataFrame(
            rows,
            columns=["record_id", "search_id", "database", "study_id", "removed_reason", "raw",
                     *_RECORD_FIELDS],
        )
        frame["authors"] = frame["authors"].map(lambda v: tuple(v or ()))
        frame["keywords"] = frame["keywords"].map(lambda v: tuple(v or ()))
        frame["year"] = frame["year"].astype("Int64")
        frame["study_id"] = frame["study_id"].astype("Int64")
        frame["duplicate"] = frame["record_id"].isin(removed)
        if not raw:
            frame = frame.drop(columns=["raw"])
        if subset == "unique":
            frame = frame[~frame["duplicate"] & frame["removed_reason"].isna()]
        elif subset == "included":
            frame = frame[frame["record_id"].isin(self._included_record_ids())]
        return frame.reset_index(drop=True)

    def _included_record_ids(self) -> list[int]:
        final = self.final_decisions()
        keep = (final["stage"] == "full_text") & (final["status"] == "final") & (
            final["decision"] == "include")
        return [int(x) for x in final.loc[keep, "record_id"]]

    # --- de-duplication ---------------------------------------------------------------------
    def dedup(self, *, finder: Any = None, **options: Any) -> DedupSummary:
        """Find duplicates among all the project's records and store the result.

        Runs :func:`metareview.review.dedup.find_duplicates` (or *finder*, a function with the
        same signature) over every record; replaces the previous automatic result, so running
        it twice stores the same thing (idempotent). Links and clusters a person decided are
        kept. Uncertain pairs are queued (``decision="pending"``) for a person.
        """
        from metareview.store.dedup_store import store_dedup_result

        if finder is None:
            from metareview.review.dedup import find_duplicates as finder
        frame = self.records_frame(subset="all", raw=False)
        frame = frame[frame["removed_reason"].isna()]
        frame = frame.assign(
            authors=frame["authors"].map("; ".join), keywords=frame["keywords"].map("; ".join)
        ).reset_index(drop=True)
        result = finder(frame, id_column="record_id", **options)
        with self._begin() as session:
            stored = store_dedup_result(session, self.project_id, result)
        return DedupSummary(records=len(frame), **stored)

    def resolve_duplicate_pair(self, link_id: int, *, duplicate: bool, by: str) -> int | None:
        """A project member's decision on a pair queued by :meth:`dedup`.

        ``duplicate=True`` merges the two records' clusters into one decided by a person
        (returns the id of the record kept); ``False`` records that they differ. Either way
        the decision survives later :meth:`dedup` runs.
        """
        from metareview.store.dedup_store import resolve_pair

        with self._begin() as session:
            user_id = self._member(session, by)
            return resolve_pair(session, self.project_id, int(link_id), duplicate=duplicate,
                                user_id=user_id)

    def pending_duplicate_pairs(self) -> pd.DataFrame:
        """Pairs queued for a person: ``link_id, record_a_id, record_b_id, reason, score``."""
        import pandas as pd
        from sqlalchemy import select

        from metareview.store import models as m

        with self._sessions() as session:
            rows = session.execute(
                select(m.DuplicateLink.id, m.DuplicateLink.record_a_id,
                       m.DuplicateLink.record_b_id, m.DuplicateLink.reason, m.DuplicateLink.score)
                .where(m.DuplicateLink.project_id == self.project_id,
                       m.DuplicateLink.decision == "pending")
                .order_by(m.DuplicateLink.score.desc(), m.DuplicateLink.id)
            ).all()
        return pd.DataFrame(rows, columns=["link_id", "record_a_id", "record_b_id", "reason", "score"])

    # Screening, full texts and reasons: metareview.store.screening.ScreeningMixin.
    # Studies, extraction and risk of bias: metareview.store.studies.StudiesMixin.

    # --- reports ------------------------------------------------------------------------------
    def status(self) -> ProjectStatus:
        """Counts of searches, records, duplicates, decisions and conflicts."""
        from sqlalchemy import func, select

        from metareview.store import models as m

        counts = self.prisma_counts()
        final = self.final_decisions()
        with self._sessions() as session:
            n_searches = session.scalar(select(func.count()).select_from(m.Search).where(
                m.Search.project_id == self.project_id))
            pending = session.scalar(select(func.count()).select_from(m.DuplicateLink).where(
                m.DuplicateLink.project_id == self.project_id,
                m.DuplicateLink.decision == "pending"))
        ta = final[final["stage"] == "title_abstract"]
        ft = final[final["stage"] == "full_text"]
        return ProjectStatus(
            project=self.name,
            searches=int(n_searches or 0),
            records=counts.identified_total,
            duplicates_removed=counts.duplicates_removed,
            pending_duplicate_pairs=int(pending or 0),
            records_screened=counts.records_screened,
            title_abstract_decisions=int((ta["status"] == "final").sum()),
            title_abstract_conflicts=int((ta["status"] == "conflict").sum()),
            records_awaiting_screening=counts.records_awaiting_screening,
            reports_sought=counts.reports_sought,
            full_text_decisions=int((ft["status"] == "final").sum()),
            full_text_conflicts=int((ft["status"] == "conflict").sum()),
            reports_included=counts.reports_included,
            studies_included=counts.studies_included,
        )

    def prisma_counts(self) -> PrismaCounts:
        """The PRISMA 2020 flow computed from the store, checked to add up."""
        from metareview.review.prisma import prisma_counts_from_store

        with self._sessions() as session:
            return prisma_counts_from_store(session, self.project_id).check()

    def export_records_ris(self, path: str | os.PathLike[str], *, subset: Subset = "unique") -> int:
        """Write records as RIS (one ``TY`` ... ``ER`` block each); returns how many.

        ``subset`` is ``"unique"`` (default: after de-duplication), ``"all"`` or
        ``"included"``. Each record carries its store id in an ``ID`` line and its database in
        ``DB``, so a reference manager's copy can be matched back.
        """
        from metareview.store.export import records_to_ris

        target = Path(path)
        frame = self.records_frame(subset=subset)
        text = records_to_ris(frame)
        tmp = target.with_name(target.name + ".part")
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(target)
        return len(frame)

    def export_extraction_sheet(self, path: str | os.PathLike[str]) -> int:
        """Write a data-extraction sheet (.csv or .xlsx) with one row per included study.

        Columns: ``study_id, study, record_ids, first_author, year, title, journal, doi,
        pmid, reviewer`` and then one empty column per field of each extraction form
        (``"<outcome>: <field>"``), ready for double extraction. Returns the number of rows.
        """
        from sqlalchemy import select

        from metareview.store import models as m
        from metareview.store.export import extraction_sheet

        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InputError(f"cannot write an extraction sheet as {suffix or 'no extension'!r}",
                             file=str(target), hint="use a .csv or .xlsx file name")
        included = self.records_frame(subset="included")
        with self._sessions() as session:
            studies = dict(session.execute(select(m.Study.id, m.Study.label).where(
                m.Study.project_id == self.project_id)).all())
            forms = session.execute(
                select(m.ExtractionForm.outcome, m.ExtractionForm.version,
                       m.ExtractionForm.json_schema)
                .where(m.ExtractionForm.project_id == self.project_id)
                .order_by(m.ExtractionForm.outcome, m.ExtractionForm.version)
            ).all()
        latest = {outcome: schema for outcome, _version, schema in forms}  # last version wins
        sheet = extraction_sheet(included, studies, latest)
        if suffix == ".csv":
            sheet.to_csv(target, index=False, encoding="utf-8")
        else:
            sheet.to_excel(target, index=False, sheet_name="extraction", engine="openpyxl")
        return len(sheet)


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_path(url_or_path: str | os.PathLike[str], *, creating: bool) -> None:
    """Refuse, in one line, a store path that SQLite could not use: a folder, a file in a
    folder that does not exist, or an existing file that is not a SQLite database (which
    is never overwritten). URLs are left to the database server."""
    text = os.fspath(url_or_path)
    if "://" in text:
        return
    p = Path(text).expanduser()
    if p.is_dir():
        raise InputError("is a folder, not a review store", file=text, column="--db",
                         hint="give a file name inside it, e.g. " + str(p / "review.db"))
    if creating and not p.parent.is_dir():
        raise InputError(f"the folder {str(p.parent)!r} does not exist", file=text, column="--db",
                         hint="create it first (mkdir) or put the store somewhere else")
    if p.is_file() and p.stat().st_size > 0:
        with p.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise InputError("is not a review store (not a SQLite database)", file=text, column="--db",
                             hint="give the .db file made by `metareview review init`; this file is left untouched"
                             if not creating else "choose a new file name; this file is left untouched")
        tables = _sqlite_tables(p)
        if tables and "alembic_version" not in tables:  # opened read-only: nothing is changed
            raise InputError(
                f"is a SQLite database of another program (tables {', '.join(tables[:5])}), "
                "not a review store", file=text, column="--db",
                hint="choose a new file name; this database is left untouched" if creating
                else "give the .db file made by `metareview review init`",
            )


def _sqlite_tables(path: Path) -> list[str]:
    """The table names of a SQLite file, read without writing to it."""
    import sqlite3

    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise InputError(f"cannot be read as a SQLite database ({exc})", file=str(path), column="--db",
                         hint="is it damaged or still being written?") from None


def _display(url_or_path: str | os.PathLike[str]) -> str:
    text = os.fspath(url_or_path)
    if "://" in text:
        from sqlalchemy.engine import make_url

        return make_url(text).render_as_string(hide_password=True)
    return text


def _record_row(record: Any, index: int, file_name: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in _RECORD_FIELDS:
        row[name] = getattr(record, name, None)
    row["authors"] = [str(a) for a in (row["authors"] or ())]
    row["keywords"] = [str(k) for k in (row["keywords"] or ())]
    year = row["year"]
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise InputError(f"year {year!r} is not a whole number", file=file_name, row=index + 1,
                         column="year", hint="the importer must give years as integers")
    if row["source_index"] is None:
        row["source_index"] = index
    raw = getattr(record, "raw", None) or {}
    row["raw"] = {str(k): ([v] if isinstance(v, str) else [str(x) for x in v])
                  for k, v in dict(raw).items()}
    for name in ("volume", "issue", "pages", "pmid", "doi"):
        if row[name] is not None:
            row[name] = str(row[name])
    return row
