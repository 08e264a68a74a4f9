"""Reading the user's data tables (CSV, TSV, Excel, Parquet) with errors that name the file.

Every command that takes a data file reads it here, so a missing file, an unreadable
encoding or a missing column is reported the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from metareview.errors import InputError

#: Columns that may hold study labels, in order of preference.
LABEL_COLUMNS: tuple[str, ...] = ("slab", "study", "study_id", "author", "label")


def read_table(path: str | Path) -> Any:
    """Read a data table by its extension; returns a pandas DataFrame.

    Cells are kept as written: no row is dropped, and empty cells become NaN (never 0).
    Text tables may be UTF-8 (with or without a byte-order mark) or UTF-16 with its mark;
    the delimiter (comma, semicolon, tab or bar) is taken from the header line, and a
    semicolon-separated file whose numbers use decimal commas (``0,25``, as Excel writes
    in much of Europe, R's ``read.csv2``) is read with the comma as the decimal mark.
    A file that is empty, has no data rows, or repeats a column name is refused.
    """
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(p), hint="check the path")
    if p.is_dir():
        raise InputError("is a folder, not a data file", file=str(p),
                         hint="give the path of a .csv, .tsv or .xlsx file inside it")
    if p.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes)", file=str(p),
                         hint="save the table again: a header row, then one row per study")
    ext = p.suffix.lower()
    try:
        if ext in (".xlsx", ".xlsm", ".xls"):
            with p.open("rb") as fh:
                head = fh.read(8)
            if not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
                raise InputError(f"is named {ext} but is not an Excel workbook", file=str(p),
                                 hint="if it is a CSV or text table, rename it to .csv")
            frame = pd.read_excel(p)
        elif ext == ".parquet":
            frame = pd.read_parquet(p)
        else:
            frame = _read_text_table(p, tab=ext in (".tsv", ".tab"))
    except InputError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, ImportError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot be read as a table: {first}", file=str(p),
                         hint="save it as a CSV (comma-separated, UTF-8) or .xlsx") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError("has no data rows", file=str(p),
                         hint="add one row per study below the header row")
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():  # e.g. ",,," rows a spreadsheet leaves below the table
        import numpy as np

        rows = (np.flatnonzero(blank) + 1).tolist()
        raise InputError(f"{'this row is' if len(rows) == 1 else 'these rows are'} empty", file=str(p),
                         row=rows, hint="delete the empty rows (or fill them in) and save again")
    return frame


_DELIMITERS = (",", ";", "\t", "|")


def _decode(raw: bytes, p: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("is not valid UTF-16 text", file=str(p),
                             hint="save the file as CSV UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        guess = raw[exc.start:exc.start + 1].decode("cp1252", errors="replace")
        raise InputError(
            f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} at character {col} "
            f"(probably {guess!r} saved as Windows-1252/Latin-1)",
            file=str(p), line=line,
            hint="save the file as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and try again",
        ) from None


def _read_text_table(p: Path, *, tab: bool) -> Any:
    import csv
    import io
    import re

    import pandas as pd

    text = _decode(p.read_bytes(), p)
    header = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not header:
        raise InputError("the file holds only blank lines", file=str(p), line=1,
                         hint="a header row, then one row per study")
    if tab:
        sep = "\t"
    else:  # the delimiter used most often in the header line (a one-column table has none)
        counts = {d: header.count(d) for d in _DELIMITERS}
        sep = max(counts, key=lambda d: counts[d]) if max(counts.values()) > 0 else ","
    decimal = "."
    if sep == ";" and re.search(r"(^|;)\s*-?\d+,\d+\s*(;|$)", text, flags=re.MULTILINE):
        decimal = ","
    names = [c.strip() for c in next(csv.reader([header], delimiter=sep))]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name and name in seen:
            raise InputError(f"the column name {name!r} appears twice (columns {seen[name]} and {i})",
                             file=str(p), line=1, column=name,
                             hint="rename or remove one of them")  # fmt: skip
        seen[name] = i
    return pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal)


def numeric_column(frame: Any, column: str, *, file: str | None = None) -> Any:
    """The cells of *column* as a float array; text in a cell is an error naming its rows.

    Empty cells become NaN (the model reports them); ``"12.5 (3.1)"`` or ``"n/a"`` is refused
    with the 1-based data row(s), never turned into a missing value silently.
    """
    import numpy as np
    import pandas as pd

    col = frame[column]
    if col.dtype.kind in "fiu":
        return col.to_numpy(dtype=np.float64)
    if col.dtype.kind == "b":
        raise InputError("must hold numbers, not True/False", file=file, column=column)
    values = pd.to_numeric(col, errors="coerce")
    text = col.astype("string").str.strip()
    bad = values.isna() & col.notna() & (text != "")
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
        shown = ", ".join(repr(v) for v in col[bad].head(3))
        raise InputError(f"must hold a number (got {shown})", file=file, row=rows, column=column,
                         hint="one number per cell: no text, units, brackets or thousands separators")  # fmt: skip
    return values.to_numpy(dtype=np.float64)


def unique_labels(labels: Iterable[str], *, file: str | None = None, column: str | None = None) -> None:
    """Refuse repeated study labels (results are keyed by label): the error lists the rows."""
    import numpy as np
    import pandas as pd

    s = pd.Series(list(labels), dtype=object)
    missing = s.isna().to_numpy() | np.array([str(v).strip() == "" for v in s], dtype=bool)
    if missing.any():
        raise InputError("the study label is empty", file=file, row=(np.flatnonzero(missing) + 1).tolist(),
                         column=column, hint="give every study a label")
    s = s.astype(str)
    dup = s.duplicated(keep=False)
    if dup.any():
        first = s[dup].iloc[0]
        rows = (s.index[s == first] + 1).tolist()
        raise InputError(f"the study label {first!r} repeats", file=file, row=rows, column=column,
                         hint="give every study a distinct label, e.g. 'Smith 2001a', 'Smith 2001b'")


def check_output(path: str | Path, *, option: str = "--out", suffixes: Iterable[str] | None = None,
                 what: str = "file", inputs: Iterable[str | Path] = ()) -> Path:
    """Check, before any work, that *path* can be written: a known extension, not a folder,
    inside a folder that exists, and not one of the *inputs* (which it would overwrite).
    Returns it as a Path."""
    p = Path(path)
    allowed = tuple(suffixes) if suffixes is not None else None
    for source in inputs:
        if Path(source).exists() and p.exists() and p.resolve() == Path(source).resolve():
            raise InputError("is also the input file: writing it would destroy the data",
                             file=str(p), column=option, hint="choose another output name")
    if p.is_dir():
        raise InputError("is a folder", file=str(p), column=option,
                         hint=f"give a file name inside it, e.g. {p / ('out' + allowed[0])}" if allowed else "give a file name inside it")
    if allowed is not None and p.suffix.lower() not in allowed:
        raise InputError(f"cannot write {what} as {repr(p.suffix) if p.suffix else 'a name without extension'}",
                         file=str(p), column=option,
                         hint="use a " + ", ".join(allowed[:-1]) + (" or " if len(allowed) > 1 else "")
                         + allowed[-1] + " file name")  # fmt: skip
    parent = p.parent
    if not parent.exists():
        raise InputError(f"the folder {str(parent)!r} does not exist", file=str(p), column=option,
                         hint="create it first (mkdir) or write somewhere else")
    if not parent.is_dir():
        raise InputError(f"{str(parent)!r} is a file, not a folder", file=str(p), column=option)
    import os

    if not os.access(parent, os.W_OK):
        raise InputError(f"the folder {str(parent)!r} is not writable", file=str(p), column=option,
                         hint="write somewhere you have permission to")
    return p


@contextmanager
def atomic_output(path: str | Path, *, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside *path* (same extension); move it into place only when the
    block finishes, so a failure never leaves a half-written *path* behind."""
    import os

    p = Path(path)
    tmp = p.with_name(f".{p.stem}.{os.getpid()}.part{p.suffix}")
    try:
        yield tmp
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot be written: {exc.strerror or exc}", file=str(p), column=option,
                         hint="check the folder exists, is writable and has space") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def option_error(exc: InputError, options: Mapping[str, str], *, file: str | None = None,
                 columns: Iterable[str] = ()) -> InputError:
    """*exc* naming the command-line option (``--method``) when it is about an argument given on
    the command line rather than a column of the data file; otherwise *exc* naming *file*."""
    have = [str(c) for c in columns]
    if exc.row is None and exc.column in options and exc.column not in have:
        return InputError(exc.message, file=exc.file, column=options[exc.column], line=exc.line, hint=exc.hint)
    if have and exc.row is None and exc.message.startswith("cannot compute"):
        import difflib
        import re

        found = re.search(r"missing: (.*)$", exc.message)
        missing = [m.strip() for m in found.group(1).split(",")] if found else []
        from metareview.effects._escalc import ARGUMENTS

        spare = [c for c in have if c not in ARGUMENTS]  # a column already in use is no typo
        close = [f"{got!r} -> {m!r}" for m in missing
                 for got in difflib.get_close_matches(m, spare, n=1, cutoff=0.6)]  # fmt: skip
        hint = (f"rename {', '.join(close)}" if close else
                "name the columns like metafor's arguments") + "; the file has: " + ", ".join(have)  # fmt: skip
        reported = ("median", "q1_", "q3_", "min", "max", "se1", "se2", "ci_lb", "ci_ub")
        if any(c.startswith(reported) for c in have):
            hint += "; medians, IQRs, ranges, SEs or CIs are converted with --prepare (metareview effects)"
        exc = InputError(exc.message, file=exc.file, row=exc.row, column=exc.column, line=exc.line, hint=hint)
    return with_file(exc, file) if file is not None else exc


def require_columns(frame: Any, columns: Iterable[str], *, file: str | None = None, why: str = "") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}{why}",
            file=file,
            column=missing[0],
            hint=f"the file has: {have}",
        )


def label_column(frame: Any) -> str | None:
    """The column of study labels: the first of :data:`LABEL_COLUMNS` present, matched
    exactly, else ignoring case ("Study", "Author" as spreadsheets write them)."""
    for c in LABEL_COLUMNS:
        if c in frame.columns:
            return c
    lowered = {str(c).lower(): str(c) for c in frame.columns}
    for c in LABEL_COLUMNS:
        if c in lowered:
            return lowered[c]
    return None


def with_file(exc: InputError, file: str | Path) -> InputError:
    """The same error, now naming the file it came from (if it did not already)."""
    if exc.file is not None:
        return exc
    if isinstance(exc, type(exc)) and type(exc).__init__ is InputError.__init__:
        return type(exc)(exc.message, file=str(file), row=exc.row, column=exc.column, line=exc.line, hint=exc.hint)
    return InputError(exc.message, file=str(file), row=exc.row, column=exc.column, line=exc.line, hint=exc.hint)
