"""Every exception and warning metareview raises, in one place.

The tree::

    MetaReviewError(Exception)
     ├── InputError(MetaReviewError, ValueError)      bad data: names file, row, column, fix
     │    ├── ImportFormatError                       a malformed export file (file, line)
     │    └── PlanError                               a mistake in an analysis plan (file, line, key)
     ├── NotApplicableError(MetaReviewError, ValueError)
     │                                                a method that cannot apply to this fit
     │                                                (leave-one-out on k = 1, trim-and-fill
     │                                                with moderators, ...)
     ├── ConvergenceError(MetaReviewError, RuntimeError)
     │                                                an iterative estimator did not converge
     ├── StoreError(MetaReviewError, RuntimeError)    the review store refused an operation
     └── ServiceError(MetaReviewError, RuntimeError)  a remote service (NCBI E-utilities)
                                                      could not be reached or answered an error

    MetaReviewWarning(UserWarning)
     ├── ConvergenceWarning                           a fallback estimator was used
     └── StatisticalWarning                           a result to read with care (k < 3, ...)

User-facing entry points raise :class:`InputError` (or a subclass) whose message names where
the problem is and how to fix it. The command line turns any :class:`MetaReviewError` into a
single line on stderr and a non-zero exit status.

Examples
--------
>>> err = InputError("must be positive", file="data.csv", row=3, column="sd1i",
...                  hint="give the standard deviation, not the variance")
>>> str(err)
'data.csv, row 3, column sd1i: must be positive (give the standard deviation, not the variance)'
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "ImportFormatError",
    "InputError",
    "MetaReviewError",
    "MetaReviewWarning",
    "NotApplicableError",
    "PlanError",
    "ServiceError",
    "StatisticalWarning",
    "StoreError",
]


class MetaReviewError(Exception):
    """Base class of every error metareview raises on purpose."""


def _format_rows(row: int | Sequence[int] | None) -> str | None:
    if row is None:
        return None
    if isinstance(row, int):
        return f"row {row}"
    rows = list(row)
    shown = ", ".join(str(r) for r in rows[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}{more}"


class InputError(MetaReviewError, ValueError):
    """Bad input data.

    Parameters
    ----------
    message : str
        What is wrong.
    file : str, optional
        The file the data came from.
    row : int or sequence of int, optional
        The 1-based data row(s) (studies) at fault, as a user sees them in a spreadsheet
        (the header is not counted).
    column : str, optional
        The column (or argument) at fault.
    line : int, optional
        The 1-based line of a text file at fault.
    hint : str, optional
        How to fix it.

    The structured fields are kept as attributes so callers (the web app, tests) need not
    parse the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | Sequence[int] | None = None,
        column: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.line = line
        self.hint = hint
        super().__init__(self._render())

    def _where(self) -> list[str]:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        rows = _format_rows(self.row)
        if rows is not None:
            parts.append(rows)
        if self.column is not None:
            parts.append(f"column {self.column}")
        return parts

    def _render(self) -> str:
        where = ", ".join(self._where())
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __reduce__(self):  # keep keyword fields when pickled (multiprocessing, dask)
        return (
            _rebuild,
            (type(self), self.message, self.file, self.row, self.column, self.line, self.hint),
        )


def _rebuild(cls, message, file, row, column, line, hint):  # type: ignore[no-untyped-def]
    return cls(message, file=file, row=row, column=column, line=line, hint=hint)


class ImportFormatError(InputError):
    """A bibliographic export that cannot be read: names the file, line and what was expected."""


class PlanError(InputError):
    """A mistake in an analysis plan file: names the file, line and key, and what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.key = key
        super().__init__(message, file=file, line=line, column=None, hint=hint)

    def _where(self) -> list[str]:
        parts = super()._where()
        if self.key is not None:
            parts.append(f"key {self.key}")
        return parts

    def __reduce__(self):
        return (_rebuild_plan, (self.message, self.file, self.line, self.key, self.hint))


def _rebuild_plan(message, file, line, key, hint):  # type: ignore[no-untyped-def]
    return PlanError(message, file=file, line=line, key=key, hint=hint)


class NotApplicableError(MetaReviewError, ValueError):
    """A method that cannot be applied to this result (say why and what would work)."""


class ConvergenceError(MetaReviewError, RuntimeError):
    """An iterative estimator failed to converge and no fallback was allowed."""


class StoreError(MetaReviewError, RuntimeError):
    """The review store refused an operation (missing project, schema too new, ...)."""


class ServiceError(MetaReviewError, RuntimeError):
    """A remote service could not be reached or answered with an error (one line: the host and
    what went wrong)."""


class MetaReviewWarning(UserWarning):
    """Base class of metareview's warnings."""


class ConvergenceWarning(MetaReviewWarning):
    """An estimator did not converge and a fallback in the method chain was used."""


class StatisticalWarning(MetaReviewWarning):
    """A result that is computed but should be read with care."""
