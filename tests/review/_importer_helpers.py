"""Helpers for the importer tests (loaded by path: tests/ is not a package)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview.errors import ImportFormatError, InputError
from metareview.review.importers import read_records


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    """A file of text (UTF-8) or bytes under *tmp_path*."""
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(path: Path, **kw) -> ImportFormatError:  # type: ignore[no-untyped-def]
    """The ImportFormatError reading *path* raises, checked to be an InputError that names
    the file."""
    with pytest.raises(ImportFormatError) as info:
        read_records(path, **kw)
    err = info.value
    if not (isinstance(err, InputError) and err.file == str(path) and str(path) in str(err)):
        pytest.fail(f"the error does not name the file {path}: {err!r}")
    return err
