"""The analysis-plan page: a plan (generated from the extraction forms, pasted or uploaded)
run on the project's store with the machinery of `metareview analyze`.

Reference values: tests/web/data/pool_reml.json (metafor 3.8.1):
``rma(measure = "SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, method = "REML")`` on its ``smd`` data
gives 0.326628 (0.035121 to 0.618136); ``rma(measure = "OR", ai, n1i = ..., ci, n2i = ...,
method = "REML")`` on its ``or`` data gives log OR -0.632709 (-1.065446 to -0.199971), so
OR exp(-0.632709) = 0.531148 (0.344574 to 0.818741).
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
REF = json.loads((DATA / "pool_reml.json").read_text())
SMD = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
OR = ("ai", "n1i", "ci", "n2i")


@pytest.fixture()
def extracted(store):  # type: ignore[no-untyped-def]
    """P1 with forms Pain (means/SDs), Bleeding (events/totals) and Age (no effect size);
    3 studies extracted by ann; bob extracts study 1 of Pain again, disagreeing on m1i."""
    from metareview.review.project import ReviewProject

    num = {"type": "number"}
    with ReviewProject.open(store["db"], "P1") as p:
        p.add_extraction_form("Pain", {"type": "object", "properties": {c: num for c in SMD}})
        p.add_extraction_form("Bleeding", {"type": "object", "properties": {c: num for c in OR}})
        p.add_extraction_form("Age", {"type": "object", "properties": {"mean_age": num}})
        for i in range(3):
            label = f"Trial {i + 1}"
            p.assign_study([], label=label)
            smd = {c: REF["smd"]["data"][c][i] for c in SMD}
            p.record_extraction(label, outcome="Pain", reviewer="ann", values=smd)
            p.record_extraction(label, outcome="Bleeding", reviewer="ann",
                                values={c: REF["or"]["data"][c][i] for c in OR})
        p.record_extraction("Trial 1", outcome="Pain", reviewer="bob",
                            values={**{c: REF["smd"]["data"][c][0] for c in SMD}, "m1i": 99.0})
    return store


def _pooled(page: str, label: str) -> tuple[float, float, float]:
    row = re.search(rf"<tr><td>{label}</td><td>\w+</td><td class=\"num\">3</td>"
                    r"<td class=\"num\">([-\d.]+)</td><td class=\"num\">([-\d.]+) to ([-\d.]+)",
                    page)
    assert row, page
    return tuple(float(x) for x in row.groups())  # type: ignore[return-value]


def test_generated_plan_runs_and_matches_metafor(login, extracted):
    pid = extracted["pid"]
    ann = login("ann")
    assert 'id="plan-link"' in ann.get(f"/p/{pid}/analysis").text
    page = html_lib.unescape(ann.get(f"/p/{pid}/analysis/plan").text)
    assert 'measure = "SMD"' in page and 'measure = "OR"' in page
    assert 'reviewer = "ann"' in page
    assert "Age: its fields (mean_age) give no effect size" in page
    r = ann.post(f"/p/{pid}/analysis/plan", data={"use": "generated"})
    assert r.status_code == 200, r.text
    est, lb, ub = _pooled(r.text, "Pain")
    ref = REF["smd"]
    assert (est, lb, ub) == pytest.approx((ref["estimate"], ref["ci_lb"], ref["ci_ub"]),
                                          abs=5e-4)
    est, lb, ub = _pooled(r.text, "Bleeding")  # on the OR scale (transf = "exp")
    ref = REF["or"]
    assert (est, lb, ub) == pytest.approx(
        (math.exp(ref["estimate"]), math.exp(ref["ci_lb"]), math.exp(ref["ci_ub"])), abs=5e-4)
    forests = re.findall(r'<img class="plot forest" alt="Forest plot: (\w+)" '
                         r'src="data:image/svg\+xml;base64,', r.text)
    assert sorted(forests) == ["Bleeding", "Pain"]
    doc = ann.get(f"/p/{pid}/analysis/results.json")
    assert doc.status_code == 200 and "attachment" in doc.headers["content-disposition"]
    pain = next(o for o in doc.json()["outcomes"] if o["label"] == "Pain")
    # metafor stops REML when tau2 changes by < 1e-5, so its estimate is good to ~1e-6
    assert pain["model"]["estimate"] == pytest.approx(REF["smd"]["estimate"], abs=1e-5)
    html = ann.get(f"/p/{pid}/analysis/report.html")
    assert html.status_code == 200 and "<svg" in html.text


def test_disagreement_without_reviewer_names_study_and_field(login, extracted):
    pid = extracted["pid"]
    ann = login("ann")
    text = ann.get(f"/p/{pid}/analysis/plan").text
    plan = re.search(r'<textarea[^>]*>(.*?)</textarea>', text, re.S).group(1)
    plan = html_lib.unescape(plan).replace('reviewer = "ann"\n', "")
    r = ann.post(f"/p/{pid}/analysis/plan", data={"use": "text", "plan_text": plan})
    assert r.status_code == 400
    page = html_lib.unescape(r.text)
    assert "study 'Trial 1', outcome 'Pain'" in page and "field 'm1i'" in page
    assert "ann: 10.2; bob: 99.0" in page


def test_uploaded_plan_and_refusals(login, extracted):
    pid = extracted["pid"]
    ann = login("ann")
    plan = ('[plan]\ntitle = "Pain only"\n[data.pain]\nstore = "project"\noutcome = "Pain"\n'
            'reviewer = "ann"\ncolumns = { m1i = "m1i", sd1i = "sd1i", n1i = "n1i", '
            'm2i = "m2i", sd2i = "sd2i", n2i = "n2i" }\n'
            '[outcomes.pain]\ndata = "pain"\nmeasure = "SMD"\n')
    r = ann.post(f"/p/{pid}/analysis/plan", data={"use": "upload"},
                 files={"plan_file": ("pain.toml", plan.encode(), "text/plain")})
    assert r.status_code == 200, r.text
    assert _pooled(r.text, "pain")[0] == pytest.approx(REF["smd"]["estimate"], abs=5e-4)
    # a plan cannot read files on the server
    bad = plan.replace('store = "project"\noutcome = "Pain"\nreviewer = "ann"\n',
                       'file = "/etc/passwd"\nstudy = "x"\n')
    r = ann.post(f"/p/{pid}/analysis/plan", data={"use": "text", "plan_text": bad})
    assert r.status_code == 400
    page = html_lib.unescape(r.text)
    assert "plan.toml, line 4, key data.pain.file" in page and "cannot read files" in page
    # a typo is named with its line
    r = ann.post(f"/p/{pid}/analysis/plan",
                 data={"use": "text", "plan_text": plan.replace("measure", "measures")})
    assert r.status_code == 400 and "line 10" in r.text and "measures" in r.text
    # reviewers see the page but may not run plans
    bob = login("bob")
    assert bob.get(f"/p/{pid}/analysis/plan").status_code == 200
    assert bob.post(f"/p/{pid}/analysis/plan", data={"use": "generated"}).status_code == 403
    # another project's member cannot fetch this project's report
    dan = login("dan")
    assert dan.get(f"/p/{pid}/analysis/results.json").status_code == 404


def test_no_report_yet_is_404(login, extracted):
    ann = login("ann")
    assert ann.get(f"/p/{extracted['pid']}/analysis/report.html").status_code == 404
