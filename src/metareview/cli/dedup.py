"""`metareview dedup`: find duplicate records across exports and write an audit trail."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_CSV_SUFFIXES = {".csv", ".tsv"}
KEY = "record_id"  # the identifier column of every output

EXAMPLES = """Examples:

\b
  metareview dedup pubmed.nbib embase.ris scopus.csv --out dedup/
  metareview dedup all_records.csv --id-column accession --threshold 0.95 --out dedup/
  metareview dedup old_export.csv --encoding cp1252 --out dedup/
"""


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    import pandas as pd

    from metareview.errors import InputError

    if not path.is_file():
        raise InputError("no such file", file=str(path), hint="check the path")
    data = path.read_bytes()
    if encoding is None and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # Excel's "Unicode text" and Windows exports carry this mark
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"the file is not valid {encoding or 'UTF-8'} text (byte "
                         f"0x{data[exc.start]:02x})", file=str(path), line=line,
                         hint="give its encoding, e.g. --encoding cp1252") from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=str(path),
                         hint="e.g. utf-8, cp1252, latin-1, utf-16") from None
    sep = "\t" if path.suffix.lower() == ".tsv" else _delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=str(path), line=1) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"the CSV cannot be parsed ({exc})", file=str(path),
                         hint="check quoting and the number of fields per line") from None
    return frame


def _delimiter(text: str) -> str:
    """The delimiter used most often in the header line of a .csv: a comma, or the semicolon
    (or tab) that spreadsheets in many locales write; a comma when the header has none."""
    header = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_export(path: Path, encoding: str | None) -> pd.DataFrame:
    from metareview.errors import InputError

    if not path.is_file():
        raise InputError("no such file", file=str(path), hint="check the path")
    try:
        from metareview.review.importers import read_records
        from metareview.review.records import records_to_frame
    except ImportError:  # pragma: no cover - the importers ship with metareview
        raise InputError("this export format cannot be read in this installation",
                         file=str(path), hint="export the records as CSV") from None
    result = read_records(path, encoding=encoding)
    return records_to_frame(result.records)


def _known_csv_format(path: Path, encoding: str | None) -> str | None:
    """The database export format of a CSV/TSV (Scopus, Embase, Zotero ...), or None."""
    try:
        from metareview.review.importers import detect_format
    except ImportError:  # pragma: no cover
        return None
    try:
        fmt = detect_format(path, encoding=encoding)
    except Exception:  # noqa: BLE001 - anything unreadable is reported by _read_csv
        return None
    return None if fmt in ("csv", "tsv") else fmt


def _read_table(path: Path, encoding: str | None) -> pd.DataFrame:
    """A CSV with all its own columns; for a known database export (Embase puts journal, year,
    volume and pages in one "Source" cell) the fields parsed by the importer are added as the
    canonical columns (title, authors, year, journal, volume, issue, pages, doi, pmid,
    abstract) where the file has no column of that name."""
    frame = _read_csv(path, encoding)
    fmt = _known_csv_format(path, encoding)
    if fmt is None:
        return frame
    parsed = _read_export(path, encoding)
    if len(parsed) != len(frame):  # pragma: no cover - the importer keeps every row
        return frame
    for field in ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
                  "pmid", "abstract"):
        if field not in frame.columns:
            frame[field] = parsed[field].to_numpy()
    return frame


def _load(files: list[Path], id_column: str | None, encoding: str | None) -> pd.DataFrame:
    import pandas as pd

    from metareview.errors import InputError
    from metareview.review.dedup import FIELD_ALIASES, resolve_column

    frames = []
    for path in files:
        is_csv = path.suffix.lower() in _CSV_SUFFIXES
        frame = _read_table(path, encoding) if is_csv else _read_export(path, encoding)
        if resolve_column(frame, "title") is None:
            raise InputError("there is no title column", file=str(path), column="title",
                             hint="name the column of titles 'title'; columns are: "
                             + ", ".join(map(str, frame.columns[:20])))
        if id_column is not None and id_column not in frame.columns:
            raise InputError(f"the id column {id_column!r} is not in this file", file=str(path),
                             column=id_column, hint="columns are: "
                             + ", ".join(map(str, frame.columns[:20])))
        # a table written by `metareview records` already names each record's export in
        # source_file: keep it, as record_source_file, beside this CSV's own file and row
        if is_csv and "source_file" in frame.columns and "record_source_file" not in frame.columns:
            frame = frame.rename(columns={"source_file": "record_source_file"})
        # an export's records already carry source_file (and source_index, 0-based)
        reserved = (KEY, "source_file", "source_row") if is_csv else (KEY, "source_row")
        clash = [c for c in reserved if c in frame.columns and c != id_column]
        if clash:
            raise InputError(f"the column name {clash[0]!r} is reserved for the output",
                             file=str(path), column=clash[0],
                             hint=f"rename it, or pass --id-column {clash[0]} if it holds "
                             "unique identifiers" if clash[0] == KEY else "rename it")
        frame = frame.copy()
        # files name fields differently ("Title", "Publication Year"): add the canonical
        # column (a copy, the original stays) so that rows from all files line up
        for field in FIELD_ALIASES:
            col = resolve_column(frame, field)
            if col is not None and field not in frame.columns:
                frame[field] = frame[col]
        if is_csv:
            frame.insert(0, "source_row", range(1, len(frame) + 1))
            frame.insert(0, "source_file", str(path))
        else:  # the record's position in the export, 1-based
            frame.insert(0, "source_row", frame["source_index"].astype(int) + 1)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if id_column is not None:
        ids = data[id_column].astype(str).str.strip()
        empty = ids == ""
        if empty.any():
            bad = data[empty].iloc[0]
            raise InputError("a record has no identifier", file=bad["source_file"],
                             row=int(bad["source_row"]), column=id_column,
                             hint="give every record an identifier or omit --id-column")
        dup = ids.duplicated(keep=False)
        if dup.any():
            first_file = data.loc[dup, "source_file"].iloc[0]
            same = dup & (data["source_file"] == first_file)
            raise InputError(f"identifiers repeat (e.g. {ids[dup].iloc[0]!r})", file=first_file,
                             row=data.loc[same, "source_row"].astype(int).tolist(),
                             column=id_column,
                             hint="identifiers must be unique across all files")
        if id_column != KEY:
            data.insert(0, KEY, ids)
    else:
        data.insert(0, KEY, [f"{Path(f).name}:{r}" for f, r in
                             zip(data["source_file"], data["source_row"])])
    return data


def _run(files: list[Path], out: Path, id_column: str | None, threshold: float,
         encoding: str | None) -> None:
    from metareview.errors import InputError
    from metareview.io import atomic_output
    from metareview.review.dedup import find_duplicates

    if not 0 <= threshold <= 1:
        raise InputError(f"must lie between 0 and 1, got {threshold}", column="--threshold",
                         hint="e.g. --threshold 0.9")
    if out.exists() and not out.is_dir():
        raise InputError("is a file; --out names the folder for kept.csv, clusters.csv and "
                         "pairs_for_review.csv", file=str(out), column="--out",
                         hint="give a folder name (it is created if needed)")
    for path in files:
        if path.is_dir():
            raise InputError("is a folder, not a records file", file=str(path),
                             hint="give the path of the export or CSV inside it")
    resolved = [p.resolve() for p in files]
    if len(set(resolved)) != len(resolved):
        twice = next(p for i, p in enumerate(files) if resolved[i] in resolved[:i])
        raise InputError("the same file is given twice", file=str(twice),
                         hint="list each file once, or every record is its own duplicate")
    outputs = {(out / n).resolve() for n in ("kept.csv", "clusters.csv", "pairs_for_review.csv")}
    clash = next((p for p, r in zip(files, resolved, strict=True) if r in outputs), None)
    if clash is not None:
        raise InputError("is an input, and --out would overwrite it with the results", file=str(clash),
                         column="--out", hint="write the results to another folder")
    data = _load(files, id_column, encoding)
    result = find_duplicates(data, id_column=KEY, threshold=threshold,
                             file=str(files[0]) if len(files) == 1 else None)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder: {exc.strerror}", file=str(out), column="--out",
                         hint="choose a folder you can write to") from None
    info = data.set_index(KEY)[["source_file", "source_row", "title"]]
    clusters = result.to_frame().join(info, on="record_id")
    sizes = clusters.groupby("cluster_id")["record_id"].transform("size")
    clusters.insert(3, "cluster_size", sizes)
    kept = data.set_index(KEY).loc[list(result.kept_ids)].reset_index()
    kept_clusters = clusters.set_index("record_id").loc[kept[KEY]]
    kept.insert(1, "cluster_id", kept_clusters["cluster_id"].to_numpy())
    kept.insert(2, "duplicates_removed", kept_clusters["cluster_size"].to_numpy() - 1)
    review = result.pairs_for_review
    for side in ("a", "b"):
        side_info = info.add_suffix(f"_{side}")
        review = review.join(side_info, on=f"id_{side}")
    for frame, name in ((kept, "kept.csv"), (clusters, "clusters.csv"), (review, "pairs_for_review.csv")):
        with atomic_output(out / name) as tmp:
            frame.to_csv(tmp, index=False)
    s = result.summary().iloc[0]
    typer.echo(f"{s['records']} records from {len(files)} file(s): "
               f"{s['duplicate_clusters']} duplicate clusters, {s['removed']} duplicates removed, "
               f"{s['kept']} kept, {s['pairs_for_review']} pairs for review")
    typer.echo(f"wrote {out / 'kept.csv'}, {out / 'clusters.csv'}, {out / 'pairs_for_review.csv'}")


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to *app*."""

    @app.command("dedup", epilog=EXAMPLES)
    def dedup(
        files: list[Path] = typer.Argument(..., metavar="FILE", help="CSV files (any "
                                           "columns, one of them the title) or bibliographic "
                                           "exports (RIS, PubMed, WoS, BibTeX, EndNote XML ...)"),
        out: Path = typer.Option(..., "--out", help="Folder for kept.csv, clusters.csv, "
                                 "pairs_for_review.csv"),
        id_column: Optional[str] = typer.Option(  # noqa: UP007 - typer needs Optional
            None, "--id-column", help="Column of unique record identifiers, kept in every "
            "output (default: FILE:ROW)"),
        threshold: float = typer.Option(0.9, "--threshold", help="Minimum score (0-1) to "
                                        "merge a fuzzy match"),
        encoding: Optional[str] = typer.Option(  # noqa: UP007
            None, "--encoding", help="Text encoding of the files (default UTF-8; e.g. cp1252)"),
    ) -> None:
        """Find duplicate records: exact DOI/PMID, then fuzzy title/author/year/journal/pages.

        Every merge keeps its reason and score; uncertain pairs go to pairs_for_review.csv
        for a person instead of being merged.
        """
        _run(files, out, id_column, threshold, encoding)
