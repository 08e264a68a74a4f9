"""Reading the user's data tables (CSV, TSV, Excel, Parquet) with errors that name the file.

Every command that takes a data file reads it here, so a missing file, an unreadable
encoding or a missing column is reported the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from metareview.errors import InputError

#: Columns that may hold study labels, in order of preference.
LABEL_COLUMNS: tuple[str, ...] = ("slab", "study", "study_id", "author", "label")


def read_table(path: str | Path) -> Any:
    """Read a data table by its extension; returns a pandas DataFrame.

    Cells are kept as written: no row is dropped, and empty cells become NaN (never 0).
    """
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError("file not found", file=str(p), hint="check the path")
    if p.is_dir():
        raise InputError("is a folder, not a data file", file=str(p))
    ext = p.suffix.lower()
    try:
        if ext in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(p)
        elif ext == ".parquet":
            frame = pd.read_parquet(p)
        elif ext in (".tsv", ".tab"):
            frame = pd.read_csv(p, sep="\t", encoding="utf-8-sig")
        else:
            frame = pd.read_csv(p, encoding="utf-8-sig", sep=None, engine="python")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start})", file=str(p), hint="save the file as UTF-8 CSV"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, ImportError) as exc:
        raise InputError(f"cannot be read as a table: {exc}", file=str(p)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError("has no data rows", file=str(p))
    return frame


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
    for c in LABEL_COLUMNS:
        if c in frame.columns:
            return c
    return None


def with_file(exc: InputError, file: str | Path) -> InputError:
    """The same error, now naming the file it came from (if it did not already)."""
    if exc.file is not None:
        return exc
    if isinstance(exc, type(exc)) and type(exc).__init__ is InputError.__init__:
        return type(exc)(exc.message, file=str(file), row=exc.row, column=exc.column, line=exc.line, hint=exc.hint)
    return InputError(exc.message, file=str(file), row=exc.row, column=exc.column, line=exc.line, hint=exc.hint)
