"""Write the per-outcome CSVs that examples/ld-il2/plan.toml reads, from the shipped data.

    python examples/ld-il2/make_tables.py

Each CSV is one outcome's table from ``metareview.datasets.ld_il2.analysis_tables()`` (the
counted-once rule, the primary timepoints and the Luo/Wan median conversion applied, every
converted row flagged), with ``ri_assumed`` = 0.5: the pre-post correlation no study reports,
written as a column only because the plan format maps escalc's ``ri`` to a column.
"""

from __future__ import annotations

from pathlib import Path

from metareview.datasets.ld_il2 import analysis_tables

HERE = Path(__file__).resolve().parent
RI_ASSUMED = 0.5
OUTCOMES = {"Treg": "treg.csv", "Th17": "th17.csv", "Th17/Treg ratio": "th17_treg_ratio.csv"}
COUNTS = {"injection-site reaction": "injection_site_reaction.csv"}


def main() -> None:
    tables = analysis_tables(median_method="luo_wan")
    for outcome, name in OUTCOMES.items():
        t = tables.continuous[outcome].assign(ri_assumed=RI_ASSUMED)
        t.to_csv(HERE / name, index=False)
    for outcome, name in COUNTS.items():
        tables.counts[outcome].to_csv(HERE / name, index=False)


if __name__ == "__main__":
    main()
