"""find_duplicates on hand-built records: what must merge, what must not, and the audit trail.

Every expectation is written out by hand from the duplicate definition (Rathbone et al. 2015:
the same bibliographic record, however formatted; an erratum, a conference abstract and its
article, different DOIs are different records).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.dedup import DedupResult, find_duplicates

COLUMNS = ["title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid"]


def frame(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=COLUMNS)


def same_cluster(result: DedupResult, a: str, b: str) -> bool:
    c = result.clusters.set_index("record_id")["cluster_id"]
    return bool(c[a] == c[b])


def pair_in(table: pd.DataFrame, a: str, b: str) -> pd.Series | None:
    hit = table[((table.id_a == a) & (table.id_b == b)) | ((table.id_a == b) & (table.id_b == a))]
    return None if hit.empty else hit.iloc[0]


ARTICLE = {
    "title": "Eculizumab in atypical haemolytic uraemic syndrome: a randomised trial",
    "authors": "Legendre, Christophe; Licht, Christoph; Muus, Petra",
    "year": 2013, "journal": "New England Journal of Medicine", "volume": "368",
    "issue": "23", "pages": "2169-2181", "doi": "10.1056/NEJMoa1208981", "pmid": "23738544",
}


def test_exact_doi_links_with_reason_doi_and_score_one() -> None:
    other = dict(ARTICLE, title="ECULIZUMAB IN ATYPICAL HUS", pmid=None,
                 doi="https://doi.org/10.1056/nejmoa1208981")
    result = find_duplicates(frame({"a": ARTICLE, "b": other}))
    link = pair_in(result.links, "a", "b")
    # titles differ too much for a fuzzy match, and the shared DOI alone is not trusted
    # when titles disagree: it is queued for a person instead
    assert link is None
    review = pair_in(result.pairs_for_review, "a", "b")
    assert review is not None and "same DOI but titles differ" in review.reason

    same = dict(ARTICLE, title="Eculizumab in atypical haemolytic uraemic syndrome - a "
                "randomised trial.", pmid=None, doi="doi:10.1056/NEJMOA1208981", pages=None)
    result = find_duplicates(frame({"a": ARTICLE, "b": same}))
    link = pair_in(result.links, "a", "b")
    assert link is not None
    assert link.reason == "doi"
    assert link.score == 1.0


def test_exact_pmid_links() -> None:
    other = dict(ARTICLE, doi=None, journal="N Engl J Med", pages="2169-81")
    result = find_duplicates(frame({"x": ARTICLE, "y": other}))
    assert pair_in(result.links, "x", "y").reason == "pmid"


def test_title_case_punctuation_html_accents_and_author_styles_merge() -> None:
    a = {"title": "The <i>CFH</i> gene and atypical hemolytic-uremic syndrome in Münster.",
         "authors": "Nürnberger, Jens and Philipp, Thomas", "year": "2009",
         "journal": "Pediatric Nephrology", "volume": "24", "pages": "123-9"}
    b = {"title": "THE CFH GENE AND ATYPICAL HEMOLYTIC UREMIC SYNDROME IN MUNSTER",
         "authors": "Nurnberger J, Philipp T", "year": 2009, "journal": "Pediatr Nephrol",
         "volume": "24", "pages": "123-129"}
    result = find_duplicates(frame({"a": a, "b": b}))
    link = pair_in(result.links, "a", "b")
    assert link is not None
    # normalised titles are identical, surnames identical, 123-9 == 123-129, the journal is the
    # NLM abbreviation of the other
    assert link.reason == ("fuzzy: title 1.00, authors 1.00, year equal, volume equal, "
                           "pages equal, journal compatible")
    assert link.score == pytest.approx(1.0)
    assert result.kept_ids == ("a",)


def test_conference_abstract_and_journal_article_are_not_merged() -> None:
    # abstract in another journal's supplement the year before: score (4*1 + 2*1 + 1*0.5 +
    # 0 + 0 + 0.5*0) / 9.5 = 0.684, below the review band
    abstract = dict(ARTICLE, journal="Blood", volume="120", issue="21", pages="3456",
                    year=2012, doi=None, pmid=None)
    result = find_duplicates(frame({"art": ARTICLE, "abs": abstract}))
    assert not same_cluster(result, "art", "abs")
    assert result.links.empty and result.pairs_for_review.empty

    # abstract in the same journal's supplement, same year: (4 + 2 + 1 + 0 + 0 + 0.5) / 9.5
    # = 0.789: held for a person, with the reason
    supplement = dict(ARTICLE, volume="367", pages="45", doi=None, pmid=None)
    result = find_duplicates(frame({"art": ARTICLE, "abs": supplement}))
    assert not same_cluster(result, "art", "abs")
    review = pair_in(result.pairs_for_review, "art", "abs")
    assert review is not None and "volume or pages differ" in review.reason
    assert review.score == pytest.approx(7.5 / 9.5)

    # the same-year abstract in a meeting book with no volume or pages
    meeting = dict(ARTICLE, journal="ASN Kidney Week 2013 Abstract Supplement", volume=None,
                   issue=None, pages=None, doi=None, pmid=None)
    result = find_duplicates(frame({"art": ARTICLE, "abs": meeting}))
    assert not same_cluster(result, "art", "abs")
    assert "journal differs" in pair_in(result.pairs_for_review, "art", "abs").reason


def test_review_band_bounds_the_queue() -> None:
    # score 7.5 / 9.5 = 0.789 (see above): inside (0.75, 0.9), outside (0.8, 0.9)
    supplement = dict(ARTICLE, volume="367", pages="45", doi=None, pmid=None)
    rows = frame({"art": ARTICLE, "abs": supplement})
    assert len(find_duplicates(rows).pairs_for_review) == 1
    assert find_duplicates(rows, review_band=(0.8, 0.9)).pairs_for_review.empty
    # a lower threshold does not merge it: differing volume and pages still hold it back
    assert find_duplicates(rows, threshold=0.7).links.empty


def test_erratum_is_never_merged_with_its_article() -> None:
    erratum = dict(ARTICLE, title="Erratum: Eculizumab in atypical haemolytic uraemic "
                   "syndrome: a randomised trial", pages="2256", doi=None, pmid=None)
    wos_style = dict(ARTICLE, title="Eculizumab in atypical haemolytic uraemic syndrome: a "
                     "randomised trial (vol 368, pg 2169, 2013)", pages="2256", doi=None,
                     pmid=None)
    result = find_duplicates(frame({"art": ARTICLE, "err": erratum, "wos": wos_style}))
    assert not same_cluster(result, "art", "err")
    assert not same_cluster(result, "art", "wos")
    # a veto: not even queued for review
    assert pair_in(result.pairs_for_review, "art", "err") is None


def test_medline_erratum_note_does_not_make_an_article_an_erratum() -> None:
    noted = dict(ARTICLE, title=ARTICLE["title"] + ".[Erratum appears in N Engl J Med. 2013 "
                 "Jun;368(25):2440", doi=None, pmid=None)
    result = find_duplicates(frame({"art": ARTICLE, "med": noted}))
    assert same_cluster(result, "art", "med")


def test_different_dois_are_never_merged() -> None:
    # a Cochrane review and its update: same title and authors, different DOIs
    v1 = {"title": "Corticosteroids for tuberculous pleurisy",
          "authors": "Engel, M E; Volmink, J", "year": 2007,
          "journal": "Cochrane Database Syst Rev", "doi": "10.1002/14651858.CD001876.pub2"}
    v2 = dict(v1, doi="10.1002/14651858.CD001876.pub3")
    result = find_duplicates(frame({"v1": v1, "v2": v2}))
    assert not same_cluster(result, "v1", "v2")
    assert pair_in(result.pairs_for_review, "v1", "v2") is None


def test_chain_through_a_record_without_doi_is_broken() -> None:
    # A and C have different DOIs; B (no DOI) looks like both: A-B-C must not become a cluster
    a = {"title": "Outcomes of lung resection in the elderly", "authors": "Smith, J; Li, X",
         "year": 2015, "journal": "Thorax", "volume": "70", "doi": "10.1136/thx.2015.201"}
    b = dict(a, doi=None)
    c = dict(a, doi="10.1136/thx.2015.202")
    result = find_duplicates(frame({"A": a, "B": b, "C": c}))
    assert not same_cluster(result, "A", "C")
    held = result.pairs_for_review
    assert held.reason.str.contains("chain joins records with different DOIs").any()


def test_short_generic_title_needs_volume_and_pages() -> None:
    e1 = {"title": "Editorial", "authors": "Lee, Allen S.", "year": 2000,
          "journal": "MIS Quarterly", "volume": "24", "issue": "1", "pages": "1-2"}
    e2 = dict(e1, issue="2", pages="101-102")      # another editorial, next issue
    e3 = dict(e1, issue=None)                    # same editorial, issue missing
    result = find_duplicates(frame({"e1": e1, "e2": e2, "e3": e3}))
    assert not same_cluster(result, "e1", "e2")
    assert same_cluster(result, "e1", "e3")


def test_year_one_apart_needs_volume_or_pages() -> None:
    online = dict(ARTICLE, year=2012, doi=None, pmid=None)       # epub ahead of print
    result = find_duplicates(frame({"art": ARTICLE, "epub": online}))
    assert same_cluster(result, "art", "epub")
    assert "year differs by 1" in pair_in(result.links, "art", "epub").reason

    bare = {"title": ARTICLE["title"], "authors": ARTICLE["authors"], "year": 2012}
    result = find_duplicates(frame({"art": ARTICLE, "bare": bare}))
    assert not same_cluster(result, "art", "bare")
    assert "year differs without volume/pages agreeing" in pair_in(
        result.pairs_for_review, "art", "bare").reason

    # online first (no volume or pages yet) in the same journal, a year before print
    first = {"title": ARTICLE["title"], "authors": ARTICLE["authors"], "year": 2012,
             "journal": "N Engl J Med"}
    result = find_duplicates(frame({"art": ARTICLE, "first": first}))
    assert same_cluster(result, "art", "first")

    later = dict(ARTICLE, year=2015, doi=None, pmid=None)       # two years apart: veto
    assert not same_cluster(find_duplicates(frame({"a": ARTICLE, "b": later})), "a", "b")


def test_kept_record_is_the_most_complete_and_first_on_ties() -> None:
    sparse = {"title": ARTICLE["title"], "authors": ARTICLE["authors"], "year": 2013,
              "journal": "N Engl J Med", "volume": "368", "pages": "2169-81"}
    rows = {"s1": sparse, "full": ARTICLE, "s2": dict(sparse)}
    result = find_duplicates(frame(rows))
    assert result.kept_ids == ("full",)
    assert set(result.removed_ids) == {"s1", "s2"}
    # ties: two equally complete copies keep the first in input order
    result = find_duplicates(frame({"s1": sparse, "s2": dict(sparse)}))
    assert result.kept_ids == ("s1",)


def test_result_tables_have_fixed_columns_and_nothing_is_lost() -> None:
    other = {"title": "Statins and sepsis", "authors": "Brown, A", "year": 2010}
    rows = {"a": ARTICLE, "b": dict(ARTICLE, doi=None), "c": other}
    result = find_duplicates(frame(rows))
    assert list(result.clusters.columns) == ["cluster_id", "record_id", "kept"]
    assert list(result.links.columns) == ["id_a", "id_b", "reason", "score"]
    assert list(result.pairs_for_review.columns) == ["id_a", "id_b", "reason", "score"]
    assert sorted(result.clusters.record_id) == ["a", "b", "c"]     # every record listed
    assert result.clusters.groupby("cluster_id").kept.sum().eq(1).all()
    summary = result.summary()
    assert list(summary.columns) == ["records", "clusters", "duplicate_clusters",
                                     "records_in_duplicate_clusters", "kept", "removed",
                                     "links", "pairs_for_review"]
    assert summary.iloc[0][["records", "clusters", "kept", "removed"]].tolist() == [3, 2, 2, 1]
    full = result.to_frame()
    assert full.set_index("record_id").loc["b", "linked_to"] == "a"
    assert np.isnan(full.set_index("record_id").loc["a", "score"])


def test_id_column_and_missing_columns() -> None:
    data = pd.DataFrame({"key": ["r1", "r2"], "title": [ARTICLE["title"]] * 2,
                         "author": ["Legendre, C", "Legendre, C."], "year": [2013, 2013]})
    result = find_duplicates(data, id_column="key")
    assert result.kept_ids == ("r1",)
    assert result.links.iloc[0][["id_a", "id_b"]].tolist() == ["r1", "r2"]


def test_records_are_accepted() -> None:
    from metareview.review.records import Record

    recs = [Record(title=ARTICLE["title"], authors=("Legendre, Christophe",), year=2013,
                   journal="N Engl J Med", volume="368", pages="2169-81", source_index=0),
            Record(title=ARTICLE["title"].upper(), authors=("Legendre, C",), year=2013,
                   journal="New England Journal of Medicine", volume="368",
                   pages="2169-2181", source_index=1)]
    result = find_duplicates(recs)
    assert len(result.kept_ids) == 1


def test_bad_input_names_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        find_duplicates(pd.DataFrame({"name": ["x"]}), file="refs.csv")
    assert err.value.column == "title" and "refs.csv" in str(err.value)

    dup = pd.DataFrame({"id": ["a", "b", "a"], "title": ["x", "y", "z"]})
    with pytest.raises(InputError) as err:
        find_duplicates(dup, id_column="id", file="refs.csv")
    assert err.value.row == [1, 3] and err.value.column == "id"
    assert str(err.value).startswith("refs.csv, rows 1, 3, column id: record identifiers repeat")

    with pytest.raises(InputError) as err:
        find_duplicates(dup, id_column="ID")
    assert err.value.column == "ID"
    with pytest.raises(InputError):
        find_duplicates(dup.drop_duplicates("id"), id_column="id", threshold=1.5)
    with pytest.raises(InputError):
        find_duplicates(dup.drop_duplicates("id"), id_column="id", review_band=(0.9, 0.5))
