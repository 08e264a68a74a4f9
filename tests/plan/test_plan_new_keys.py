"""The plan keys added for the flagship analysis: ri, filter, sensitivity.independent_groups,
sensitivity.subsets, model.glmm, bias.min_k, a published entry without a CI, data.flag and
'package:' files. Each mistake names the plan file, the line of the key (counted by hand
from the texts below) and the key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.errors import InputError, PlanError
from metareview.plan import parse_plan

# line numbers written out by hand
BASE = """\
[plan]
title = "pre/post"

[data.d]
file = "d.csv"
study = "study"
columns = { m1i = "post", m2i = "pre", sd1i = "sd_pre", sd2i = "sd_post", ni = "n" }

[data.c]
file = "c.csv"
study = "study"
columns = { xi = "x", ni = "n" }

[outcomes.a]
data = "d"
measure = "SMCR"
ri = 0.5
filter = { outcome = "Treg", variant = ["main", "other"] }

[outcomes.a.sensitivity]
independent_groups = true
subsets = { wan = { variant = "wan" } }

[outcomes.a.bias]
egger = true
min_k = 10

[outcomes.a.published]
estimate = 1.13
source = "paper"

[outcomes.p]
data = "c"
measure = "PLO"
transf = "ilogit"

[outcomes.p.model]
glmm = true
"""


def _error(text: str) -> PlanError:
    with pytest.raises(PlanError) as info:
        parse_plan(text, file="my_plan.toml")
    err = info.value
    assert err.file == "my_plan.toml"
    assert "my_plan.toml" in str(err)
    return err


def test_new_keys_parse() -> None:
    plan = parse_plan(BASE, file="my_plan.toml")
    a, p = plan.outcomes
    assert a.ri == 0.5
    assert dict(a.filter) == {"outcome": ("Treg",), "variant": ("main", "other")}
    assert a.sensitivity.independent_groups is True
    assert dict(a.sensitivity.subsets["wan"]) == {"variant": ("wan",)}
    assert a.bias.min_k == 10
    assert (a.published.estimate, a.published.ci_lb, a.published.ci_ub) == (1.13, None, None)
    assert p.model.glmm is True and a.model.glmm is False
    assert p.bias.min_k == 10  # default: Sterne et al. 2011


def test_ri_scalar_needs_a_pre_post_measure() -> None:
    err = _error(BASE.replace('measure = "SMCR"', 'measure = "MD"'))
    assert (err.line, err.key) == (17, "outcomes.a.ri")
    assert "SMCC, SMCR" in err.message


def test_ri_out_of_range() -> None:
    err = _error(BASE.replace("ri = 0.5", "ri = 1.0"))
    assert (err.line, err.key) == (17, "outcomes.a.ri")
    assert "(-1, 1)" in err.message


def test_ri_given_twice() -> None:
    text = BASE.replace('ni = "n" }\n\n[data.c]', 'ni = "n", ri = "r" }\n\n[data.c]')
    err = _error(text)
    assert (err.line, err.key) == (17, "outcomes.a.ri")
    assert "given twice" in err.message


def test_smcr_without_any_ri() -> None:
    err = _error(BASE.replace("ri = 0.5\n", ""))
    assert (err.line, err.key) == (16, "outcomes.a.measure")
    assert "needs the pre-post correlation ri" in err.message
    assert "ri = 0.5" in (err.hint or "")


def test_filter_value_types() -> None:
    err = _error(BASE.replace('outcome = "Treg"', "outcome = { x = 1 }"))
    assert err.key == "outcomes.a.filter.outcome"
    assert err.line == 18
    assert "a string, number or boolean" in err.message
    err = _error(BASE.replace('variant = ["main", "other"]', "variant = []"))
    assert err.key == "outcomes.a.filter.variant"


def test_subsets_must_be_filters() -> None:
    err = _error(BASE.replace('subsets = { wan = { variant = "wan" } }', 'subsets = { wan = 3 }'))
    assert (err.line, err.key) == (22, "outcomes.a.sensitivity.subsets.wan")


def test_independent_groups_needs_measure_and_columns() -> None:
    err = _error(BASE.replace(', sd2i = "sd_post"', ""))
    assert (err.line, err.key) == (21, "outcomes.a.sensitivity.independent_groups")
    assert "sd2i" in err.message
    err = _error(BASE.replace("independent_groups = true", 'independent_groups = "yes"'))
    assert err.key == "outcomes.a.sensitivity.independent_groups"
    assert "true or false" in err.message


def test_glmm_needs_plo() -> None:
    err = _error(BASE.replace('measure = "PLO"\ntransf = "ilogit"', 'measure = "PFT"'))
    assert (err.line, err.key) == (37, "outcomes.p.model.glmm")
    assert "needs measure PLO" in err.message


def test_min_k_range() -> None:
    err = _error(BASE.replace("min_k = 10", "min_k = 2"))
    assert (err.line, err.key) == (26, "outcomes.a.bias.min_k")
    assert "integer in [3, inf]" in err.message


def test_published_ci_both_or_neither() -> None:
    err = _error(BASE.replace('estimate = 1.13\n', 'estimate = 1.13\nci_lb = 0.97\n'))
    assert (err.line, err.key) == (30, "outcomes.a.published.ci_lb")
    assert "without ci_ub" in err.message
    err = _error(BASE.replace('estimate = 1.13\n', 'estimate = 1.13\nci_lb = 1.2\nci_ub = 1.3\n'))
    assert err.key == "outcomes.a.published.estimate"


def test_published_ci_needs_estimate() -> None:
    err = _error(BASE.replace('estimate = 1.13\n', 'ci_lb = 0.97\nci_ub = 1.29\n'))
    assert (err.line, err.key) == (29, "outcomes.a.published.ci_lb")
    assert "needs the published estimate" in err.message
    plan = parse_plan(BASE.replace('estimate = 1.13\n', ''))
    assert plan.outcomes[0].published.estimate is None


PUBLISHED_ONLY = BASE + """
[published_only.cd4]
label = "CD4+ T cells"
estimate = 0.614
ci_lb = 0.25
ci_ub = 0.979
source = "paper"
note = "no study here reports CD4+ cells"
"""


def test_published_only() -> None:
    (q,) = parse_plan(PUBLISHED_ONLY).published_only
    assert (q.name, q.estimate, q.ci_lb, q.ci_ub) == ("cd4", 0.614, 0.25, 0.979)
    err = _error(PUBLISHED_ONLY.replace("ci_ub = 0.979\n", ""))
    assert (err.line, err.key) == (43, "published_only.cd4.ci_lb")
    err = _error(PUBLISHED_ONLY.replace('note = "no study here reports CD4+ cells"\n', ""))
    assert (err.line, err.key) == (40, "published_only.cd4.note")
    err = _error(PUBLISHED_ONLY.replace("estimate = 0.614", "estimate = 1.614"))
    assert (err.line, err.key) == (42, "published_only.cd4.estimate")


def test_flag_table() -> None:
    text = BASE.replace('columns = { xi = "x", ni = "n" }',
                        'columns = { xi = "x", ni = "n" }\nflag = { column = "converted" }')
    err = _error(text)
    assert (err.line, err.key) == (13, "data.c.flag.note")
    assert "missing the required key 'note'" in err.message


def test_package_file_resolves_to_shipped_data() -> None:
    from metareview.datasets import DATA_DIR

    plan = parse_plan(BASE.replace('file = "d.csv"', 'file = "package:ld_il2_continuous.csv"'))
    assert plan.data["d"].file == DATA_DIR / "ld_il2_continuous.csv"


# --- errors met while running: filter, flag -------------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    pd.DataFrame({"study": ["A", "B", "C"], "outcome": ["Treg", "Th17", "Treg"],
                  "variant": ["main", "main", "main"], "post": [12.0, 5.0, 15.0],
                  "pre": [10.0, 4.0, 11.0], "sd_pre": [4.0, 2.0, 5.0],
                  "sd_post": [4.5, 2.5, 5.5], "n": [20, 30, 25],
                  "converted": ["false", "true", "maybe"]}).to_csv(tmp_path / "d.csv",
                                                                   index=False)
    pd.DataFrame({"study": ["A", "B"], "x": [3, 5], "n": [29, 40]}).to_csv(tmp_path / "c.csv",
                                                                           index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    return plan


def test_filter_column_missing_points_at_the_plan(tmp_path: Path) -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    plan = load_plan(_write(tmp_path, BASE.replace('outcome = "Treg"', 'outcom = "Treg"')))
    with pytest.raises(PlanError) as info:
        run_plan(plan)
    assert (info.value.line, info.value.key) == (18, "outcomes.a.filter.outcom")
    assert "does not have" in info.value.message


def test_filter_matching_nothing(tmp_path: Path) -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    plan = load_plan(_write(tmp_path, BASE.replace('"Treg"', '"treg"')))
    with pytest.raises(PlanError) as info:
        run_plan(plan)
    assert (info.value.line, info.value.key) == (18, "outcomes.a.filter")
    assert "no row" in info.value.message


def test_subset_matching_nothing(tmp_path: Path) -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    plan = load_plan(_write(tmp_path, BASE))
    with pytest.raises(PlanError) as info:
        run_plan(plan)
    assert (info.value.line, info.value.key) == (22, "outcomes.a.sensitivity.subsets.wan")


def test_bad_flag_cell_names_file_row_and_column(tmp_path: Path) -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    text = BASE.replace('variant = ["main", "other"] }', 'variant = "main" }').replace(
        'subsets = { wan = { variant = "wan" } }\n', "").replace(
        'ni = "n" }\n\n[data.c]',
        'ni = "n" }\nflag = { column = "converted", note = "from a median" }\n\n[data.c]')
    plan = load_plan(_write(tmp_path, text))
    with pytest.raises(InputError) as info:
        run_plan(plan)
    err = info.value
    assert err.file.endswith("d.csv")
    # the filter keeps file rows 1 and 3; the bad cell 'maybe' is the file's row 3
    assert (err.row, err.column) == ([3], "converted")
    assert "true or false" in err.message


def test_filtered_rows_keep_file_row_numbers(tmp_path: Path) -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    text = BASE.replace('variant = ["main", "other"] }', 'variant = "main" }').replace(
        'subsets = { wan = { variant = "wan" } }\n', "")
    path = _write(tmp_path, text)
    frame = pd.read_csv(tmp_path / "d.csv")
    frame["n"] = frame["n"].astype(object)
    frame.loc[2, "n"] = "twenty"
    frame.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(InputError) as info:
        run_plan(load_plan(path))
    assert (info.value.row, info.value.column) == ([3], "n")
