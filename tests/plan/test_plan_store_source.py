"""A plan's data source reading a review store: extracted data -> plan -> pooled result.

Reference (R 4.x, metafor 3.8.1), dat.normand1999 (Normand 1999, Stat Med 18:321-359):

    library(metafor)
    res <- rma(measure="MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i,
               data=dat.normand1999, method="REML")
    sprintf("%.10f", c(res$b, res$se, res$tau2, res$ci.lb, res$ci.ub, res$QE, res$I2))
    # "-15.1060274744" "8.9465528457" "684.6461528818" "-32.6409488377"
    # "2.4288938889" "238.9158108620" "98.9712743488"
"""

from __future__ import annotations

import pytest

from metareview.analysis import run_plan
from metareview.analysis_store import extracted_frame
from metareview.errors import InputError, PlanError
from metareview.plan import parse_plan
from metareview.review.project import ReviewProject

# dat.normand1999: source, n1i, m1i, sd1i, n2i, m2i, sd2i (metafor's data set, typed out)
NORMAND = [
    ("Edinburgh", 155, 55, 47, 156, 75, 64),
    ("Orpington-Mild", 31, 27, 7, 32, 29, 4),
    ("Orpington-Moderate", 75, 64, 17, 71, 119, 29),
    ("Orpington-Severe", 18, 66, 20, 18, 137, 48),
    ("Montreal-Home", 8, 14, 8, 13, 18, 11),
    ("Montreal-Transfer", 57, 19, 7, 52, 18, 4),
    ("Newcastle", 34, 52, 45, 33, 41, 34),
    ("Umea", 110, 21, 16, 183, 31, 27),
    ("Uppsala", 60, 30, 27, 52, 23, 20),
]
FIELDS = ("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")
FORM = {"type": "object", "properties": {
    **{f: {"type": "number"} for f in FIELDS}, "source_url": {"type": "string"}}}

PLAN = """[plan]
title = "Length of stay, normand1999"

[data.los]
store = "review.db"
outcome = "length of stay"
{extra}
columns = {{ m1i = "m1i", sd1i = "sd1i", n1i = "n1i", m2i = "m2i", sd2i = "sd2i", n2i = "n2i" }}

[outcomes.los]
data = "los"
measure = "MD"

[outcomes.los.model]
method = "REML"
test = "z"
"""


def _store(tmp_path, *, second: dict | None = None):
    project = ReviewProject.init(tmp_path / "review.db", "Stroke units", lead="lead")
    project.add_member("bob")
    project.add_extraction_form("length of stay", FORM)
    for label, *numbers in NORMAND:
        project.assign_study([], label=label)
        values = dict(zip(FIELDS, numbers, strict=True))
        project.record_extraction(label, outcome="length of stay", reviewer="lead",
                                  values={**values, "source_url": "metafor::dat.normand1999"})
        if second is not None:
            project.record_extraction(label, outcome="length of stay", reviewer="bob",
                                      values={**values, **second.get(label, {}),
                                              "source_url": "metafor::dat.normand1999"})
    project.close()


def _run(tmp_path, extra: str = ""):
    plan = parse_plan(PLAN.format(extra=extra), file=str(tmp_path / "plan.toml"),
                      base_dir=tmp_path)
    return run_plan(plan)


def _check_metafor(result) -> None:
    s = result.outcome("los").summary
    assert s["estimate"] == pytest.approx(-15.1060274744, abs=1e-6)
    assert s["se"] == pytest.approx(8.9465528457, abs=1e-6)
    assert s["tau2"] == pytest.approx(684.6461528818, rel=1e-6)
    assert s["ci_lb"] == pytest.approx(-32.6409488377, abs=1e-6)
    assert s["ci_ub"] == pytest.approx(2.4288938889, abs=1e-6)
    assert s["QE"] == pytest.approx(238.9158108620, abs=1e-6)
    assert s["I2"] == pytest.approx(98.9712743488, abs=1e-5)


def test_store_source_matches_metafor(tmp_path):
    _store(tmp_path)
    result = _run(tmp_path)
    _check_metafor(result)
    assert result.outcome("los").effects.slab[0] == "Edinburgh"


def test_agreed_double_extraction_is_used(tmp_path):
    _store(tmp_path, second={})
    _check_metafor(_run(tmp_path))


def test_disagreement_names_study_and_field(tmp_path):
    _store(tmp_path, second={"Umea": {"m2i": 13}})
    with pytest.raises(PlanError) as err:
        _run(tmp_path)
    text = str(err.value)
    assert "'Umea'" in text and "'m2i'" in text and "lead: 31" in text and "bob: 13" in text
    assert "plan.toml" in text and "data.los" in text


def test_reviewer_settles_disagreement(tmp_path):
    _store(tmp_path, second={"Umea": {"m2i": 13}})
    _check_metafor(_run(tmp_path, 'reviewer = "lead"'))
    frame = extracted_frame(str(tmp_path / "review.db"), outcome="length of stay",
                            reviewer="bob")
    assert frame.loc[frame["study"] == "Umea", "m2i"].item() == 13


def test_field_missing_in_one_extraction_is_a_disagreement(tmp_path):
    _store(tmp_path, second={"Uppsala": {"sd2i": None}})
    with pytest.raises(PlanError, match="Uppsala.*sd2i.*not given"):
        _run(tmp_path)


def test_extracted_frame_columns(tmp_path):
    _store(tmp_path)
    frame = extracted_frame(str(tmp_path / "review.db"), outcome="length of stay")
    assert list(frame.columns) == ["study", "outcome", *FIELDS, "source_url"]
    assert frame["study"].tolist() == [r[0] for r in NORMAND]
    assert frame["m1i"].sum() == 55 + 27 + 64 + 66 + 14 + 19 + 52 + 21 + 30


def test_unknown_form_points_at_plan_line(tmp_path):
    _store(tmp_path)
    text = PLAN.format(extra="").replace('outcome = "length of stay"', 'outcome = "LOS"')
    plan = parse_plan(text, file="plan.toml", base_dir=tmp_path)
    with pytest.raises(PlanError) as err:
        run_plan(plan)
    assert "line 6" in str(err.value) and "'LOS'" in str(err.value)
    assert "'length of stay'" in str(err.value)


def test_missing_field_points_at_columns(tmp_path):
    _store(tmp_path)
    text = PLAN.format(extra="").replace('n2i = "n2i"', 'n2i = "n_control"')
    with pytest.raises(PlanError, match="no field 'n_control'"):
        run_plan(parse_plan(text, file="plan.toml", base_dir=tmp_path))


@pytest.mark.parametrize(("edit", "message", "line"), [
    (('store = "review.db"\n', 'store = "review.db"\nfile = "x.csv"\n'), "both file and store", 5),
    (('outcome = "length of stay"\n', ""), "missing the required key 'outcome'", None),
    (('outcome = "length of stay"\n', 'outcome = "length of stay"\nsheet = "A"\n'),
     "sheet applies to a file", 7),
    (('store = "review.db"\noutcome = "length of stay"\n', 'file = "x.csv"\nreviewer = "a"\n'),
     "reviewer applies to a review store", 6),
    (('store = "review.db"\noutcome = "length of stay"\n', 'file = "x.csv"\n'),
     "missing the required key 'study'", None),
    (('store = "review.db"\noutcome = "length of stay"\n', ""), "needs file", 4),
])
def test_constraint_errors(edit, message, line):
    text = PLAN.format(extra="").replace(*edit)
    with pytest.raises(PlanError, match=message) as err:
        parse_plan(text, file="plan.toml")
    assert "plan.toml" in str(err.value)
    if line is not None:
        assert f"line {line}" in str(err.value)


def test_bad_value_in_store_names_study_and_form(tmp_path):
    _store(tmp_path)
    with ReviewProject.open(tmp_path / "review.db") as project:
        project.record_extraction("Newcastle", outcome="length of stay", reviewer="lead",
                                  replace=True, values={**dict(zip(FIELDS, NORMAND[6][1:],
                                                                   strict=True)),
                                                        "sd1i": "45 (SE)"})
    with pytest.raises(InputError) as err:
        _run(tmp_path)
    text = str(err.value)
    assert err.value.column == "sd1i" and err.value.file.endswith("review.db")
    assert "'45 (SE)'" in text and "study 'Newcastle', form 'length of stay'" in text
