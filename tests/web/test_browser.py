"""End to end in headless Chromium (Playwright): a lead and two reviewers run a review.

Needs the Debian ``chromium`` package at /usr/bin/chromium (``scripts/system-deps.sh``
installs it) and the ``playwright`` Python package; the test fails, never skips, without them.
Screenshots go to pytest's temporary folder (printed); representative ones are committed
under docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DATA = Path(__file__).resolve().parent / "data"
# A PubMed-style RIS of one record: the Scopus export's "Exercise influence on the
# microbiome-gut-brain axis" (Dalton et al. 2019, Gut Microbes 10:555-568) as a meeting
# abstract: same title, authors, year and journal, another volume and pages, no DOI. Hand
# score of find_duplicates (title 4, authors 2, year 1, volume 1, pages 1, journal 0.5):
# (4 + 2 + 1 + 0 + 0 + 0.5) / 9.5 = 0.789, held for a person (review band 0.75-0.9).
PAIR_RIS = """TY  - JOUR
TI  - Exercise influence on the microbiome\u2013gut\u2013brain axis
AU  - Dalton, A.
AU  - Mermier, C.
AU  - Zuhl, M.
PY  - 2019
T2  - Gut Microbes
VL  - 11
SP  - 12
EP  - 13
DB  - PubMed
ER  - 
"""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture()
def chromium():  # type: ignore[no-untyped-def]
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (scripts/system-deps.sh does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install 'metareview[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _login(browser, url: str, username: str, password: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{url}/")
    return page


def _screen(page, url: str, pid: int, keys: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Screen with the keyboard; returns the titles seen, in order."""
    page.goto(f"{url}/p/{pid}/screen/title_abstract")
    titles = []
    for key in keys:
        page.wait_for_selector("h1.title")
        titles.append(page.inner_text("h1.title"))
        with page.expect_navigation():
            page.keyboard.press(key)
    page.wait_for_selector("text=nothing left for you")
    return titles


@pytest.mark.browser
def test_review_team_in_chromium(chromium, tmp_path, serve, password):
    from metareview.web import create_app, create_user

    db = tmp_path / "review.db"
    create_user(db, "ann", password)
    app = create_app(db, upload_dir=tmp_path / "uploads", secret_key="browser-test")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serve(app) as server:
        url = server.url
        lead = _login(chromium, url, "ann", password)
        # --- project, import, reviewers, reasons ---------------------------------------
        lead.fill("input[name=name]", "Brain-gut axis review")
        lead.click("text=Create project")
        lead.wait_for_url(re.compile(r".*/p/\d+$"))
        pid = int(lead.url.rsplit("/", 1)[1])
        assert "you are its lead" in lead.inner_text("main")
        lead.click("text=Import a database export")
        lead.set_input_files("input[type=file]", str(DATA / "scopus_asreview.ris"))
        lead.fill("input[name=database]", "Scopus")
        lead.fill("input[name=date]", "2024-03-01")
        lead.click("#import-form button[type=submit]")
        lead.wait_for_url(f"{url}/p/{pid}")
        assert "Imported 6 records" in lead.inner_text("main")
        # --- a second database brings a possible duplicate: the lead decides it --------
        pair = tmp_path / "pubmed_pair.ris"
        pair.write_text(PAIR_RIS, encoding="utf-8")
        lead.click("text=Import a database export")
        lead.set_input_files("input[type=file]", str(pair))
        lead.fill("input[name=database]", "PubMed")
        lead.fill("input[name=date]", "2024-03-02")
        lead.click("#import-form button[type=submit]")
        lead.wait_for_url(f"{url}/p/{pid}")
        assert "Imported 1 records" in lead.inner_text("main")
        with lead.expect_navigation():
            lead.click("#nav-duplicates")
        assert "Nothing to decide." in lead.inner_text("main")
        with lead.expect_navigation():
            lead.click("#run-dedup button")
        assert "0 duplicates removed, 1 pairs left for a person" in lead.inner_text("main")
        card = lead.locator("section.pair")
        assert card.count() == 1
        table = card.locator("table.side-by-side").inner_text()
        for text in ("Dalton, A.; Mermier, C.; Zuhl, M.", "555-568", "12-13", "Scopus", "PubMed",
                     "Gut Microbes"):
            assert text in table, text
        # the PAIR_RIS hand score: (4 + 2 + 1 + 0 + 0 + 0.5) / 9.5 = 0.789
        assert "volume or pages differ" in card.inner_text() and "0.789" in card.inner_text()
        assert lead.locator("tr.differ").count() == 3  # volume, pages, source database
        lead.screenshot(path=str(shots / "duplicates.png"), full_page=True)
        with lead.expect_navigation():
            card.locator("button:has-text('Same record')").click()
        assert "Nothing to decide." in lead.inner_text("main")
        assert "kept" in lead.inner_text("main")
        lead.goto(f"{url}/p/{pid}")
        for name in ("bob", "cat"):
            lead.fill("#add-member input[name=username]", name)
            lead.fill("#add-member input[name=password]", password)
            lead.click("#add-member button[type=submit]")
            lead.wait_for_selector(f"text={name} added as reviewer")
        lead.fill("#add-reason input[name=label]", "Wrong population")
        lead.click("#add-reason button[type=submit]")
        lead.wait_for_selector("li:has-text('Wrong population')")
        lead.fill("#add-reason input[name=label]", "Wrong outcome")
        lead.click("#add-reason button[type=submit]")
        lead.wait_for_selector("li:has-text('Wrong outcome')")
        lead.screenshot(path=str(shots / "project.png"), full_page=True)

        # --- two reviewers screen the same six records, one conflict -------------------
        bob = _login(chromium, url, "bob", password)
        seen_bob = _screen(bob, url, pid, ["i", "i", "e", "e", "m", "m"])
        cat = _login(chromium, url, "cat", password)
        cat.goto(f"{url}/p/{pid}/screen/title_abstract")
        cat.wait_for_selector("h1.title")
        # blinded: bob's vote is not shown before cat votes
        assert "Hidden until you vote" in cat.inner_text("aside")
        assert "bob" not in cat.inner_text("main")
        # n skips to the next record without voting; typing in the note is not a shortcut
        first = cat.inner_text("h1.title")
        cat.click("textarea[name=note]")
        cat.keyboard.type("in")
        assert cat.inner_text("h1.title") == first and cat.input_value("textarea[name=note]") == "in"
        cat.fill("textarea[name=note]", "")
        cat.focus("body")
        cat.evaluate("document.activeElement.blur()")
        with cat.expect_navigation():
            cat.keyboard.press("n")
        assert cat.inner_text("h1.title") != first
        cat.goto(f"{url}/p/{pid}/screen/title_abstract")
        keys = {seen_bob[0]: "i", seen_bob[1]: "e", seen_bob[2]: "e", seen_bob[3]: "e",
                seen_bob[4]: "m", seen_bob[5]: "m"}
        for _ in range(6):
            cat.wait_for_selector("h1.title")
            title = cat.inner_text("h1.title")
            if _ == 5:
                cat.screenshot(path=str(shots / "screening.png"), full_page=True)
            with cat.expect_navigation():
                cat.keyboard.press(keys[title])
        cat.wait_for_selector("text=nothing left for you")

        # --- the lead sees agreement and resolves the conflict -------------------------
        lead.goto(f"{url}/p/{pid}")
        agreement = lead.inner_text("#screening-title_abstract table.agreement")
        assert "bob / cat" in agreement
        lead.goto(f"{url}/p/{pid}/conflicts")
        conflicts = lead.locator("div.conflict")
        assert conflicts.count() == 1
        assert seen_bob[1] in conflicts.inner_text()
        lead.screenshot(path=str(shots / "conflicts.png"), full_page=True)
        with lead.expect_navigation():
            conflicts.locator("button:has-text('Include')").click()
        assert lead.locator("div.conflict").count() == 0

        # --- full texts: the lead records retrieval, two reviewers screen by keyboard -----
        # after title/abstract: seen_bob[0] include (both), seen_bob[1] include (the lead's
        # resolution), seen_bob[4] and seen_bob[5] maybe (both) go to full text; the other 2
        # are excluded
        retrieval = {seen_bob[0]: "retrieved", seen_bob[1]: "retrieved",
                     seen_bob[4]: "retrieved", seen_bob[5]: "not_retrieved"}
        from metareview.review.project import ReviewProject

        with ReviewProject.open(db, "Brain-gut axis review") as project:
            unique = project.records_frame(subset="unique", raw=False)
        rid_of = dict(zip(unique["title"], unique["record_id"], strict=True))
        lead.goto(f"{url}/p/{pid}/screen/full_text")  # the queue starts at one of the three
        assert lead.inner_text("h1.title") in retrieval
        for title, status in retrieval.items():
            lead.goto(f"{url}/p/{pid}/screen/full_text/{rid_of[title]}")
            assert lead.inner_text("h1.title") == title
            lead.select_option("aside select[name=status]", status)
            if status == "not_retrieved":
                lead.fill("aside input[name=reason]", "No response from the authors")
            with lead.expect_navigation():
                lead.click("aside form.inline button[type=submit]")
            assert f"Retrieval: {status}" in lead.inner_text("aside")
        # 1: Wrong population (the lead's first full-text reason)
        ft_keys = {seen_bob[0]: ["i"], seen_bob[1]: ["i"], seen_bob[4]: ["1", "e"]}
        for reviewer in (bob, cat):
            reviewer.goto(f"{url}/p/{pid}/screen/full_text")
            for _ in range(3):  # the report not retrieved is not offered
                reviewer.wait_for_selector("h1.title")
                title = reviewer.inner_text("h1.title")
                if ft_keys[title] != ["i"]:
                    # e before choosing a reason: nothing is sent, the reason list is pointed out
                    here = reviewer.url
                    reviewer.keyboard.press("e")
                    reviewer.wait_for_selector("#reason-needed:not([hidden])")
                    assert reviewer.url == here
                    assert reviewer.evaluate("document.activeElement.id") == "reason"
                    reviewer.evaluate("document.activeElement.blur()")
                    if reviewer is cat:
                        reviewer.screenshot(path=str(shots / "full_text.png"), full_page=True)
                for key in ft_keys[title]:
                    if key == "e" or key == "i":
                        with reviewer.expect_navigation():
                            reviewer.keyboard.press(key)
                    else:
                        reviewer.keyboard.press(key)
                        assert reviewer.input_value("select[name=reason]") == "Wrong population"
            reviewer.wait_for_selector("text=nothing left for you")
        # PRISMA counts, by hand: Scopus 6 + PubMed 1 identified; 1 duplicate removed (the
        # lead's "Same record"); 6 screened, 2 excluded; 4 reports sought, 1 not retrieved,
        # 3 assessed; 1 excluded (Wrong population), 2 included, 2 studies (a report not
        # grouped into a study is its own)
        expected = {"identified:Scopus": 6, "identified:PubMed": 1, "duplicates_removed": 1,
                    "records_screened": 6, "records_excluded": 2,
                    "records_awaiting_screening": 0, "reports_sought": 4,
                    "reports_not_retrieved": 1, "reports_awaiting_retrieval": 0,
                    "reports_assessed": 3, "reports_awaiting_assessment": 0,
                    "reports_included": 2, "studies_included": 2,
                    "reports_excluded:Wrong population": 1}
        lead.goto(f"{url}/p/{pid}/prisma")
        shown = {lead.locator("#prisma-counts tr").nth(i).get_attribute("data-count"):
                 int(lead.locator("#prisma-counts tr td").nth(i).inner_text())
                 for i in range(lead.locator("#prisma-counts tr").count())}
        assert {k: shown.get(k) for k in expected} == expected
        assert "Wrong outcome" not in lead.inner_text("#prisma-counts")
        assert lead.locator("img.prisma").evaluate("img => img.naturalWidth") > 300
        lead.screenshot(path=str(shots / "prisma.png"), full_page=True)

        # --- extraction: a form, two studies, the lead's extraction --------------------
        lead.goto(f"{url}/p/{pid}/extraction")
        lead.fill("#form-designer input[name=outcome]", "Anxiety")
        lead.check("#form-designer input[value=effect]")
        lead.click("#form-designer button[type=submit]")
        lead.wait_for_selector("text=Form for 'Anxiety' saved")
        for label in ("Mayer 2019", "Keefer 2020"):
            form = lead.locator("form[action$='/studies']").first
            form.locator("input[name=label]").fill(label)
            with lead.expect_navigation():
                form.locator("button").click()
        for label, yi, vi in (("Mayer 2019", "0.2", "0.01"), ("Keefer 2020", "0.4", "0.02")):
            lead.click(f"tr:has-text('{label}') a:has-text('Anxiety')")
            lead.fill("input[name=yi]", yi)
            lead.fill("input[name=vi]", vi)
            with lead.expect_navigation():
                lead.click("#extract-form button[type=submit]")

        # --- risk of bias ----------------------------------------------------------------
        lead.goto(f"{url}/p/{pid}/rob")
        for label in ("Mayer 2019", "Keefer 2020"):
            lead.goto(f"{url}/p/{pid}/rob")
            lead.click(f"tr:has-text('{label}') a:has-text('RoB2')")
            for i in range(1, 6):
                lead.select_option(f"select[name=j_D{i}]",
                                   "Some concerns" if (label, i) == ("Keefer 2020", 2) else "Low")
            with lead.expect_navigation():
                lead.click("#rob-form button[type=submit]")
        plots = lead.locator("img.plot")
        assert plots.count() == 2
        assert all(plots.nth(i).evaluate("img => img.naturalWidth") > 100 for i in range(2))
        lead.screenshot(path=str(shots / "rob.png"), full_page=True)

        # --- PRISMA and analysis -----------------------------------------------------------
        lead.goto(f"{url}/p/{pid}/prisma")
        assert lead.locator("img.prisma").evaluate("img => img.naturalWidth") > 300
        lead.goto(f"{url}/p/{pid}/analysis")
        pooled = lead.inner_text("p.pooled")
        # metafor: rma(c(0.2, 0.4), c(0.01, 0.02), method = "REML") gives 0.275 [0.085, 0.465]
        # (tests/web/data/pool_reml.json)
        assert "0.275" in pooled and "0.085" in pooled and "0.465" in pooled
        lead.screenshot(path=str(shots / "analysis.png"), full_page=True)
        # --- the same data through an analysis plan generated from the forms -------------
        with lead.expect_navigation():
            lead.click("#plan-link")
        assert 'outcome = "Anxiety"' in lead.input_value("#plan_text")
        with lead.expect_navigation():
            lead.click("button[value=generated]")
        summary = lead.inner_text("#summary")
        assert "Anxiety" in summary and "0.275" in summary and "0.085 to 0.465" in summary
        forest = lead.locator("img.plot.forest")
        assert forest.count() == 1 and forest.evaluate("img => img.naturalWidth") > 100
        assert lead.locator("#downloads a").count() == 2
        lead.screenshot(path=str(shots / "analysis_plan.png"), full_page=True)
    print(f"screenshots: {shots}")
    keep = os.environ.get("METAREVIEW_SCREENSHOTS")
    if keep:  # refresh docs/screenshots: METAREVIEW_SCREENSHOTS=docs/screenshots
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("screening.png", "rob.png", "prisma.png", "analysis.png",
                     "duplicates.png", "full_text.png"):
            shutil.copy(shots / name, Path(keep) / name)
