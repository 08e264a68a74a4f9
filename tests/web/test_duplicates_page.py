"""The lead's duplicates page: pairs held back by de-duplication, decided by a person."""

from __future__ import annotations

import re
from typing import Any

import pytest

from metareview.review.project import ReviewProject
from metareview.review.records import Record

TITLE = ("Eculizumab in atypical haemolytic uraemic syndrome: a randomised trial "
         "<script>alert('x')</script>")


def _add_pair(db: Any) -> None:
    """A journal article and its same-year abstract in the journal's supplement: same title,
    authors, year and journal, different volume and pages. Hand score of
    :func:`metareview.review.dedup.find_duplicates` (weights title 4, authors 2, year 1,
    volume 1, pages 1, journal 0.5): (4 + 2 + 1 + 0 + 0 + 0.5) / 9.5 = 0.78947..., inside the
    default review band (0.75, 0.9): held for a person because volume and pages differ."""
    authors = ("Legendre, Christophe", "Licht, Christoph", "Muus, Petra")
    with ReviewProject.open(db, "P1") as p:
        p.import_records(
            [Record(title=TITLE, authors=authors, year=2013,
                    journal="New England Journal of Medicine", volume="368", issue="23",
                    pages="2169-2181", doi="10.1056/NEJMoa1208981", pmid="23738544")],
            database="Embase", date="2024-02-01", file_name="embase.ris",
            file_sha256="1" * 64, format="ris")
        p.import_records(
            [Record(title=TITLE, authors=authors, year=2013,
                    journal="New England Journal of Medicine", volume="367", pages="45")],
            database="CENTRAL", date="2024-02-02", file_name="central.ris",
            file_sha256="2" * 64, format="ris")


@pytest.fixture()
def pair_store(store: dict[str, Any]) -> dict[str, Any]:
    _add_pair(store["db"])
    return store


def test_reviewers_get_403_and_anonymous_users_the_login(pair_store, login) -> None:
    pid = pair_store["pid"]
    bob = login("bob")
    assert bob.get(f"/p/{pid}/duplicates").status_code == 403
    assert bob.post(f"/p/{pid}/duplicates/run").status_code == 403
    assert bob.post(f"/p/{pid}/duplicates/1", data={"decision": "same"}).status_code == 403
    assert "nav-duplicates" not in bob.get(f"/p/{pid}").text
    anon = login(None)
    r = anon.get(f"/p/{pid}/duplicates")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert anon.post(f"/p/{pid}/duplicates/run").status_code == 401
    # dan leads another project, not this one
    assert login("dan").get(f"/p/{pid}/duplicates").status_code == 404


def test_run_shows_the_pair_side_by_side_escaped(pair_store, login) -> None:
    pid = pair_store["pid"]
    ann = login("ann")
    page = ann.get(f"/p/{pid}")
    assert 'id="nav-duplicates"' in page.text
    assert ann.get(f"/p/{pid}/duplicates").text.count('class="card pair"') == 0
    r = ann.post(f"/p/{pid}/duplicates/run")
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/duplicates"
    html = ann.get(f"/p/{pid}/duplicates").text
    assert "0 duplicates removed, 1 pairs left for a person" in html
    assert html.count('class="card pair"') == 1
    # the record's HTML is shown as text, never run
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    for text in ("Legendre, Christophe; Licht, Christoph; Muus, Petra", "2169-2181", "45",
                 "368", "367", "10.1056/nejmoa1208981", "23738544", "Embase", "CENTRAL",
                 "volume or pages differ"):
        assert text in html, text
    # 7.5 / 9.5 = 0.789 (hand computation in _add_pair), shown to 3 decimals
    assert "score 0.789" in html
    # the differing rows are marked
    assert len(re.findall(r'<tr class="differ"><th>(Volume|Pages|Source database)</th>',
                          html)) == 3


@pytest.mark.parametrize(("decision", "duplicate"), [("same", True), ("different", False)])
def test_decision_is_recorded(pair_store, login, decision, duplicate) -> None:
    pid, db = pair_store["pid"], pair_store["db"]
    ann = login("ann")
    ann.post(f"/p/{pid}/duplicates/run")
    with ReviewProject.open(db, "P1") as p:
        pairs = p.pending_duplicate_pairs()
        n_unique = len(p.records_frame(subset="unique"))
    assert len(pairs) == 1 and n_unique == 6
    link = int(pairs["link_id"].iloc[0])
    r = ann.post(f"/p/{pid}/duplicates/{link}", data={"decision": decision})
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/duplicates"
    with ReviewProject.open(db, "P1") as p:
        assert p.pending_duplicate_pairs().empty
        # 4 records of the fixture + 2; "same" removes one of the pair
        assert len(p.records_frame(subset="unique")) == (5 if duplicate else 6)
        assert p.prisma_counts().duplicates_removed == (1 if duplicate else 0)
        # a person's decision survives a new run
        p.dedup()
        assert p.pending_duplicate_pairs().empty
    html = ann.get(f"/p/{pid}/duplicates").text
    assert "Nothing to decide." in html
    assert ("record" in html and "kept" in html) if duplicate else "both kept" in html


def test_csrf_and_bad_decisions_are_refused(pair_store, login) -> None:
    pid, db = pair_store["pid"], pair_store["db"]
    ann = login("ann")
    ann.post(f"/p/{pid}/duplicates/run")
    with ReviewProject.open(db, "P1") as p:
        link = int(p.pending_duplicate_pairs()["link_id"].iloc[0])
    for token in (None, "forged"):
        data = {"decision": "same"} if token is None else {"decision": "same", "csrf_token": token}
        r = ann.client.post(f"/p/{pid}/duplicates/{link}", data=data)
        assert r.status_code == 403 and "CSRF" in r.text
    r = ann.client.post(f"/p/{pid}/duplicates/run", data={})
    assert r.status_code == 403
    r = ann.post(f"/p/{pid}/duplicates/{link}", data={"decision": "maybe"})
    assert r.status_code == 400
    assert "column decision" in r.text and "same" in r.text
    with ReviewProject.open(db, "P1") as p:
        assert len(p.pending_duplicate_pairs()) == 1


def test_a_report_not_retrieved_leaves_the_full_text_queue(store, login) -> None:
    """Full text: records 1 and 2 pass title/abstract (both reviewers include); the lead
    marks record 2 not retrieved, so bob is offered record 1 only (counted by hand: 2 passed,
    1 not retrieved)."""
    pid, (r1, r2, _, _) = store["pid"], store["ids"]
    bob, cat, ann = login("bob"), login("cat"), login("ann")
    for reviewer in (bob, cat):
        for rid in (r1, r2):
            r = reviewer.post(f"/p/{pid}/screen/title_abstract/{rid}",
                              data={"decision": "include"})
            assert r.status_code == 303
    r = ann.post(f"/p/{pid}/retrieval/{r2}", data={"status": "not_retrieved", "reason": ""})
    assert r.status_code == 400 and "column reason" in r.text
    r = ann.post(f"/p/{pid}/retrieval/{r2}",
                 data={"status": "not_retrieved", "reason": "No response from the authors"})
    assert r.status_code == 303
    r = bob.get(f"/p/{pid}/screen/full_text")
    assert r.status_code == 303 and r.headers["location"].endswith(f"/full_text/{r1}")
    page = bob.get(f"/p/{pid}/screen/full_text/{r1}").text
    # the full-text page offers the lead's reasons by number and guards "exclude"
    assert 'data-needs-reason="reason"' in page and 'id="reason-needed"' in page
    r = bob.post(f"/p/{pid}/screen/full_text/{r1}", data={"decision": "include"})
    assert r.status_code == 303
    assert "nothing left for you" in bob.get(f"/p/{pid}/screen/full_text").text
    with ReviewProject.open(store["db"], "P1") as p:
        counts = p.prisma_counts()
    assert (counts.reports_sought, counts.reports_not_retrieved) == (2, 1)
