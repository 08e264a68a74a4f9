"""Field normalisation for de-duplication, against values written out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metareview.review.dedup_normalise import (
    journal_compatible,
    normalise_authors,
    normalise_doi,
    normalise_journal,
    normalise_pmid,
    normalise_title,
    normalise_volume,
    parse_pages,
    parse_year,
    strip_notes,
    title_kind,
)


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_titles() -> None:
    got = normalise_title(s("Mechanisms of Disease: the complement system in renal injury - new",
                            "Mechanisms of disease: the complement system in renal injury--new.",
                            "[Antibiotic prophylaxis in thoracic surgery]",
                            "Eficácia &amp; segurança <sup>2</sup>", None, np.nan))
    assert got.tolist() == [
        "mechanisms of disease the complement system in renal injury new",
        "mechanisms of disease the complement system in renal injury new",
        "antibiotic prophylaxis in thoracic surgery",
        "eficacia seguranca 2", "", ""]


def test_medline_notes_are_not_part_of_the_title() -> None:
    title = ("Anti-Factor H autoantibodies in a fifth renal transplant recipient.[Erratum appears "
             "in Am J Transplant. 2009 Sep;9(9):2205 Note: Niauif, P [added]].[Erratum")
    assert strip_notes(title).rstrip("]") == ("Anti-Factor H autoantibodies in a fifth renal "
                                              "transplant recipient")
    assert strip_notes("Trial X.[Comment in: Lancet. 2001;357:1]") == "Trial X"


def test_title_kinds() -> None:
    kinds = title_kind(s("Erratum to - How do requirements evolve over time?",
                         "Corrigendum: Statins in sepsis",
                         "Correction to: Statins in sepsis",
                         "Correction of hypokalaemia in the ICU",
                         "Statins in sepsis (vol 12, pg 100, 2010)",
                         "Eculizumab for atypical hemolytic-uremic syndrome (New England Journal "
                         "of Medicine (2009) 360 (542-544))",
                         "Retraction notice: Statins in sepsis",
                         "Re: Statins in sepsis", "Reply to Dr Smith",
                         "Statins in sepsis.[Erratum appears in Lancet 2011]", ""))
    assert kinds.tolist() == ["erratum", "erratum", "erratum", "", "erratum", "erratum",
                              "erratum", "comment", "comment", "", ""]


def test_authors() -> None:
    first, tokens = normalise_authors(s(
        "Zuber, J and Le Quintrec, M and Sberro-Soussan, R",
        "Goicoechea de, Jorge E. and Harris, C. L.",
        "Nürnberger, Jens; Philipp, Thomas",
        "Gil K.Kurnik M.Bugajski A.",
        "Smith JM, Jones K, Brown A",
        "Alexion Pharmaceuticals, Inc",
        "Anonymous", "", None))
    assert first.tolist() == ["zuber", "goicoecheade", "nurnberger", "gil", "smith",
                              "alexionpharmaceuticals", "", "", ""]
    assert tokens[0] == "zuber le quintrec sberro soussan"
    assert tokens[2] == "nurnberger jens philipp thomas"
    assert tokens[6] == "" and tokens[7] == ""


def test_journals() -> None:
    got = normalise_journal(s("The Journal of clinical oncology : official journal of ASCO",
                              "Lung cancer (Amsterdam, Netherlands)",
                              "PLoS ONE [Electronic Resource]",
                              "Proceedings of the 13th European Conference on Innovation",
                              "Journal of Thrombosis and Haemostasis.Conference: 23rd Congress"))
    assert got.tolist() == ["journal clinical oncology", "lung cancer", "plos one",
                            "european conference innovation", "journal thrombosis haemostasis"]
    whole = normalise_journal(s("J Thromb Haemost.Conference: 23rd Congress ISTH"), whole=True)
    assert whole.tolist() == ["j thromb haemost conference congress isth"]


def test_journal_compatibility() -> None:
    yes = [("nat rev nephrol", "nature reviews nephrology"),
           ("pediatr nephrol", "pediatric nephrology"),
           ("proc natl acad sci u s a", "proceedings national academy sciences u s a"),
           ("jthoraccardiovascsurg", "journal thoracic cardiovascular surgery"),
           ("eur j cardiothorac surg", "european journal cardio thoracic surgery"),
           ("european conference social media", "european conference social media ecsm")]
    no = [("blood", "new england journal medicine"),
          ("journal clinical oncology", "annals oncology"),
          ("lancet", "lancet oncology")]
    assert all(journal_compatible(a, b) and journal_compatible(b, a) for a, b in yes)
    assert not any(journal_compatible(a, b) for a, b in no)


def test_pages_volume_year_doi_pmid() -> None:
    assert parse_pages(s("123-9", "1660-1661", "47--65", "S251-S261", "e12724", "A134",
                         "2141-7", "Suppl-61", "t-20", "", None)).tolist() == [
        ("123", "129"), ("1660", "1661"), ("47", "65"), ("s251", "s261"), ("e12724", ""),
        ("a134", ""), ("2141", "2147"), ("", ""), ("", ""), ("", ""), ("", "")]
    assert normalise_volume(s("118 (21)", "07", "Suppl", None)).tolist() == ["118", "7", "", ""]
    years = parse_year(s("2011", 2011, "2008 Mar 3", "Epub 2019", "n.d.", None))
    assert years[:4].tolist() == [2011.0, 2011.0, 2008.0, 2019.0]
    assert np.isnan(years[4:]).all()
    assert normalise_doi(s("https://dx.doi.org/10.1111/NMO.12598",
                           "DOI: 10.1007/s00125-014-3355-0.",
                           "10.1590/15174522-113027", "NA", None)).tolist() == [
        "10.1111/nmo.12598", "10.1007/s00125-014-3355-0", "10.1590/15174522-113027", "", ""]
    assert normalise_pmid(s("PMID: 23738544", "0012", None)).tolist() == ["23738544", "12", ""]
