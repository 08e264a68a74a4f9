"""Data sets shipped with metareview, each with its provenance.

* ``ld_il2``: low-dose interleukin-2 in autoimmune rheumatic diseases, one row per study,
  outcome and timepoint, every number traced to the page and table it was read from
  (:func:`load_ld_il2`; the flagship example, see :mod:`metareview.datasets.ld_il2`).
* ``bcg``: the 13 BCG vaccine trials of Colditz et al. (1994), JAMA 271(9):698-702,
  doi:10.1001/jama.1994.03510330076038, as in R's metadat ``dat.bcg`` (:func:`load_bcg`).

The files live in ``metareview/datasets/data/``; :func:`data_path` gives their location and
:func:`list_datasets` lists them with their provenance files.

>>> sorted(list_datasets()["name"])
['bcg', 'ld_il2']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from metareview.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["DATA_DIR", "data_path", "list_datasets", "load_bcg", "load_ld_il2"]

DATA_DIR = Path(__file__).resolve().parent / "data"

# name -> (title, loader, data files, provenance file, reference)
_DATASETS: dict[str, tuple[str, str, tuple[str, ...], str, str]] = {
    "ld_il2": (
        "Low-dose IL-2 in autoimmune rheumatic diseases: study-level data traced to primary "
        "sources",
        "load_ld_il2",
        ("ld_il2_studies.csv", "ld_il2_cohorts.csv", "ld_il2_coding.csv",
         "ld_il2_published.csv", "ld_il2_plan.toml", "ld_il2_continuous.csv",
         "ld_il2_counts.csv", "ld_il2_store_plan.toml"),
        "ld_il2_README.md",
        "Su Q et al. (2024). Rheumatol Ther 11(1):79-96. doi:10.1007/s40744-023-00620-7",
    ),
    "bcg": (
        "BCG vaccine for preventing tuberculosis: 13 trials",
        "load_bcg",
        ("bcg.csv",),
        "bcg_README.md",
        "Colditz GA et al. (1994). JAMA 271(9):698-702. doi:10.1001/jama.1994.03510330076038",
    ),
}


def data_path(name: str) -> Path:
    """The path of a file shipped in ``metareview/datasets/data``.

    >>> data_path("bcg.csv").name
    'bcg.csv'
    """
    path = DATA_DIR / name
    if not path.is_file():
        shipped = ", ".join(sorted(p.name for p in DATA_DIR.iterdir()))
        raise InputError(f"no shipped data file named {name!r}", column="name",
                         hint=f"one of: {shipped}")
    return path


def list_datasets() -> pd.DataFrame:
    """The shipped data sets: ``name, title, loader, files, provenance, reference``."""
    import pandas as pd

    rows = [{"name": name, "title": t, "loader": f"metareview.datasets.{loader}",
             "files": ", ".join(files), "provenance": prov, "reference": ref}
            for name, (t, loader, files, prov, ref) in _DATASETS.items()]
    return pd.DataFrame(rows, columns=["name", "title", "loader", "files", "provenance",
                                       "reference"])


def load_bcg() -> pd.DataFrame:
    """The BCG vaccine trials (metadat ``dat.bcg``): ``trial, author, year, tpos, tneg, cpos,
    cneg, ablat, alloc``; provenance in ``bcg_README.md``.

    >>> load_bcg().shape
    (13, 9)
    """
    import pandas as pd

    return pd.read_csv(data_path("bcg.csv"))


def load_ld_il2(*, include_overlapping: bool = False) -> pd.DataFrame:
    """The LD-IL-2 rows with provenance, parsed quartiles/ranges and the counted-once rule
    applied; see :func:`metareview.datasets.ld_il2.load_ld_il2`."""
    from metareview.datasets.ld_il2 import load_ld_il2 as _load

    return _load(include_overlapping=include_overlapping)
