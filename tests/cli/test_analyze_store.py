"""`metareview analyze` on a plan whose data source reads a review store.

Reference (R 4.x, metafor 3.8.1), dat.bcg (Colditz et al. 1994, JAMA 271:698-702):

    res <- rma(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg,
               method = "REML")
    sprintf("%.10f", c(res$b, exp(res$b)))   # "-0.7145323484" "0.4894209368"
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metareview.cli import main
from metareview.review.project import ReviewProject

# dat.bcg: author year, tpos, tneg, cpos, cneg (metadat, typed out)
BCG = [
    ("Aronson 1948", 4, 119, 11, 128), ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209), ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761), ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619), ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232), ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197), ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]
FIELDS = ("tpos", "tneg", "cpos", "cneg")


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    db = tmp_path / "review.db"
    with ReviewProject.init(db, "BCG", lead="ann") as p:
        p.add_extraction_form("tuberculosis", {"type": "object", "properties": {
            f: {"type": "integer"} for f in FIELDS}})
        for label, *counts in BCG:
            p.assign_study([], label=label)
            p.record_extraction(label, outcome="tuberculosis", reviewer="ann",
                                values=dict(zip(FIELDS, counts, strict=True)))
    return db


def _plan(tmp_path: Path, store: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[plan]\ntitle = "BCG"\n[data.bcg]\nstore = "{store}"\n'
                    'outcome = "tuberculosis"\n'
                    'columns = { ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg" }\n'
                    '[outcomes.tb]\ndata = "bcg"\nmeasure = "RR"\ntransf = "exp"\n',
                    encoding="utf-8")
    return plan


@pytest.mark.parametrize("kind", ["path", "url"])
def test_analyze_reads_the_store(tmp_path: Path, store: Path, kind: str) -> None:
    ref = "review.db" if kind == "path" else f"sqlite:///{store}"
    main(["analyze", str(_plan(tmp_path, ref)), "--out", str(tmp_path / "out"),
          "--formats", "svg", "--quiet"])
    doc = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    tb = doc["outcomes"][0]
    assert tb["model"]["k"] == 13
    assert tb["model"]["estimate"] == pytest.approx(-0.7145323484, abs=1e-6)
    assert tb["reporting_scale"]["estimate"] == pytest.approx(0.4894209368, rel=1e-6)
    assert tb["tables"]["studies"][0]["slab"] == "Aronson 1948"


def test_missing_store_is_one_line_naming_the_plan(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(_plan(tmp_path, "nothere.db")), "--out", str(tmp_path / "o"),
              "--quiet"])
    assert exc.value.code != 0
    err = capsys.readouterr().err.strip()
    assert "plan.toml, line 4, key data.bcg.store" in err and "no review store here" in err
