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
        for name in ("bob", "cat"):
            lead.fill("#add-member input[name=username]", name)
            lead.fill("#add-member input[name=password]", password)
            lead.click("#add-member button[type=submit]")
            lead.wait_for_selector(f"text={name} added as reviewer")
        lead.fill("#add-reason input[name=label]", "Wrong population")
        lead.click("#add-reason button[type=submit]")
        lead.wait_for_selector("li:has-text('Wrong population')")
        lead.screenshot(path=str(shots / "project.png"), full_page=True)

        # --- two reviewers screen the same six records, one conflict -------------------
        bob = _login(chromium, url, "bob", password)
        seen_bob = _screen(bob, url, pid, ["i", "i", "e", "e", "e", "m"])
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
                seen_bob[4]: "e", seen_bob[5]: "m"}
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
        lead.screenshot(path=str(shots / "prisma.png"), full_page=True)
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
        for name in ("screening.png", "rob.png", "prisma.png", "analysis.png"):
            shutil.copy(shots / name, Path(keep) / name)
