"""Find duplicate bibliographic records, keeping an audit trail of every decision.

:func:`find_duplicates` links records in two stages:

1. exact identifiers: records sharing a DOI or a PubMed ID are linked (reason ``"doi"`` or
   ``"pmid"``);
2. fuzzy matching of candidate pairs produced by blocking (a sorted-neighbourhood window over
   several sort keys, Hernández & Stolfo 1995, *Proc. ACM SIGMOD*, 127-138,
   doi:10.1145/223784.223807): normalised title similarity (Indel ratio, ``rapidfuzz``),
   author-name token overlap, year (equal or one apart), volume, first/last page and journal
   (abbreviation-aware) agreement are combined into a weighted score.

Duplicates are *the same bibliographic record* however formatted. Different reports of one
study, a conference abstract and its journal article, an erratum and its article and a reprint
in another journal are different records (Rathbone, Carter, Hoffmann & Glasziou 2015,
*Systematic Reviews* 4:6, doi:10.1186/2046-4053-4-6; the definition used by bib-dedupe,
Wagner et al.). So a link is never made between records with two different DOIs, of different
kinds (erratum, comment, article), or more than a year apart; differing volume or pages hold a
pair for a person to review instead of merging it; very short generic titles need volume and
pages to agree.

Pairs scoring at or above ``threshold`` with no conflicting evidence are *accepted*; pairs
whose score falls in ``review_band`` (or that score high but carry conflicting evidence) are
queued in ``pairs_for_review`` and not merged. Clusters are the connected components of the
accepted links; each cluster keeps one record and lists the others, so nothing is lost.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "title": ["Aspirin for stroke prevention.", "ASPIRIN FOR STROKE PREVENTION",
...               "Statins in heart failure"],
...     "authors": ["Smith, J; Lee, K", "Smith J, Lee K", "Brown, A"],
...     "year": [2010, 2010, 2012], "journal": ["Lancet", "The Lancet", "BMJ"],
...     "volume": ["375", "375", "344"], "pages": ["100-9", "100-109", "e12"]},
...     index=["a", "b", "c"])
>>> result = find_duplicates(frame)
>>> result.kept_ids
('a', 'c')
>>> result.links[["id_a", "id_b"]].values.tolist()
[['a', 'b']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.review.dedup_normalise import (
    _text,
    journal_compatible,
    normalise_authors,
    normalise_doi,
    normalise_journal,
    normalise_pmid,
    normalise_title,
    normalise_volume,
    parse_pages,
    parse_year,
    title_kind,
)

__all__ = ["COMPLETENESS_FIELDS", "FIELD_ALIASES", "DedupResult", "find_duplicates",
           "resolve_column"]

#: Columns read when the canonical one is absent (first found wins). Names are compared
#: case-insensitively with spaces, dashes and underscores alike, so ``Publication Year`` (Zotero)
#: or ``Source title`` (Scopus) are found.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "ti", "primary_title", "article_title", "document_title"),
    "authors": ("authors", "author", "au", "author_full_names"),
    "year": ("year", "py", "publication_year", "pubyear"),
    "journal": ("journal", "secondary_title", "journal_title", "source_title",
                "publication_title", "jo", "t2", "so"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "sp", "page"),
    "doi": ("doi", "do"),
    "pmid": ("pmid", "pubmed_id"),
    "abstract": ("abstract", "ab", "abstract_note"),
}
#: Fields counted to choose the record a cluster keeps (the most complete one).
COMPLETENESS_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages",
                       "doi", "pmid", "abstract")

_GENERIC_TITLES = frozenset({
    "editorial", "introduction", "preface", "foreword", "letter", "letters", "letter to the editor",
    "correspondence", "in this issue", "abstracts", "abstract", "news", "book review",
    "book reviews", "index", "contents", "commentary", "comment", "reply", "authors reply",
    "editors note", "editorial comment", "erratum", "errata", "correction", "corrigendum",
    "retraction", "announcement", "announcements", "guest editorial", "highlights", "summary",
    "conclusion", "conclusions", "discussion", "overview", "untitled", "proceedings",
})

# weights of the features in the combined score (title dominates; bibliographic details
# corroborate)
_W_TITLE, _W_AUTHORS, _W_YEAR, _W_VOLUME, _W_PAGES, _W_JOURNAL = 4.0, 2.0, 1.0, 1.0, 1.0, 0.5
_TITLE_FLOOR = 0.85         # a fuzzy link needs at least this title similarity ...
_TITLE_FLOOR_ALONE = 0.97   # ... or this when no volume, pages or journal can corroborate
_TITLE_FLOOR_STRONG = 0.70  # ... or this when volume, pages, year, authors, journal all agree
_EXACT_TITLE_FLOOR = 0.90   # a shared DOI/PMID with less similar titles goes to review
_PREFIX_CREDIT = 0.90       # title similarity credited when one title starts the other
_PREFILTER = 0.60       # candidate pairs below this title similarity are not scored further

_LINK_COLUMNS = ["id_a", "id_b", "reason", "score"]


@dataclass(frozen=True)
class DedupResult:
    """Outcome of :func:`find_duplicates`.

    Attributes
    ----------
    clusters : DataFrame
        One row per input record: ``cluster_id`` (1-based, clusters numbered in input order),
        ``record_id``, ``kept`` (True for the one record each cluster keeps). Unique records
        are clusters of one.
    links : DataFrame
        The accepted links: ``id_a``, ``id_b``, ``reason`` (``"doi"``, ``"pmid"`` or
        ``"fuzzy: title 0.97, authors 0.90, year equal, ..."``), ``score`` in [0, 1].
    pairs_for_review : DataFrame
        Pairs not merged but worth a person's look, same columns as ``links``; the reason says
        what held them back.
    kept_ids : tuple
        The identifiers of the records kept, in input order.
    keep_rule : str
        How the kept record of each cluster was chosen.
    """

    clusters: pd.DataFrame
    links: pd.DataFrame
    pairs_for_review: pd.DataFrame
    kept_ids: tuple[Any, ...]
    keep_rule: str = field(default=(
        "the most complete record (most non-empty of: " + ", ".join(COMPLETENESS_FIELDS)
        + "); ties go to the record that comes first in the input"))

    @property
    def removed_ids(self) -> tuple[Any, ...]:
        """Identifiers of the records merged into another (not kept), in input order."""
        return tuple(self.clusters.loc[~self.clusters["kept"], "record_id"].sort_index())

    def summary(self) -> pd.DataFrame:
        """One row of counts: records, clusters, duplicate_clusters, records_in_duplicate_clusters,
        kept, removed, links, pairs_for_review."""
        sizes = self.clusters.groupby("cluster_id").size()
        return pd.DataFrame([{
            "records": len(self.clusters),
            "clusters": len(sizes),
            "duplicate_clusters": int((sizes > 1).sum()),
            "records_in_duplicate_clusters": int(sizes[sizes > 1].sum()),
            "kept": len(self.kept_ids),
            "removed": len(self.clusters) - len(self.kept_ids),
            "links": len(self.links),
            "pairs_for_review": len(self.pairs_for_review),
        }])

    def to_frame(self) -> pd.DataFrame:
        """``clusters`` with, for each removed record, the strongest accepted link joining it
        to its cluster: columns cluster_id, record_id, kept, linked_to, reason, score."""
        frame = self.clusters.copy()
        both = pd.concat([
            self.links.rename(columns={"id_a": "record_id", "id_b": "linked_to"}),
            self.links.rename(columns={"id_b": "record_id", "id_a": "linked_to"}),
        ], ignore_index=True)
        best = both.sort_values("score", ascending=False, kind="stable").drop_duplicates(
            "record_id")
        frame = frame.merge(best, on="record_id", how="left")
        frame.loc[frame["kept"], ["linked_to", "reason", "score"]] = np.nan
        return frame[["cluster_id", "record_id", "kept", "linked_to", "reason", "score"]]


# --------------------------------------------------------------------------------------------
# input


def _key(name: object) -> str:
    return re.sub(r"[\s_\-]+", "_", str(name).strip().casefold())


def resolve_column(frame: pd.DataFrame, name: str) -> str | None:
    """The column of *frame* that holds field *name* (see :data:`FIELD_ALIASES`), or None.

    >>> import pandas as pd
    >>> resolve_column(pd.DataFrame(columns=["Key", "Title", "Publication Year"]), "year")
    'Publication Year'
    """
    by_key: dict[str, str] = {}
    for col in frame.columns:
        by_key.setdefault(_key(col), col)
    for alias in FIELD_ALIASES.get(name, (name,)):
        if alias in frame.columns:
            return alias
        if _key(alias) in by_key:
            return by_key[_key(alias)]
    return None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    col = resolve_column(frame, name)
    if col is not None:
        return frame[col].reset_index(drop=True)
    return pd.Series([""] * len(frame), dtype=object)


def _prepare(frame: pd.DataFrame, id_column: str | None, file: str | None
             ) -> tuple[np.ndarray, dict[str, Any]]:
    if resolve_column(frame, "title") is None:
        raise InputError("there is no title column", file=file, column="title",
                         hint="name the column of titles 'title'")
    if id_column is None:
        ids = frame.index.to_numpy(object)
        where = "index"
    else:
        if id_column not in frame.columns:
            raise InputError(f"the id column {id_column!r} is not in the data", file=file,
                             column=id_column,
                             hint="columns are: " + ", ".join(map(str, frame.columns[:30])))
        ids = frame[id_column].to_numpy(object)
        where = id_column
    id_series = pd.Series(ids)
    missing = id_series.isna() | (id_series.astype(str).str.strip() == "")
    if missing.any():
        raise InputError("record identifiers are missing", file=file,
                         row=(np.flatnonzero(missing.to_numpy()) + 1).tolist(), column=where,
                         hint="give every record an identifier")
    dup = id_series.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = (np.flatnonzero(dup) + 1).tolist()
        raise InputError(f"record identifiers repeat (e.g. {id_series[dup].iloc[0]!r})",
                         file=file, row=rows, column=where,
                         hint="identifiers must be unique; de-duplicate the id column or "
                              "choose another")
    journal = _column(frame, "journal")
    if "booktitle" in frame.columns:  # BibTeX inproceedings
        empty = journal.isna() | (journal.astype(str).str.strip() == "")
        journal = journal.where(~empty, frame["booktitle"].reset_index(drop=True))
    title = normalise_title(_column(frame, "title")).to_numpy(object)
    first_author, author_tokens = normalise_authors(_column(frame, "authors"))
    pages = parse_pages(_column(frame, "pages"))
    # "P63" ~ "63"; every start page of a multi-range "230-5, 246-51, 233-8"
    page_digits = np.array([re.sub(r"\D", "", p[0]) or "-" for p in pages], dtype=object)
    page_starts = np.array([" " + " ".join(re.findall(r"(?:^|[,;+]\s*)([a-z]*\d+)",
                                                      str(raw).casefold())) + " "
                            for raw in _text(_column(frame, "pages"))], dtype=object)
    completeness = np.zeros(len(frame), dtype=np.int64)
    for name in COMPLETENESS_FIELDS:
        col = _column(frame, name)
        completeness += (col.notna() & (col.astype(str).str.strip() != "")).to_numpy()
    head = np.array([" ".join(x.split()[:3]) for x in title], dtype=object)
    generic = np.array([x != "" and (x.count(" ") < 2 or x in _GENERIC_TITLES) for x in title],
                       dtype=bool)
    fields = {
        "title": title,
        "title_head": head,
        "title_len": np.array([len(x) for x in title], dtype=np.int64),
        "generic": generic,
        "kind": title_kind(_column(frame, "title")),
        "first_author": first_author,
        "author_tokens": author_tokens,
        "year": parse_year(_column(frame, "year")),
        "journal": normalise_journal(journal),
        "journal_whole": normalise_journal(journal, whole=True),
        "volume": normalise_volume(_column(frame, "volume")),
        "issue": normalise_volume(_column(frame, "issue")),
        "page_first": np.array([p[0] for p in pages], dtype=object),
        "page_last": np.array([p[1] for p in pages], dtype=object),
        "page_digits": page_digits,
        "page_prefix": np.array([re.match(r"[a-z]*", p[0]).group() for p in pages],
                                dtype=object),
        "page_starts": page_starts,
        "multi_range": np.array([s_.count(" ") > 2 for s_ in page_starts], dtype=bool),
        "doi": normalise_doi(_column(frame, "doi")),
        "pmid": normalise_pmid(_column(frame, "pmid")),
        "completeness": completeness,
    }
    return ids, fields


# --------------------------------------------------------------------------------------------
# blocking


def _neighbour_pairs(keys: np.ndarray, valid: np.ndarray, window: int) -> np.ndarray:
    """Pairs (i, j) of records within *window* places of each other once sorted by *keys*."""
    idx = np.flatnonzero(valid)
    if idx.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = idx[np.argsort(keys[idx], kind="stable")]
    parts = [np.column_stack([order[:-k], order[k:]])
             for k in range(1, min(window, order.size - 1) + 1)]
    return np.concatenate(parts)


def _equal_key_pairs(keys: np.ndarray) -> np.ndarray:
    """Chain pairs linking records that share a non-empty *keys* value (sorted neighbours)."""
    idx = np.flatnonzero(keys != "")
    if idx.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = idx[np.argsort(keys[idx], kind="stable")]
    same = keys[order[1:]] == keys[order[:-1]]
    return np.column_stack([order[:-1][same], order[1:][same]])


def _candidate_pairs(f: dict[str, Any], window: int) -> np.ndarray:
    title, first, year = f["title"], f["first_author"], f["year"]
    n = title.size
    has_title = title != ""
    year_s = np.where(np.isnan(year), "", np.nan_to_num(year).astype(np.int64).astype(str))
    reversed_title = np.array([t[::-1] for t in title], dtype=object)
    sorted_tokens = np.array([" ".join(sorted(t.split(), key=lambda w: (-len(w), w)))
                              for t in title], dtype=object)
    author_year = first + "|" + year_s.astype(object) + "|" + title
    biblio = (f["page_first"] + "|" + f["volume"] + "|" + first)
    has_biblio = (f["page_first"] != "") & (f["volume"] != "")
    blocks = [
        _neighbour_pairs(title, has_title, window),
        _neighbour_pairs(reversed_title, has_title, window),
        _neighbour_pairs(sorted_tokens, has_title, window),
        _neighbour_pairs(author_year, first != "", window),
        _neighbour_pairs(biblio, has_biblio, window),
        _equal_key_pairs(f["doi"]),
        _equal_key_pairs(f["pmid"]),
    ]
    pairs = np.concatenate(blocks).astype(np.int64)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    code = np.sort(pairs[:, 0] * n + pairs[:, 1], kind="stable")
    code = code[np.r_[True, code[1:] != code[:-1]]] if code.size else code
    return np.column_stack([code // n, code % n])


# --------------------------------------------------------------------------------------------
# scoring


def _similarity(a: np.ndarray, b: np.ndarray, scorer: Any, workers: int,
                cutoff: float = 0.0) -> np.ndarray:
    """Element-wise similarity in [0, 1] of two arrays of strings (0 below *cutoff*)."""
    from rapidfuzz.process import cpdist

    if a.size == 0:
        return np.empty(0)
    out = cpdist(a.tolist(), b.tolist(), scorer=scorer, workers=workers, dtype=np.float32,
                 score_cutoff=cutoff * 100.0)
    return np.asarray(out, dtype=float) / 100.0


def _score_pairs(f: dict[str, Any], pairs: np.ndarray, workers: int) -> dict[str, np.ndarray]:
    from rapidfuzz import fuzz

    i, j = pairs[:, 0], pairs[:, 1]
    ti, tj = f["title"][i], f["title"][j]
    both_title = (ti != "") & (tj != "")
    doi_eq = (f["doi"][i] != "") & (f["doi"][i] == f["doi"][j])
    pmid_eq = (f["pmid"][i] != "") & (f["pmid"][i] == f["pmid"][j])
    t = np.full(i.size, np.nan)
    # the Indel similarity cannot exceed 2 min(len) / (len_a + len_b): skip hopeless pairs
    la, lb = f["title_len"][i], f["title_len"][j]
    bound = 2.0 * np.minimum(la, lb) / np.maximum(la + lb, 1)
    go = both_title & (bound >= _PREFILTER)
    t[both_title] = 0.0
    t[go] = _similarity(ti[go], tj[go], fuzz.ratio, workers, cutoff=_PREFILTER)
    # one title is the other's start (a subtitle dropped by one database): at least three
    # words in common at the start
    prefix = np.zeros(i.size, dtype=bool)
    maybe = both_title & (t < _PREFIX_CREDIT) & (f["title_head"][i] == f["title_head"][j])
    if maybe.any():
        prefix[maybe] = [
            (b.startswith(a + " ") if len(a) <= len(b) else a.startswith(b + " "))
            and min(a.count(" "), b.count(" ")) >= 2
            for a, b in zip(ti[maybe], tj[maybe])
        ]
    t = np.where(prefix, _PREFIX_CREDIT, t)
    keep = ~both_title | (t >= _PREFILTER) | doi_eq | pmid_eq
    i, j, t, doi_eq, pmid_eq = i[keep], j[keep], t[keep], doi_eq[keep], pmid_eq[keep]
    prefix = prefix[keep]

    ai, aj = f["author_tokens"][i], f["author_tokens"][j]
    both_auth = (ai != "") & (aj != "")
    a = np.full(i.size, np.nan)
    a[both_auth] = _similarity(ai[both_auth], aj[both_auth], fuzz.token_set_ratio, workers)
    fi, fj = f["first_author"][i], f["first_author"][j]
    first_eq = (fi != "") & (fi == fj)

    yi, yj = f["year"][i], f["year"][j]
    dy = np.abs(yi - yj)                              # NaN when either is missing
    y = np.where(dy == 0, 1.0, np.where(dy == 1, 0.5, np.where(np.isnan(dy), np.nan, 0.0)))

    vi, vj = f["volume"][i], f["volume"][j]
    both_vol = (vi != "") & (vj != "")
    v = np.where(both_vol, (vi == vj).astype(float), np.nan)

    pfi, pfj = f["page_first"][i], f["page_first"][j]
    pli, plj = f["page_last"][i], f["page_last"][j]
    both_pages = (pfi != "") & (pfj != "")
    # equal first pages, equal last pages, equal digits ("P63" ~ "63"), or one record giving
    # only the last page of the other's range ("488" ~ "487-488")
    pages_agree = ((pfi == pfj) | ((pli != "") & (pli == plj))
                   | (f["page_digits"][i] == f["page_digits"][j])
                   | ((pli == "") & (pfi == plj)) | ((plj == "") & (pfj == pli)))
    multi = both_pages & ~pages_agree & (f["multi_range"][i] | f["multi_range"][j])
    if multi.any():  # "233-238+230-235" vs "230-5, 246-51": any start page in common
        pages_agree[multi] = [f" {x} " in y_ or f" {y} " in x_ for x, y, x_, y_ in zip(
            pfi[multi], pfj[multi], f["page_starts"][i[multi]], f["page_starts"][j[multi]])]
    # different page schemes ("1-6" vs the e-locator "e12724") cannot be compared
    comparable = pages_agree | (f["page_prefix"][i] == f["page_prefix"][j])
    p = np.where(both_pages & comparable, pages_agree.astype(float), np.nan)

    ji, jj = f["journal"][i], f["journal"][j]
    both_j = (ji != "") & (jj != "")
    jv = np.full(i.size, np.nan)
    if both_j.any():
        wi, wj = f["journal_whole"][i][both_j], f["journal_whole"][j][both_j]
        jv[both_j] = [float(journal_compatible(x, y_) or journal_compatible(xw, yw))
                      for x, y_, xw, yw in zip(ji[both_j], jj[both_j], wi, wj)]

    weights = np.array([_W_TITLE, _W_AUTHORS, _W_YEAR, _W_VOLUME, _W_PAGES, _W_JOURNAL])
    values = np.column_stack([t, a, y, v, p, jv])
    avail = ~np.isnan(values)
    wsum = (avail * weights).sum(axis=1)
    score = np.where(wsum > 0, (np.nan_to_num(values) * weights).sum(axis=1) / np.where(
        wsum > 0, wsum, 1.0), 0.0)

    ii, ij = f["issue"][i], f["issue"][j]
    issue_conflict = (ii != "") & (ij != "") & (ii != ij)
    doi_conflict = (f["doi"][i] != "") & (f["doi"][j] != "") & ~doi_eq
    kind_conflict = f["kind"][i] != f["kind"][j]
    generic = f["generic"][i] | f["generic"][j]
    return {
        "i": i, "j": j, "title": t, "prefix": prefix, "authors": a,
        "first_author_equal": first_eq, "year": y, "dy": dy, "volume": v, "pages": p,
        "journal": jv, "score": score, "doi_equal": doi_eq,
        "pmid_equal": pmid_eq, "doi_conflict": doi_conflict, "kind_conflict": kind_conflict,
        "generic": generic, "issue_conflict": issue_conflict,
        "no_pages": (pfi == "") & (pfj == ""),
    }


def _decide(s: dict[str, np.ndarray], threshold: float, lo: float, hi: float
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Accepted and review masks, and a reason for every pair."""
    t, a, dy, v, p, jv, score = (s["title"], s["authors"], s["dy"], s["volume"], s["pages"],
                                 s["journal"], s["score"])
    has_t = ~np.isnan(t)
    veto = s["doi_conflict"] | s["kind_conflict"] | (dy > 1)
    v_eq, p_eq = v == 1.0, p == 1.0
    v_conflict, p_conflict = v == 0.0, p == 0.0
    # the issue decides only when neither record has pages (some exports put an EndNote
    # record number in the issue field)
    issue_conflict = s["issue_conflict"] & s["no_pages"]
    exact = (s["doi_equal"] | s["pmid_equal"]) & ~veto
    # a shared DOI/PMID with clearly different titles or pages is a data error (e.g. one DOI
    # for a whole supplement of conference abstracts): a person decides
    exact_ok = exact & (~has_t | (t >= _EXACT_TITLE_FLOOR)) & (~p_conflict | (t >= 0.97))
    # one year apart (online first vs print): volume or pages must agree, or the same
    # journal, title and authors with nothing conflicting
    year_ok = ((dy == 0) | np.isnan(dy) | ((dy == 1) & (v_eq | p_eq))
               | ((dy == 1) & (jv == 1.0) & (t >= 0.95) & (a >= 0.9)))
    author_ok = np.where(np.isnan(a), v_eq | p_eq | (jv == 1.0), a >= 0.5)
    corroborated = ~(np.isnan(v) & np.isnan(p) & np.isnan(jv))
    # volume, pages, year, authors and journal all agree: the title may differ more (a
    # database adds a section heading or drops a subtitle), whatever the score
    strong = v_eq & p_eq & (dy == 0) & (a >= 0.9) & (jv == 1.0)
    # same title, authors, volume and pages: one article, whatever the journal is called
    # ("Nephron" vs "Nephron Clinical Practice") or the year (online vs print)
    identical = (t >= 0.95) & (a >= 0.9) & v_eq & p_eq & (dy <= 1)
    # ... and same title, authors, year, journal and pages outweigh a differing volume (a
    # supplement number exported as the volume: "1" vs "64")
    v_outweighed = (t >= 0.95) & (a >= 0.9) & (dy == 0) & (jv == 1.0) & p_eq & v_conflict
    title_floor = np.where(strong, _TITLE_FLOOR_STRONG,
                           np.where(corroborated, _TITLE_FLOOR, _TITLE_FLOOR_ALONE))
    # a different journal name (conference vs journal, a reprint) needs pages to agree
    journal_ok = (jv != 0.0) | (p_eq & ~v_conflict)
    fuzzy = (has_t & (t >= title_floor)
             & ((score >= threshold) | strong | identical | v_outweighed) & ~veto
             & (~v_conflict | v_outweighed)
             & ~p_conflict & ~issue_conflict & year_ok & author_ok & journal_ok
             & (~s["generic"] | (v_eq & p_eq)))
    accepted = exact_ok | fuzzy
    # held back by evidence rather than by the score alone (a record without a title is
    # never merged automatically)
    held = (exact | (v_conflict & ~v_outweighed) | p_conflict | issue_conflict | s["generic"]
            | ~year_ok | ~journal_ok
            | ~author_ok | (has_t & (t < title_floor)) | ~has_t)
    review = ~accepted & ~veto & (((score >= lo) & ((score <= hi) | held)) | exact)

    reasons: list[str] = []
    for k in np.flatnonzero(accepted | review):
        if s["doi_equal"][k] and accepted[k]:
            reasons.append("doi")
            continue
        if s["pmid_equal"][k] and accepted[k]:
            reasons.append("pmid")
            continue
        parts = []
        if s["prefix"][k]:
            parts.append("title: one starts the other")
        elif has_t[k]:
            parts.append(f"title {t[k]:.2f}")
        else:
            parts.append("title missing")
        if not np.isnan(a[k]):
            parts.append(f"authors {a[k]:.2f}")
        if not np.isnan(dy[k]):
            parts.append("year equal" if dy[k] == 0 else "year differs by 1")
        for name, val in (("volume", v[k]), ("pages", p[k])):
            if not np.isnan(val):
                parts.append(f"{name} {'equal' if val == 1 else 'differs'}")
        if not np.isnan(jv[k]):
            parts.append("journal compatible" if jv[k] == 1 else "journal differs")
        if issue_conflict[k]:
            parts.append("issue differs")
        head = "fuzzy: " if has_t[k] else "bibliographic: "
        text = head + ", ".join(parts)
        if review[k]:
            held = []
            if s["doi_equal"][k] or s["pmid_equal"][k]:
                what = "titles" if has_t[k] and t[k] < _EXACT_TITLE_FLOOR else "pages"
                held.append("same " + ("DOI" if s["doi_equal"][k] else "PMID")
                            + f" but {what} differ")
            if (v_conflict[k] and not v_outweighed[k]) or p_conflict[k]:
                held.append("volume or pages differ")
            if issue_conflict[k]:
                held.append("issue differs")
            if not journal_ok[k]:
                held.append("journal differs without volume and pages agreeing")
            if not has_t[k]:
                held.append("a title is missing")
            elif t[k] < title_floor[k]:
                held.append(f"title similarity below {title_floor[k]:g}")
            if s["generic"][k]:
                held.append("short generic title")
            if not year_ok[k]:
                held.append("year differs without volume/pages agreeing")
            if not author_ok[k]:
                held.append("authors differ or are missing")
            if score[k] < threshold:
                held.append(f"score below {threshold:g}")
            text += "; held: " + ("; ".join(held) if held else "needs confirmation")
        reasons.append(text)
    return accepted, review, reasons


# --------------------------------------------------------------------------------------------
# clustering


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels


def _doi_conflicted(labels: np.ndarray, doi: np.ndarray) -> np.ndarray:
    """Component labels whose records carry two or more different DOIs."""
    has = doi != ""
    frame = pd.DataFrame({"c": labels[has], "d": doi[has]})
    counts = frame.groupby("c")["d"].nunique()
    return counts.index[counts > 1].to_numpy()


def find_duplicates(
    records: pd.DataFrame | Sequence[Any],
    *,
    id_column: str | None = None,
    threshold: float = 0.9,
    review_band: tuple[float, float] | None = None,
    window: int = 6,
    workers: int = 1,
    file: str | None = None,
) -> DedupResult:
    """Find duplicate records, returning clusters, the accepted links and pairs to review.

    Parameters
    ----------
    records : DataFrame or sequence of Record
        One row per record with (any of) the columns ``title, authors, year, journal, volume,
        issue, pages, doi, pmid, abstract``; a missing column counts as empty, except
        ``title``, which must exist (cells may be empty). Common export names are accepted
        too (:data:`FIELD_ALIASES`: ``author``, ``number``, ``booktitle`` for an empty journal).
        A sequence of :class:`metareview.review.records.Record` is converted with
        ``records_to_frame``.
    id_column : str, optional
        Column holding unique record identifiers; by default the frame's index.
    threshold : float
        Minimum combined score (0-1) for a fuzzy link to be accepted.
    review_band : (float, float), optional
        Pairs not accepted whose score lies in ``[lo, hi]`` go to ``pairs_for_review``, as do
        pairs scoring above ``hi`` but held back by evidence (volume or pages differ, a
        generic title, a year apart, ...). Default ``(min(0.75, threshold), threshold)``.
    window : int
        Sorted-neighbourhood window: each record is compared with the next ``window`` records
        under each of five sort keys (title, reversed title, title words by length, first
        author + year + title, first page + volume + first author).
    workers : int
        Threads for rapidfuzz (``-1``: all cores).
    file : str, optional
        Name of the source file, used in error messages only.

    Returns
    -------
    DedupResult

    Notes
    -----
    **Score** = weighted mean over the features both records have: title similarity (weight 4;
    Indel normalised similarity of the normalised titles, 0.90 credited when one title is the
    other plus a subtitle), author name tokens (2; token-set ratio), year (1; 1 if equal, 0.5
    if one year apart), volume (1), pages (1; first page, last page or page digits equal)
    and journal (0.5; abbreviation- and acronym-aware).

    **Never linked** (not even queued): two different DOIs; different kinds (erratum or
    correction, comment or reply, article); years more than one apart.

    **Exact**: a shared DOI or PMID links when the titles are at least 0.90 similar (and the
    pages agree unless the titles are at least 0.97 similar); otherwise it is queued.

    **Fuzzy** links need all of: score >= ``threshold`` (or one of the two overrides below);
    title similarity >= 0.85 (0.97 when neither volume, pages nor journal can corroborate;
    0.70 when volume, pages, year, authors >= 0.9 and journal all agree); authors >= 0.5
    (or, without authors, volume, pages or journal agreeing); equal volume and pages where
    both are given; equal issue where both are given and neither record has pages; year
    equal, or one apart with volume or pages agreeing or with the same journal, title
    >= 0.95 and authors >= 0.9; a different journal name only with agreeing pages; a short
    generic title (one or two words, "Editorial", ...) only with equal volume and pages.
    Overrides of the score: volume, pages, year, authors and journal all agree; or title
    >= 0.95, authors >= 0.9, equal volume and pages, year at most one apart; or title >= 0.95,
    authors >= 0.9, same year, journal and pages but a different volume (a supplement number
    exported as the volume). A record without a title is never linked automatically.

    **Clusters** are connected components of the links (Tarjan 1972, SIAM J Comput 1:146,
    doi:10.1137/0201010, via :func:`scipy.sparse.csgraph.connected_components`); a component
    holding two different DOIs has its fuzzy links moved to review. Each cluster keeps the
    most complete record (most non-empty of :data:`COMPLETENESS_FIELDS`), the first in input
    order on ties.
    """
    if not isinstance(records, pd.DataFrame):
        from metareview.review.records import records_to_frame

        records = records_to_frame(list(records))
    lo, hi = (min(0.75, threshold), threshold) if review_band is None else review_band
    for name, value in (("threshold", threshold), ("review_band", lo), ("review_band", hi)):
        if not 0.0 <= float(value) <= 1.0:
            raise InputError(f"must lie between 0 and 1, got {value!r}", column=name)
    if lo > hi:
        raise InputError(f"the lower bound {lo} exceeds the upper bound {hi}",
                         column="review_band", hint="give (low, high)")
    if window < 1:
        raise InputError(f"must be at least 1, got {window}", column="window")

    ids, f = _prepare(records, id_column, file)
    n = ids.size
    pairs = _candidate_pairs(f, window) if n > 1 else np.empty((0, 2), dtype=np.int64)
    s = _score_pairs(f, pairs, workers)
    accepted, review, reasons = _decide(s, threshold, lo, hi)
    reason_of = np.empty(s["i"].size, dtype=object)
    reason_of[np.flatnonzero(accepted | review)] = reasons
    exact = s["doi_equal"] | s["pmid_equal"]

    labels = _components(n, s["i"][accepted], s["j"][accepted])
    for _ in range(5):  # break chains that join records with different DOIs
        bad = _doi_conflicted(labels, f["doi"])
        if bad.size == 0:
            break
        hold = accepted & ~exact & np.isin(labels[s["i"]], bad)
        accepted &= ~hold
        review |= hold
        for k in np.flatnonzero(hold):
            reason_of[k] = str(reason_of[k]) + "; held: chain joins records with different DOIs"
        labels = _components(n, s["i"][accepted], s["j"][accepted])

    # number clusters by first appearance; keep the most complete record, first on ties
    _, first_pos, inverse = np.unique(labels, return_index=True, return_inverse=True)
    cluster_rank = np.argsort(np.argsort(first_pos))
    cluster_id = cluster_rank[inverse] + 1
    order = np.lexsort((np.arange(n), -f["completeness"], cluster_id))
    is_first = np.ones(n, dtype=bool)
    is_first[1:] = cluster_id[order][1:] != cluster_id[order][:-1]
    kept = np.zeros(n, dtype=bool)
    kept[order[is_first]] = True

    clusters = pd.DataFrame({"cluster_id": cluster_id, "record_id": ids, "kept": kept})
    clusters = clusters.sort_values(["cluster_id", "kept"], ascending=[True, False],
                                    kind="stable")

    def _frame(mask: np.ndarray) -> pd.DataFrame:
        idx = np.flatnonzero(mask)
        out = pd.DataFrame({"id_a": ids[s["i"][idx]], "id_b": ids[s["j"][idx]],
                            "reason": reason_of[idx].astype(str), "score": s["score"][idx]},
                           columns=_LINK_COLUMNS)
        exact_idx = exact[idx] & mask[idx] & ~review[idx]
        out.loc[exact_idx, "score"] = 1.0
        return out.reset_index(drop=True)

    return DedupResult(
        clusters=clusters.reset_index(drop=True),
        links=_frame(accepted),
        pairs_for_review=_frame(review).sort_values("score", ascending=False,
                                                    kind="stable").reset_index(drop=True),
        kept_ids=tuple(ids[kept]),
    )
