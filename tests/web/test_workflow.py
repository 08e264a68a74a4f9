"""A review through the web app's routes (TestClient): screening with agreement statistics,
conflicts, full text, extraction with discrepancies, risk of bias, PRISMA and the pool."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _svgs(html: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in
            re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)]


def _vote(client, pid, stage, rid, decision, **extra):  # type: ignore[no-untyped-def]
    r = client.post(f"/p/{pid}/screen/{stage}/{rid}", data={"decision": decision, **extra})
    assert r.status_code == 303, r.text
    return r


def test_review_from_screening_to_pooled_result(login, store):
    pid, (r1, r2, r3, r4) = store["pid"], store["ids"]
    ann, bob, cat = login("ann"), login("bob"), login("cat")

    # --- title/abstract screening by two reviewers ------------------------------------
    # the first record offered is the first imported (no ranking before any decision)
    r = bob.get(f"/p/{pid}/screen/title_abstract")
    assert r.status_code == 303 and r.headers["location"].endswith(f"/{r1}")
    for rid, d in ((r1, "include"), (r2, "include"), (r3, "exclude"), (r4, "include")):
        _vote(bob, pid, "title_abstract", rid, d)
    for rid, d in ((r1, "include"), (r2, "exclude"), (r3, "exclude"), (r4, "include")):
        _vote(cat, pid, "title_abstract", rid, d)
    page = ann.get(f"/p/{pid}").text
    # Hand computation, 4 records both decided, categories include/exclude/maybe (q = 3):
    # table bob x cat: (inc, inc) 2, (inc, exc) 1, (exc, exc) 1; p_o = 3/4 = 0.750
    # Cohen's kappa: p_e = 3/4 * 2/4 + 1/4 * 2/4 = 0.5, kappa = (0.75 - 0.5)/(1 - 0.5) = 0.500
    # PABAK = (q p_o - 1)/(q - 1) = (2.25 - 1)/2 = 0.625 (Byrt et al. 1993)
    # AC1: pi_inc = (3/4 + 2/4)/2 = 0.625, pi_exc = 0.375, pi_maybe = 0;
    #   p_e = sum pi (1 - pi)/(q - 1) = 0.46875/2 = 0.234375;
    #   AC1 = (0.75 - 0.234375)/(1 - 0.234375) = 0.673 (Gwet 2008)
    section = page.split('id="screening-title_abstract"')[1].split("</section>")[0]
    row = re.search(r"<td>bob / cat</td>(.*?)</tr>", section).group(1)
    assert re.findall(r'class="num">([^<]*)<', row) == ["4", "0.750", "0.500", "0.625", "0.673"]
    # progress per reviewer: 4 of 4 records, one in conflict each
    assert re.search(r"<td>bob</td><td class=\"num\">4</td><td class=\"num\">3</td>"
                     r"<td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td>",
                     section)
    # nothing left for bob; the estimated recall is shown
    r = bob.get(f"/p/{pid}/screen/title_abstract")
    assert r.status_code == 200 and "nothing left for you" in r.text

    # --- the conflict (record 2) is listed and resolved by the lead --------------------
    page = bob.get(f"/p/{pid}/conflicts").text
    assert f'id="conflict-title_abstract-{r2}"' in page and f"conflict-title_abstract-{r1}" not in page
    assert "Include</button>" not in page  # no resolve form for a reviewer
    assert bob.post(f"/p/{pid}/conflicts/title_abstract/{r2}",
                    data={"decision": "include"}).status_code == 403
    r = ann.post(f"/p/{pid}/conflicts/title_abstract/{r2}", data={"decision": "include"})
    assert r.status_code == 303
    assert f"conflict-title_abstract-{r2}" not in ann.get(f"/p/{pid}/conflicts").text

    # --- full text: an exclusion needs a reason from the lead's list ------------------
    r = bob.post(f"/p/{pid}/screen/full_text/{r4}", data={"decision": "exclude"})
    assert r.status_code == 400 and "column reason" in r.text
    assert ann.post(f"/p/{pid}/reasons", data={"label": "Wrong population",
                                               "stage": "full_text"}).status_code == 303
    assert bob.get(f"/p/{pid}/screen/full_text/{r3}").status_code == 404  # excluded at TA
    for reviewer in (bob, cat):
        assert reviewer.post(f"/p/{pid}/retrieval/{r1}", data={"status": "retrieved"}).status_code == 303
        _vote(reviewer, pid, "full_text", r1, "include")
        _vote(reviewer, pid, "full_text", r2, "include")
        _vote(reviewer, pid, "full_text", r4, "exclude", reason="Wrong population")

    # --- extraction: form, studies, double extraction with a discrepancy ---------------
    assert ann.post(f"/p/{pid}/extraction/forms",
                    data={"outcome": "Mortality", "preset": "effect"}).status_code == 303
    page = ann.get(f"/p/{pid}/extraction").text
    assert f'name="record_id" value="{r4}"' not in page  # excluded at full text
    for rid, label in ((r1, "Study A"), (r2, "Study B")):
        assert ann.post(f"/p/{pid}/studies", data={"record_id": rid, "label": label}).status_code == 303
    page = ann.get(f"/p/{pid}/extraction").text
    links = re.findall(r'<td>(Study [AB])</td><td>\d+</td>\s*<td><a href="/p/\d+/extraction/(\d+)/Mortality"', page)
    sids = {label: int(sid) for label, sid in links}
    assert set(sids) == {"Study A", "Study B"}
    bad = bob.post(f"/p/{pid}/extraction/{sids['Study A']}/Mortality", data={"yi": "0,2"})
    assert bad.status_code == 400 and "Study A, column yi" in bad.text
    for who, a_yi in ((bob, "0.2"), (cat, "0.25")):
        assert who.post(f"/p/{pid}/extraction/{sids['Study A']}/Mortality",
                        data={"yi": a_yi, "vi": "0.01"}).status_code == 303
        assert who.post(f"/p/{pid}/extraction/{sids['Study B']}/Mortality",
                        data={"yi": "0.4", "vi": "0.02"}).status_code == 303
    page = ann.get(f"/p/{pid}/extraction").text
    flagged = page.split("Double extraction: discrepancies")[1]
    assert "Study A · Mortality" in flagged and "bob = 0.2; cat = 0.25" in flagged
    assert "Study B" not in flagged
    # the analysis waits for the discrepancy to be settled
    assert "unresolved discrepancy" in ann.get(f"/p/{pid}/analysis").text
    assert ann.post(f"/p/{pid}/extraction/{sids['Study A']}/Mortality",
                    data={"yi": "0.2", "vi": "0.01"}).status_code == 303  # the lead's word

    # --- risk of bias ------------------------------------------------------------------
    for label, d5 in (("Study A", "Low"), ("Study B", "High")):
        data = {"instrument": "RoB2", **{f"j_D{i}": "Low" for i in range(1, 5)}, "j_D5": d5}
        assert ann.post(f"/p/{pid}/rob/{sids[label]}", data=data).status_code == 303
    bad = ann.post(f"/p/{pid}/rob/{sids['Study A']}", data={"instrument": "RoB2", "j_D1": "Serious"})
    assert bad.status_code == 400 and "Study A, column D1" in bad.text
    svgs = _svgs(ann.get(f"/p/{pid}/rob").text)
    assert len(svgs) == 2 and all("Study A" in s and "Study B" in s for s in svgs[:1])

    # --- PRISMA 2020 flow from the store ----------------------------------------------
    page = ann.get(f"/p/{pid}/prisma").text
    (svg,) = _svgs(page)
    text = re.sub(r"\s+", " ", " ".join(re.findall(r"<!-- (.*?) -->", svg)))
    # 4 identified, 1 excluded at title/abstract, 3 reports assessed, 1 excluded with the
    # reason, 2 studies included
    for expected in ("Wrong population (n = 1)", "(n = 4)", "(n = 3)", "(n = 2)"):
        assert expected in text, (expected, text[:2000])

    # --- analysis: random-effects pool of the agreed values against metafor ------------
    ref = json.loads((DATA / "pool_reml.json").read_text())
    page = ann.get(f"/p/{pid}/analysis").text
    m = re.search(r"estimate <strong>([-\d.]+)</strong> \(95% CI ([-\d.]+) to ([-\d.]+)\), "
                  r"&tau;² = ([-\d.]+), I² = ([-\d.]+)%", page)
    assert m, page
    est, lb, ub, tau2, i2 = map(float, m.groups())
    assert abs(est - ref["estimate"]) < 5e-4 and abs(lb - ref["ci_lb"]) < 5e-4
    assert abs(ub - ref["ci_ub"]) < 5e-4 and abs(tau2 - ref["tau2"]) < 5e-5
    assert abs(i2 - ref["I2"]) < 0.05
    csv = ann.get(f"/p/{pid}/analysis.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].split(",")[:4] == ["study", "outcome", "reviewers", "status"]
    assert len(lines) == 3 and lines[1].startswith("Study A,Mortality,")
