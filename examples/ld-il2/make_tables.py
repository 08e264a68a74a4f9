"""Regenerate the analysis-ready tables the shipped LD-IL-2 plan reads.

    python examples/ld-il2/make_tables.py

Writes ``src/metareview/datasets/data/ld_il2_continuous.csv`` and ``ld_il2_counts.csv`` with
:func:`metareview.datasets.ld_il2_plan.write_plan_tables` (the counted-once rule, the primary
timepoints and the median conversions applied to the shipped study rows, every converted row
flagged). ``tests/flagship/test_ld_il2_shipped_plan.py`` fails if the shipped files differ
from what this writes.
"""

from __future__ import annotations

from metareview.datasets.ld_il2_plan import write_plan_tables


def main() -> None:
    for path in write_plan_tables():
        print(path)


if __name__ == "__main__":
    main()
