"""Screening prioritisation: rank unscreened records by predicted relevance, simulate runs.

The approach is the one of ASReview (van de Schoot et al. 2021, "An open source machine
learning framework for efficient and transparent systematic reviews", Nat Mach Intell
3:125-133, doi:10.1038/s42256-020-00287-7): TF-IDF features of title and abstract, a
naive Bayes or logistic-regression classifier trained on the records labelled so far, and
"certainty-based" active learning (screen the record the model finds most likely relevant,
retrain, repeat). scikit-learn is imported inside the functions (it is heavy and optional).

Measures of a screening order (``labels`` in the order screened, 1 = relevant):

* recall after screening ``m`` records: relevant found / all relevant;
* WSS@R, work saved over sampling at recall R (Cohen, Hersh, Peterson & Yen 2006,
  "Reducing workload in systematic review preparation using automated citation
  classification", J Am Med Inform Assoc 13:206-219, doi:10.1197/jamia.M1929):
  ``WSS@R = (TN + FN) / N - (1 - R)``, where ``TN + FN = N - n_R`` are the records left
  unscreened when ``ceil(R x relevant)`` relevant records have been found after ``n_R``;
* RRF@x / recall@x: recall after screening ``ceil(x N)`` records (Ferdinands 2020).

Examples
--------
>>> order = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # two relevant, found 1st and 3rd of 10
>>> round(wss(order, recall=0.95), 12)  # n_R = 3: (10 - 3) / 10 - 0.05
0.65
>>> recall_at(order, fraction=0.1)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.review.screening_stopping import StoppingResult, first_stop

__all__ = [
    "DoubleBalance",
    "Ranker",
    "SimulationResult",
    "n_to_recall",
    "recall_at",
    "recall_curve",
    "record_texts",
    "double_balance_n_included",
    "default_balance",
    "double_balance_sample",
    "simulate",
    "wss",
]

_MODELS = ("nb", "logistic")
#: MultinomialNB smoothing ASReview tuned for its default model (van de Schoot et al. 2021)
_NB_ALPHA = 3.822


# ------------------------------------------------------------------------------ measures


def _labels(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0:
        raise InputError("labels must be a non-empty one-dimensional sequence", column="labels")
    bad = np.flatnonzero(~np.isin(y, (0, 1)))
    if bad.size:
        raise InputError(f"labels must be 0 or 1, got {y[bad[0]]!r}",
                         row=[int(i) + 1 for i in bad], column="labels")
    if y.sum() == 0:
        raise InputError("no relevant record: recall is undefined", column="labels",
                         hint="the labelled set needs at least one included record")
    return y.astype(np.int64)


def n_to_recall(labels: Sequence[int] | np.ndarray, *, recall: float = 0.95) -> int:
    """Records screened (in the given order) until ``ceil(recall x relevant)`` are found."""
    y = _labels(labels)
    if not 0 < recall <= 1:
        raise InputError(f"recall must lie in (0, 1], got {recall}", column="recall")
    needed = math.ceil(round(recall * int(y.sum()), 9))
    return int(np.searchsorted(np.cumsum(y), needed) + 1)


def wss(labels: Sequence[int] | np.ndarray, *, recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall`` (Cohen et al. 2006, JAMIA 13:206).

    ``WSS@R = (N - n_R) / N - (1 - R)`` with ``n_R`` from :func:`n_to_recall`.
    """
    y = _labels(labels)
    n = y.size
    return (n - n_to_recall(y, recall=recall)) / n - (1.0 - recall)


def recall_at(labels: Sequence[int] | np.ndarray, *, fraction: float = 0.1) -> float:
    """Recall after screening ``ceil(fraction x N)`` records of the order (RRF@x)."""
    y = _labels(labels)
    if not 0 < fraction <= 1:
        raise InputError(f"fraction must lie in (0, 1], got {fraction}", column="fraction")
    m = math.ceil(round(fraction * y.size, 9))
    return float(y[:m].sum() / y.sum())


def recall_curve(labels: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Recall after each record screened.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_screened, fraction_screened, n_found, recall``, one row per record.
    """
    y = _labels(labels)
    found = np.cumsum(y)
    m = np.arange(1, y.size + 1)
    return pd.DataFrame(
        {"n_screened": m, "fraction_screened": m / y.size, "n_found": found,
         "recall": found / found[-1]}
    )


# ------------------------------------------------------------------------------ balance


@dataclass(frozen=True)
class DoubleBalance:
    """ASReview's "double" dynamic-resampling balance strategy and its parameters.

    Before each training, the labelled set of ``n = n1 + n0`` records (``n1`` relevant) is
    resampled to ``n`` rows whose share of relevant rows grows with the imbalance and
    with the number of records read. Weights (ASReview v1 defaults in brackets):

    * relevant: ``w1 = a x (n1 / n0) ** (-alpha)`` (a = 2.155, alpha = 0.94);
    * irrelevant: ``w0 = 1 - (1 - b) x (1 + ln n) ** (-beta)`` (b = 0.789, beta = 1);

    the number of relevant rows is ``n1' = n x w1 n1 / (w1 n1 + w0 n0)``, rounded down or
    up at random with the probability of its fractional part, then clamped to
    ``[1, n - 2]``; the other ``n0' = n - n1'`` rows are irrelevant. Each class fills its
    rows with whole copies of its records plus a sample without replacement for the rest.

    Notes
    -----
    The strategy and its tuned defaults are those of ASReview v1
    (``asreview.models.balance.DoubleBalance``; van de Schoot et al. 2021, "An open source
    machine learning framework for efficient and transparent systematic reviews", Nat Mach
    Intell 3:125-133, doi:10.1038/s42256-020-00287-7; Ferdinands et al. 2023, "Performance
    of active learning models for screening prioritization in systematic reviews: a
    simulation study into the Average Time to Discover relevant records", Syst Rev 12:100,
    doi:10.1186/s13643-023-02257-7).
    """

    a: float = 2.155
    alpha: float = 0.94
    b: float = 0.789
    beta: float = 1.0

    def __post_init__(self) -> None:
        for name in ("a", "alpha", "b", "beta"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InputError(f"DoubleBalance {name} must be a finite number, got {v!r}",
                                 column=name)
        if self.a <= 0:
            raise InputError(f"DoubleBalance a must be positive, got {self.a}", column="a")


def double_balance_n_included(n_included: int, n_excluded: int, *,
                              params: DoubleBalance = DoubleBalance()) -> float:
    """Expected number of relevant rows in the double-balanced training set (unrounded).

    ``n x w1 n1 / (w1 n1 + w0 n0)`` with the weights of :class:`DoubleBalance`, before the
    random rounding and the clamping to ``[1, n - 2]``.

    Examples
    --------
    >>> round(double_balance_n_included(1, 1), 6)  # 2 x 2.155 / (2.155 + w0), w0 = 0.875380
    1.422264
    """
    if n_included < 1 or n_excluded < 1:
        raise InputError(
            f"double balance needs both classes, got {n_included} relevant and "
            f"{n_excluded} irrelevant records", column="labels",
            hint="screen at least one relevant and one irrelevant record")
    n = n_included + n_excluded
    w1 = params.a * (n_included / n_excluded) ** (-params.alpha)
    w0 = 1.0 - (1.0 - params.b) * (1.0 + math.log(n)) ** (-params.beta)
    return n * w1 * n_included / (w1 * n_included + w0 * n_excluded)


def _fill(src: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` rows of ``src``: whole copies, then a sample without replacement."""
    copies = k // src.size
    return np.concatenate([np.tile(src, copies),
                           rng.choice(src, k - copies * src.size, replace=False)])


def double_balance_sample(y_train: np.ndarray, *, rng: np.random.Generator,
                          params: DoubleBalance = DoubleBalance()) -> np.ndarray:
    """Positions in ``y_train`` forming the double-balanced training set (see
    :class:`DoubleBalance`); as many rows as ``y_train``, shuffled."""
    y = np.asarray(y_train)
    one = np.flatnonzero(y == 1)
    zero = np.flatnonzero(y == 0)
    n = y.size
    expected = double_balance_n_included(one.size, zero.size, params=params)
    k1 = int(math.floor(expected))
    if rng.random() < expected - k1:
        k1 += 1
    k1 = max(1, min(n - 2, k1))
    idx = np.concatenate([_fill(one, k1, rng), _fill(zero, n - k1, rng)])
    rng.shuffle(idx)
    return idx


_BALANCES = ("weighted", "double", "none")


def _balance_spec(balance: bool | str | DoubleBalance) -> str | DoubleBalance:
    """Normalise ``balance``: "weighted" (also True), "none" (also False) or a DoubleBalance."""
    if isinstance(balance, DoubleBalance):
        return balance
    if balance is True:
        return "weighted"
    if balance is False:
        return "none"
    if balance == "double":
        return DoubleBalance()
    if balance in ("weighted", "none"):
        return balance
    raise InputError(f"unknown balance {balance!r}", column="balance",
                     hint=f"choose one of {', '.join(_BALANCES)}, True/False, or a "
                          "DoubleBalance(a=..., alpha=..., b=..., beta=...)")


def default_balance(model: str) -> str:
    """The balance used when none is given: ``"weighted"`` for every model.

    ASReview's ``"double"`` resampling with its v1 defaults was measured for naive Bayes
    and did not close the gap to ASReview's published figures: over 3 seeds its WSS@95
    was lower than equal-total-weight weighting on ace (74.6 vs 76.3), nudging (55.5 vs
    61.4) and virus (60.4 vs 67.9) and higher only on wilson (83.9 vs 80.2), see
    bench/README_screening.md. The published figures used settings tuned on each data set.
    """
    _check_model(model)
    return "weighted"


# ------------------------------------------------------------------------------ features


def record_texts(frame: pd.DataFrame, *, columns: Sequence[str] = ("title", "abstract"),
                 file: str | None = None) -> list[str]:
    """Title and abstract joined into one text per record (missing parts are empty).

    Raises
    ------
    InputError
        When a column is missing.
    """
    for col in columns:
        if col not in frame.columns:
            raise InputError(f"missing text column {col!r}", file=file, column=col,
                             hint=f"the records need the columns {', '.join(columns)}")
    parts = [frame[c].fillna("").astype(str) for c in columns]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined.str.cat(p, sep=" ")
    return joined.str.strip().to_list()


def _vectorizer(*, ngram_range: tuple[int, int], min_df: int, max_features: int | None,
                stop_words: str | None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(stop_words=stop_words, ngram_range=ngram_range, min_df=min_df,
                           max_features=max_features, sublinear_tf=False)


def _classifier(model: str, seed: int | None, nb_alpha: float = _NB_ALPHA):
    if model == "nb":
        from sklearn.naive_bayes import MultinomialNB

        return MultinomialNB(alpha=nb_alpha)
    from sklearn.linear_model import LogisticRegression

    # the dual liblinear solver: ~20x faster than the primal one on sparse TF-IDF with
    # few labelled records (bench/README_screening.md)
    return LogisticRegression(C=1.0, solver="liblinear", dual=True, max_iter=1000,
                              random_state=seed)


def _fit_scores(x_train, y_train: np.ndarray, x_pool, *, model: str, seed: int | None,
                balance: str | DoubleBalance,
                rng: np.random.Generator | None = None,
                nb_alpha: float = _NB_ALPHA) -> np.ndarray:
    """Fit on the labelled rows and return P(relevant) for the pool rows."""
    clf = _classifier(model, seed, nb_alpha)
    weight = None
    if isinstance(balance, DoubleBalance):
        idx = double_balance_sample(y_train, rng=rng, params=balance)
        x_train, y_train = x_train[idx], y_train[idx]
    elif balance == "weighted":
        n1 = int(y_train.sum())
        n0 = y_train.size - n1
        # give both classes the same total weight (relevant records are rare)
        weight = np.where(y_train == 1, y_train.size / (2.0 * n1), y_train.size / (2.0 * n0))
    clf.fit(x_train, y_train, sample_weight=weight)
    col = int(np.flatnonzero(clf.classes_ == 1)[0])
    return clf.predict_proba(x_pool)[:, col]


def _check_model(model: str) -> None:
    if model not in _MODELS:
        raise InputError(f"unknown model {model!r}", column="model",
                         hint=f"choose one of {', '.join(_MODELS)}")


class Ranker:
    """Orders unscreened records by predicted relevance, retrained as decisions arrive.

    Parameters
    ----------
    model : {"logistic", "nb"}
        L2-penalised logistic regression (C = 1, the default: on the benchmark sets its
        WSS@95 is within 1.2 points of ASReview's published LR + TF-IDF figures on three
        sets and 6.7 points above on the fourth, and above our naive Bayes on 8 of 10) or
        multinomial naive Bayes (ASReview's long-time default, alpha 3.822).
    balance : bool, {"weighted", "double", "none"} or DoubleBalance
        How the rare relevant class is balanced in training. ``True`` / ``"weighted"``:
        sample weights giving both classes the same total weight; ``"double"`` or a
        :class:`DoubleBalance` instance (its ``a, alpha, b, beta``): ASReview's dynamic
        resampling; ``False`` / ``"none"``: no balancing. None (the default) chooses
        the model's default, see :func:`default_balance`.
    ngram_range, min_df, max_features, stop_words
        Passed to scikit-learn's ``TfidfVectorizer``. Stop words are kept by default
        (``stop_words="english"`` removes them): on the benchmark sets keeping them gave a
        higher WSS@95 on three of four ASReview sets (bench/README_screening.md).
    seed : int, optional
        For the logistic solver and the double-balance resampling.

    Notes
    -----
    van de Schoot et al. (2021), Nat Mach Intell 3:125, doi:10.1038/s42256-020-00287-7.
    The TF-IDF vocabulary and weights are learnt from every text the ranker has seen,
    labelled or not (feature extraction is unsupervised), so pass the unscreened records
    as ``unlabelled`` to :meth:`fit`, or rank them, which refits the features on them.

    Examples
    --------
    >>> r = Ranker().fit(["statin trial in adults", "a survey of bird song"], [1, 0])
    >>> r.rank(["bird migration survey", "randomised statin trial"]).tolist()
    [1, 0]
    """

    def __init__(
        self,
        *,
        model: str = "logistic",
        balance: bool | str | DoubleBalance | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 1,
        max_features: int | None = None,
        stop_words: str | None = None,
        seed: int | None = 0,
    ) -> None:
        _check_model(model)
        self.model = model
        self.balance = _balance_spec(default_balance(model) if balance is None else balance)
        self._rng = np.random.default_rng(seed)
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.stop_words = stop_words
        self.seed = seed
        self._texts: list[str] = []
        self._labels: list[int] = []
        self._unlabelled: list[str] = []

    @property
    def n_labelled(self) -> int:
        """Records the ranker has been trained on."""
        return len(self._labels)

    def fit(self, texts: Sequence[str], labels: Sequence[int], *,
            unlabelled: Sequence[str] = ()) -> Ranker:
        """Train on labelled records (replacing earlier training data); returns self."""
        self._texts, self._labels = [], []
        self._unlabelled = list(unlabelled)
        return self.update(texts, labels)

    def update(self, texts: Sequence[str], labels: Sequence[int]) -> Ranker:
        """Add newly decided records and retrain; returns self.

        Raises
        ------
        InputError
            Lengths differ, a label is not 0/1, or the training set lacks a relevant or an
            irrelevant record (a classifier needs both).
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} texts but {len(labels)} labels", column="labels")
        bad = [i + 1 for i, v in enumerate(labels) if v not in (0, 1) or isinstance(v, bool)]
        if bad:
            raise InputError(f"labels must be 0 or 1, got {labels[bad[0] - 1]!r}", row=bad,
                             column="labels")
        all_labels = self._labels + [int(v) for v in labels]
        if 0 not in all_labels or 1 not in all_labels:
            raise InputError(
                "the ranker needs at least one relevant (1) and one irrelevant (0) record",
                column="labels", hint="screen a few more records before ranking",
            )
        self._texts += [str(t) for t in texts]
        self._labels = all_labels
        self._fitted_on: tuple[int, int] | None = None
        return self

    def _train(self, pool: list[str]) -> tuple[Any, Any]:
        vec = _vectorizer(ngram_range=self.ngram_range, min_df=self.min_df,
                          max_features=self.max_features, stop_words=self.stop_words)
        vec.fit(self._texts + self._unlabelled + pool)
        return vec, vec.transform(self._texts)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Predicted probability that each record is relevant."""
        if not self._labels:
            raise InputError("the ranker has not been trained", hint="call fit() first")
        pool = [texts] if isinstance(texts, str) else [str(t) for t in texts]
        vec, x_train = self._train(pool)
        return _fit_scores(x_train, np.asarray(self._labels), vec.transform(pool),
                           model=self.model, seed=self.seed, balance=self.balance,
                           rng=self._rng)

    def rank(self, texts: Sequence[str]) -> np.ndarray:
        """Positions of ``texts`` from most to least likely relevant (ties keep order)."""
        s = self.scores(texts)
        return np.argsort(-s, kind="stable")


# ------------------------------------------------------------------------------ simulation


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """A simulated prioritised screening run over a fully labelled set.

    Attributes
    ----------
    order : numpy.ndarray
        Row positions of the frame in the order screened (priors first).
    labels : numpy.ndarray
        The labels in that order.
    prior : numpy.ndarray
        Row positions of the prior-knowledge records (screened first).
    n_retrain : int
        How many times the model was trained.
    model, seed
        The settings of the run.
    """

    order: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    prior: np.ndarray
    n_records: int
    n_included: int
    n_retrain: int
    model: str
    seed: int | None

    def wss(self, *, recall: float = 0.95) -> float:
        """WSS@recall of this run (see :func:`wss`)."""
        return wss(self.labels, recall=recall)

    def recall_at(self, *, fraction: float = 0.1) -> float:
        """Recall after screening ``fraction`` of the records."""
        return recall_at(self.labels, fraction=fraction)

    def n_to_recall(self, *, recall: float = 0.95) -> int:
        """Records screened until ``recall`` is reached."""
        return n_to_recall(self.labels, recall=recall)

    def recall_curve(self) -> pd.DataFrame:
        """See :func:`recall_curve`."""
        return recall_curve(self.labels)

    def stop_point(self, *, recall_target: float = 0.95, confidence: float = 0.95,
                   every: int = 1) -> StoppingResult | None:
        """Where the hypergeometric stopping rule first allows stopping in this run.

        See :func:`metareview.review.screening_stopping.first_stop` (Callaghan &
        Müller-Hansen 2020, Syst Rev 9:254). None when it never does before the end.
        """
        return first_stop(self.labels, n_total=self.n_records, recall_target=recall_target,
                          confidence=confidence, every=every)

    def summary(self) -> pd.DataFrame:
        """One row: ``model, seed, n_records, n_included, n_retrain, wss95, recall_at_10,
        n_to_95``."""
        return pd.DataFrame(
            [[self.model, self.seed, self.n_records, self.n_included, self.n_retrain,
              self.wss(recall=0.95), self.recall_at(fraction=0.1),
              self.n_to_recall(recall=0.95)]],
            columns=["model", "seed", "n_records", "n_included", "n_retrain", "wss95",
                     "recall_at_10", "n_to_95"],
        )

    to_frame = summary


def _label_vector(frame: pd.DataFrame, column: str, file: str | None) -> np.ndarray:
    if column not in frame.columns:
        raise InputError(f"missing label column {column!r}", file=file, column=column,
                         hint="name the 0/1 inclusion column with label_column=")
    raw = frame[column].reset_index(drop=True)
    ok = raw.isin([0, 1]) & raw.notna()
    if not ok.all():
        bad = (np.flatnonzero(~ok.to_numpy()) + 1).tolist()
        raise InputError(f"labels must be 0 or 1, got {raw.iloc[bad[0] - 1]!r}", file=file,
                         row=bad, column=column)
    return raw.to_numpy().astype(np.int64)


def simulate(
    frame: pd.DataFrame,
    *,
    label_column: str = "label_included",
    text_columns: Sequence[str] = ("title", "abstract"),
    prior_included: int = 1,
    prior_excluded: int = 1,
    seed: int | None = 0,
    model: str = "logistic",
    balance: bool | str | DoubleBalance | None = None,
    stop_words: str | None = None,
    ngram_range: tuple[int, int] = (1, 1),
    nb_alpha: float = _NB_ALPHA,
    growth: float = 0.02,
    max_batch: int | None = None,
    file: str | None = None,
) -> SimulationResult:
    """Simulate prioritised screening of a fully labelled set.

    Starting from ``prior_included`` relevant and ``prior_excluded`` irrelevant records drawn
    at random (``seed``), the model is trained, the top-ranked unscreened records are
    "screened" (their labels revealed), and the model is retrained; the batch screened
    between retrainings is ``max(1, floor(growth x labelled))`` (capped by ``max_batch``),
    so early decisions retrain at once and later ones in growing batches. Once every
    relevant record is found, the rest follow in the last model's order.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per record, with the text columns and a 0/1 label column.
    label_column, text_columns : str, sequence of str
    prior_included, prior_excluded : int
        Prior knowledge, as in ASReview's simulation mode.
    seed : int, optional
        Chooses the prior records and drives the double-balance resampling (and seeds
        the logistic solver); a run is reproducible for a given seed.
    model, balance, stop_words, ngram_range
        See :class:`Ranker`.
    nb_alpha : float
        Smoothing of the naive Bayes model (ASReview's default 3.822).
    growth : float
        Batch size as a fraction of the records labelled so far.
    max_batch : int, optional
        Upper bound on a batch.
    file : str, optional
        Named in error messages.

    Returns
    -------
    SimulationResult

    Notes
    -----
    The TF-IDF features are computed once on all records (unsupervised, as in ASReview).
    Prior records count as screened (they open the order), which makes WSS slightly lower
    than in studies that leave them out.
    """
    _check_model(model)
    bal = _balance_spec(default_balance(model) if balance is None else balance)
    y = _label_vector(frame, label_column, file)
    texts = record_texts(frame, columns=text_columns, file=file)
    n = y.size
    inc = np.flatnonzero(y == 1)
    exc = np.flatnonzero(y == 0)
    for name, want, have in (("prior_included", prior_included, inc.size),
                             ("prior_excluded", prior_excluded, exc.size)):
        if isinstance(want, bool) or not isinstance(want, int) or want < 1 or want > have:
            raise InputError(f"{name} must be an integer from 1 to {have}, got {want!r}",
                             file=file, column=name)
    if not (isinstance(nb_alpha, (int, float)) and not isinstance(nb_alpha, bool)
            and nb_alpha > 0):
        raise InputError(f"nb_alpha must be a positive number, got {nb_alpha!r}",
                         column="nb_alpha")
    if not growth > 0:
        raise InputError(f"growth must be positive, got {growth}", column="growth")
    rng = np.random.default_rng(seed)
    prior = np.concatenate([rng.choice(inc, prior_included, replace=False),
                            rng.choice(exc, prior_excluded, replace=False)])
    x = _vectorizer(ngram_range=ngram_range, min_df=1, max_features=None,
                    stop_words=stop_words).fit_transform(texts)
    x = x.tocsr()

    screened = np.zeros(n, dtype=bool)
    screened[prior] = True
    order = [int(i) for i in prior]
    n_found = int(y[prior].sum())
    n_retrain = 0
    total = int(inc.size)
    while len(order) < n:
        pool = np.flatnonzero(~screened)
        lab = np.asarray(order)
        s = _fit_scores(x[lab], y[lab], x[pool], model=model, seed=seed, balance=bal,
                        rng=rng, nb_alpha=nb_alpha)
        n_retrain += 1
        ranked = pool[np.argsort(-s, kind="stable")]
        if n_found == total:  # everything relevant found: the rest in this model's order
            take = ranked
        else:
            batch = max(1, int(growth * len(order)))
            if max_batch is not None:
                batch = min(batch, max_batch)
            take = ranked[:batch]
        screened[take] = True
        order.extend(int(i) for i in take)
        n_found += int(y[take].sum())
    idx = np.asarray(order)
    return SimulationResult(order=idx, labels=y[idx], prior=prior, n_records=n,
                            n_included=total, n_retrain=n_retrain, model=model, seed=seed)
