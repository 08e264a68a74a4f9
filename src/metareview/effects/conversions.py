"""Standard conversions of reported summary statistics into the inputs ``escalc`` needs.

Every function is vectorised over studies (scalars broadcast), returns a :class:`Converted`
holding the new values and one :class:`~metareview.effects.Conversion` record per study row
it produced a value for (rows are 1-based positions in the arrays given). A NaN input means
"not reported": the output is NaN for that row and no record is written, so the functions can
be applied to a whole column in which only some studies report the needed form.
Impossible values (negative SEs, lower > upper, p outside (0, 1], n too small) raise
:class:`~metareview.errors.InputError` naming the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from scipy.stats import t as student_t

from metareview.effects._base import Conversion, FloatArray, fail, records_for
from metareview.errors import InputError

__all__ = [
    "Converted",
    "combine_groups",
    "mean_sd_from_median",
    "ri_from_paired_p",
    "ri_from_paired_t",
    "ri_from_sd_change",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
]

REF_HANDBOOK = ("Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures "
                "and computing estimates of effect. Cochrane Handbook for Systematic Reviews of "
                "Interventions v6.4")
REF_WAN = ("Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard "
           "deviation from the sample size, median, range and/or interquartile range. BMC Med "
           "Res Methodol 14:135. doi:10.1186/1471-2288-14-135")
REF_LUO = ("Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the "
           "sample size, median, mid-range, and/or mid-quartile range. Stat Methods Med Res "
           "27(6):1785-1805. doi:10.1177/0962280216669183")
REF_SHI = ("Shi J, Luo D, Weng H, Zeng XT, Lin L, Chu H, Tong T (2020). Optimally estimating "
           "the sample standard deviation from the five-number summary. Res Synth Methods "
           "11(5):641-654. doi:10.1002/jrsm.1429")
REF_MORRIS_DESHON = ("Morris SB, DeShon RP (2002). Combining effect size estimates in "
                     "meta-analysis with repeated measures and independent-groups designs. "
                     "Psychol Methods 7(1):105-125. doi:10.1037/1082-989X.7.1.105")
REF_ALTMAN_BLAND = ("Altman DG, Bland JM (2011). How to obtain the confidence interval from a "
                    "P value. BMJ 343:d2090. doi:10.1136/bmj.d2090")

T_BELOW_N = 60  # Cochrane Handbook 6.5.2.2: use a t quantile below about 60 per group


@dataclass(frozen=True)
class Converted:
    """Values produced by a conversion, with a record for each row converted.

    Attributes
    ----------
    values : mapping of str to ndarray
        The outputs by name (``"sd"``, ``"se"``, ``"mean"``, ``"ri"``, ``"n"``); also
        reachable as attributes (``res.sd``).
    records : tuple of Conversion
        One record per converted row (and output).

    Examples
    --------
    >>> res = sd_from_se([0.5, np.nan], [16, 25])
    >>> res.sd.tolist()[0], [r.row for r in res.records]
    (2.0, [1])
    """

    values: Mapping[str, FloatArray]
    records: tuple[Conversion, ...]

    def __getattr__(self, name: str) -> FloatArray:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def value(self) -> FloatArray:
        """The output when there is exactly one."""
        if len(self.values) != 1:
            raise AttributeError("several outputs; use .values[name]")
        return next(iter(self.values.values()))

    @property
    def rows(self) -> tuple[int, ...]:
        """1-based rows that were converted."""
        return tuple(sorted({r.row for r in self.records}))


def _arrays(**kw: ArrayLike | None) -> dict[str, FloatArray]:
    present = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in kw.items()
               if v is not None}
    try:
        shaped = np.broadcast_arrays(*present.values())
    except ValueError:
        sizes = ", ".join(f"{k} has {v.shape[0]}" for k, v in present.items())
        raise InputError(f"arguments have different lengths: {sizes}",
                         hint="give one value per study, or one value for all") from None
    out = {}
    for k, v in zip(present, shaped, strict=True):
        if v.ndim != 1:
            raise InputError(f"{k} must be one-dimensional", column=k)
        out[k] = np.array(v, dtype=np.float64)
    return out


def _done(values: dict[str, FloatArray], ok: NDArray[np.bool_], what: str, method: str,
          reference: str) -> Converted:
    for v in values.values():
        v[~ok] = np.nan
        v.setflags(write=False)
    return Converted(values, records_for(ok, what, method, reference))


def _crit(level: float, dist: str, n: FloatArray | None, name: str = "dist") -> FloatArray:
    if not 0 < level < 1:
        raise InputError(f"level must lie between 0 and 1 (got {level})", column="level")
    q = 1 - (1 - level) / 2
    if dist == "z":
        return np.asarray(norm.ppf(q), dtype=np.float64)
    if n is None:
        raise InputError(f"{name}={dist!r} needs the sample size n", column="n")
    zc = np.full(n.shape, norm.ppf(q))
    with np.errstate(invalid="ignore"):
        tc = student_t.ppf(q, n - 1)
    if dist == "t":
        return np.asarray(tc, dtype=np.float64)
    if dist == "auto":
        return np.where(n < T_BELOW_N, tc, zc)
    raise InputError(f"{name} must be 'z', 't' or 'auto' (got {dist!r})", column=name)


def sd_from_se(se: ArrayLike, n: ArrayLike, *, what: str = "sd") -> Converted:
    r"""Standard deviation from the standard error of a mean, :math:`SD = SE\sqrt{n}`.

    References
    ----------
    Cochrane Handbook v6.4, section 6.5.2.2 (Higgins, Li & Deeks 2023).

    Examples
    --------
    >>> float(sd_from_se(1.5, 36).sd[0])    # 1.5 * 6
    9.0
    """
    a = _arrays(se=se, n=n)
    fail(a["se"] < 0, "se", "se must not be negative", values=a["se"])
    fail(a["n"] < 1, "n", "n must be at least 1", values=a["n"])
    ok = np.isfinite(a["se"]) & np.isfinite(a["n"])
    return _done({"sd": a["se"] * np.sqrt(a["n"])}, ok, what, "sd = se * sqrt(n)",
                 f"{REF_HANDBOOK}, section 6.5.2.2")


def sd_from_ci(lower: ArrayLike, upper: ArrayLike, n: ArrayLike, *, level: float = 0.95,
               dist: str = "auto", what: str = "sd") -> Converted:
    r"""Standard deviation from a confidence interval for a mean,
    :math:`SD = \sqrt{n}\,(upper - lower) / (2 q)`.

    *q* is the :math:`1-(1-level)/2` quantile of the t distribution with :math:`n-1` degrees
    of freedom (``dist="t"``), of the standard normal (``"z"``, 1.96 for 95%), or, with
    ``"auto"`` (default), t for :math:`n < 60` and z otherwise (Cochrane Handbook v6.4,
    section 6.5.2.2).

    Examples
    --------
    >>> round(float(sd_from_ci(8.04, 11.96, 100, dist="z").sd[0]), 10)  # 10 * 3.92 / 3.919928
    10.0001837557
    """
    a = _arrays(lower=lower, upper=upper, n=n)
    fail(a["lower"] > a["upper"], "lower", "lower is above upper", values=a["lower"],
         hint="swap the limits, or check that they are a CI of the mean")
    fail(a["n"] < 2, "n", "n must be at least 2", values=a["n"])
    q = _crit(level, dist, a["n"])
    ok = np.isfinite(a["lower"]) & np.isfinite(a["upper"]) & np.isfinite(a["n"])
    sd = np.sqrt(a["n"]) * (a["upper"] - a["lower"]) / (2 * q)
    method = (f"sd = sqrt(n) * (upper - lower) / (2 * q), q the {level:g} two-sided "
              f"{'t (n < 60) or z' if dist == 'auto' else dist} quantile")
    return _done({"sd": sd}, ok, what, method, f"{REF_HANDBOOK}, section 6.5.2.2")


def se_from_ci(lower: ArrayLike, upper: ArrayLike, *, level: float = 0.95, dist: str = "z",
               n: ArrayLike | None = None, log: bool = False, what: str = "se") -> Converted:
    r"""Standard error of an estimate from its confidence interval,
    :math:`SE = (upper - lower) / (2 q)`; with ``log=True`` the limits of a ratio (OR, RR)
    are logged first. *q* as in :func:`sd_from_ci` (``dist="t"``/``"auto"`` need *n*).

    References
    ----------
    Cochrane Handbook v6.4, sections 6.3.1 and 6.3.2.

    Examples
    --------
    >>> round(float(se_from_ci(-1.96, 1.96).se[0]), 12)   # 3.92 / (2 * 1.959964)
    1.000018375572
    """
    a = _arrays(lower=lower, upper=upper, n=n)
    if log:
        for k in ("lower", "upper"):
            fail(~(a[k] > 0) & ~np.isnan(a[k]), k, f"{k} must be positive with log=True",
                 values=a[k], hint="a CI of a ratio is positive")
        a["lower"], a["upper"] = np.log(a["lower"]), np.log(a["upper"])
    fail(a["lower"] > a["upper"], "lower", "lower is above upper", values=a["lower"])
    q = _crit(level, dist, a.get("n"))
    ok = np.isfinite(a["lower"]) & np.isfinite(a["upper"])
    method = f"se = ({'log ' if log else ''}upper - {'log ' if log else ''}lower) / (2 * q)"
    return _done({"se": (a["upper"] - a["lower"]) / (2 * q)}, ok, what, method,
                 f"{REF_HANDBOOK}, sections 6.3.1-6.3.2")


def se_from_p(estimate: ArrayLike, p: ArrayLike, *, dist: str = "z",
              df: ArrayLike | None = None, what: str = "se") -> Converted:
    r"""Standard error from an estimate and its two-sided p-value,
    :math:`SE = |estimate| / q`, :math:`q = \Phi^{-1}(1 - p/2)` (``dist="z"``) or the t
    quantile with *df* degrees of freedom (``dist="t"``). Give ratio estimates on the log
    scale.

    References
    ----------
    Altman DG, Bland JM (2011). BMJ 343:d2090. doi:10.1136/bmj.d2090; Cochrane Handbook v6.4,
    section 6.3.2.

    Examples
    --------
    >>> round(float(se_from_p(1.96, 0.05).se[0]), 6)      # 1.96 / 1.959964
    1.000018
    """
    a = _arrays(estimate=estimate, p=p, df=df)
    fail(~((a["p"] > 0) & (a["p"] < 1)) & ~np.isnan(a["p"]), "p",
         "p must lie strictly between 0 and 1", values=a["p"],
         hint="a p-value of 1 (or reported as 'NS') gives no standard error")
    if dist == "z":
        q = norm.ppf(1 - a["p"] / 2)
    elif dist == "t":
        if "df" not in a:
            raise InputError("dist='t' needs df", column="df")
        fail(~(a["df"] > 0), "df", "df must be positive", values=a["df"])
        q = student_t.ppf(1 - a["p"] / 2, a["df"])
    else:
        raise InputError(f"dist must be 'z' or 't' (got {dist!r})", column="dist")
    fail(a["estimate"] == 0, "estimate", "an estimate of 0 gives no standard error from p",
         values=a["estimate"])
    ok = np.isfinite(a["estimate"]) & np.isfinite(a["p"])
    return _done({"se": np.abs(a["estimate"]) / q}, ok, what,
                 f"se = |estimate| / q, q the two-sided {dist} quantile of p",
                 f"{REF_ALTMAN_BLAND}; {REF_HANDBOOK}, section 6.3.2")


def combine_groups(n1: ArrayLike, m1: ArrayLike, sd1: ArrayLike, n2: ArrayLike,
                   m2: ArrayLike, sd2: ArrayLike, *, what: str = "n, mean, sd") -> Converted:
    r"""Combine two subgroups into one group (Cochrane Handbook v6.4, Table 6.5.a).

    .. math::

        N = n_1 + n_2,\quad M = \frac{n_1 M_1 + n_2 M_2}{N},\quad
        SD = \sqrt{\frac{(n_1-1)SD_1^2 + (n_2-1)SD_2^2
             + \frac{n_1 n_2}{N}(M_1^2 + M_2^2 - 2 M_1 M_2)}{N - 1}}

    Apply repeatedly to combine more than two subgroups.

    Examples
    --------
    >>> res = combine_groups(10, 5.0, 2.0, 10, 7.0, 2.0)
    >>> float(res.n[0]), float(res.mean[0]), round(float(res.sd[0]), 12)  # sqrt((72+20)/19)
    (20.0, 6.0, 2.200478416881)
    """
    a = _arrays(n1=n1, m1=m1, sd1=sd1, n2=n2, m2=m2, sd2=sd2)
    for k in ("sd1", "sd2"):
        fail(a[k] < 0, k, f"{k} must not be negative", values=a[k])
    for k in ("n1", "n2"):
        fail(a[k] < 1, k, f"{k} must be at least 1", values=a[k])
    n = a["n1"] + a["n2"]
    mean = (a["n1"] * a["m1"] + a["n2"] * a["m2"]) / n
    ss = ((a["n1"] - 1) * a["sd1"] ** 2 + (a["n2"] - 1) * a["sd2"] ** 2
          + a["n1"] * a["n2"] / n * (a["m1"] ** 2 + a["m2"] ** 2 - 2 * a["m1"] * a["m2"]))
    ok = np.all([np.isfinite(v) for v in a.values()], axis=0)
    return _done({"n": n, "mean": mean, "sd": np.sqrt(ss / (n - 1))}, ok, what,
                 "two subgroups combined into one group", f"{REF_HANDBOOK}, Table 6.5.a")


def _r_from_sds(sd1: FloatArray, sd2: FloatArray, sdc: FloatArray) -> FloatArray:
    return (sd1**2 + sd2**2 - sdc**2) / (2 * sd1 * sd2)


def _check_r(r: FloatArray, name: str) -> None:
    fail(np.abs(r) > 1 + 1e-12, name,
         "the reported SDs are inconsistent: the implied correlation lies outside [-1, 1]",
         values=r, hint="check the SDs (an SE given as an SD?) and the change-score SD")


def ri_from_sd_change(sd1: ArrayLike, sd2: ArrayLike, sd_change: ArrayLike, *,
                      what: str = "ri") -> Converted:
    r"""Pre-post correlation from the SD of the change scores,
    :math:`r = (SD_1^2 + SD_2^2 - SD_{change}^2) / (2 SD_1 SD_2)`.

    References
    ----------
    Morris & DeShon (2002), Psychol Methods 7(1):105-125, doi:10.1037/1082-989X.7.1.105;
    Cochrane Handbook v6.4, section 6.5.2.8.

    Examples
    --------
    >>> float(ri_from_sd_change(4.0, 4.0, 4.0).ri[0])    # (16 + 16 - 16) / 32
    0.5
    """
    a = _arrays(sd1=sd1, sd2=sd2, sd_change=sd_change)
    for k in a:
        fail(~(a[k] > 0) & ~np.isnan(a[k]), k, f"{k} must be positive", values=a[k])
    r = _r_from_sds(a["sd1"], a["sd2"], a["sd_change"])
    _check_r(r, "sd_change")
    ok = np.isfinite(r)
    return _done({"ri": np.clip(r, -1, 1)}, ok, what,
                 "r = (sd1^2 + sd2^2 - sd_change^2) / (2 sd1 sd2)",
                 f"{REF_MORRIS_DESHON}; {REF_HANDBOOK}, section 6.5.2.8")


def ri_from_paired_t(t: ArrayLike, m1: ArrayLike, m2: ArrayLike, sd1: ArrayLike,
                     sd2: ArrayLike, n: ArrayLike, *, what: str = "ri") -> Converted:
    r"""Pre-post correlation from a paired t statistic: :math:`SD_{change} =
    |M_1 - M_2|\sqrt{n}/|t|`, then :func:`ri_from_sd_change` (Morris & DeShon 2002, eq. 13).

    Examples
    --------
    >>> float(ri_from_paired_t(2.5, 12.0, 10.0, 4.0, 4.0, 25).ri[0])  # sd_change = 4
    0.5
    """
    a = _arrays(t=t, m1=m1, m2=m2, sd1=sd1, sd2=sd2, n=n)
    fail(a["t"] == 0, "t", "t = 0 gives no change-score SD", values=a["t"])
    fail(a["m1"] == a["m2"], "m1", "equal means give no change-score SD from t",
         values=a["m1"])
    fail(a["n"] < 2, "n", "n must be at least 2", values=a["n"])
    for k in ("sd1", "sd2"):
        fail(~(a[k] > 0) & ~np.isnan(a[k]), k, f"{k} must be positive", values=a[k])
    sdc = np.abs(a["m1"] - a["m2"]) * np.sqrt(a["n"]) / np.abs(a["t"])
    r = _r_from_sds(a["sd1"], a["sd2"], sdc)
    _check_r(r, "t")
    ok = np.isfinite(r)
    return _done({"ri": np.clip(r, -1, 1), "sd_change": sdc}, ok, what,
                 "sd_change = |m1 - m2| sqrt(n) / |t|; r = (sd1^2 + sd2^2 - sd_change^2) / "
                 "(2 sd1 sd2)", f"{REF_MORRIS_DESHON}; {REF_HANDBOOK}, section 6.5.2.8")


def ri_from_paired_p(p: ArrayLike, m1: ArrayLike, m2: ArrayLike, sd1: ArrayLike,
                     sd2: ArrayLike, n: ArrayLike, *, what: str = "ri") -> Converted:
    r"""Pre-post correlation from the two-sided p-value of a paired t test:
    :math:`t = F^{-1}_{t,n-1}(1 - p/2)`, then :func:`ri_from_paired_t`.

    Examples
    --------
    >>> res = ri_from_paired_p(0.05, 12.0, 10.0, 4.0, 4.0, 25)
    >>> round(float(res.sd_change[0]), 6)    # 2 * 5 / qt(0.975, 24) = 10 / 2.063899
    4.845199
    """
    a = _arrays(p=p, n=n)
    fail(~((a["p"] > 0) & (a["p"] < 1)) & ~np.isnan(a["p"]), "p",
         "p must lie strictly between 0 and 1", values=a["p"])
    fail(a["n"] < 2, "n", "n must be at least 2", values=a["n"])
    tval = student_t.ppf(1 - a["p"] / 2, a["n"] - 1)
    res = ri_from_paired_t(tval, m1, m2, sd1, sd2, a["n"], what=what)
    recs = tuple(Conversion(r.row, r.what, "t from the two-sided p with n - 1 df; " + r.method,
                            r.reference) for r in res.records)
    return Converted(res.values, recs)


# ---------------------------------------------------------------------------------------------
# mean and SD from the median with the IQR and/or the range
# ---------------------------------------------------------------------------------------------
MEDIAN_METHODS = ("luo_wan", "wan", "shi")


def _xi(n: FloatArray) -> FloatArray:
    return 2 * norm.ppf((n - 0.375) / (n + 0.25))


def _eta(n: FloatArray) -> FloatArray:
    return 2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def mean_sd_from_median(*, median: ArrayLike, n: ArrayLike, q1: ArrayLike | None = None,
                        q3: ArrayLike | None = None, min: ArrayLike | None = None,  # noqa: A002
                        max: ArrayLike | None = None, method: str = "luo_wan",  # noqa: A002
                        what: str = "mean, sd") -> Converted:
    r"""Estimate the sample mean and SD from the median with the IQR, the range, or both.

    Each row uses the richest summary it reports (Wan et al. 2014's scenarios):
    :math:`S_2 = \{a, q_1, m, q_3, b\}` (range and IQR), else :math:`S_3 = \{q_1, m, q_3\}`,
    else :math:`S_1 = \{a, m, b\}`, where *a*, *b* are the minimum and maximum. With
    :math:`\xi(n) = 2\Phi^{-1}\!\left(\frac{n-0.375}{n+0.25}\right)` and
    :math:`\eta(n) = 2\Phi^{-1}\!\left(\frac{0.75n-0.125}{n+0.25}\right)`:

    Mean, Luo et al. (2018) (``"luo_wan"``, ``"shi"``):

    * :math:`S_1`: :math:`w\frac{a+b}{2} + (1-w)m`, :math:`w = 4/(4+n^{0.75})` (eq. 7)
    * :math:`S_2`: :math:`w_1\frac{a+b}{2} + w_2\frac{q_1+q_3}{2} + (1-w_1-w_2)m`,
      :math:`w_1 = 2.2/(2.2+n^{0.75})`, :math:`w_2 = 0.7 - 0.72/n^{0.55}` (eq. 15)
    * :math:`S_3`: :math:`w\frac{q_1+q_3}{2} + (1-w)m`, :math:`w = 0.7 + 0.39/n` (eq. 11)

    Mean, Wan et al. (2014) (``"wan"``): :math:`(a+2m+b)/4`, :math:`(a+2q_1+2m+2q_3+b)/8`,
    :math:`(q_1+m+q_3)/3`.

    SD, Wan et al. (2014) (``"luo_wan"``, ``"wan"``): :math:`(b-a)/\xi(n)`,
    :math:`\frac{b-a}{2\xi(n)} + \frac{q_3-q_1}{2\eta(n)}`, :math:`(q_3-q_1)/\eta(n)`
    (eqs. 7, 12, 15; the Blom-type approximation of the expected range for every *n*, rather
    than the exact table values Wan et al. list for n <= 50).

    SD, Shi et al. (2020) (``"shi"``), for :math:`S_2`:
    :math:`\frac{b-a}{\theta_1(n)} + \frac{q_3-q_1}{\theta_2(n)}` with
    :math:`\theta_1 = (2 + 0.14 n^{0.6})\,\Phi^{-1}\!\left(\frac{n-0.375}{n+0.25}\right)`,
    :math:`\theta_2 = (2 + 2/(0.07 n^{0.6}))\,\Phi^{-1}\!\left(\frac{0.75n-0.125}{n+0.25}
    \right)` (eq. 11); for :math:`S_1` and :math:`S_3` Wan's estimators, which Shi et al.
    show are already optimal.

    All assume approximately normal data; for skewed data consider testing skewness first.

    Parameters
    ----------
    median, n : array-like of shape (k,)
        Median and sample size (n >= 2).
    q1, q3, min, max : array-like of shape (k,), optional
        Quartiles and range; NaN where a study does not report them.
    method : {"luo_wan", "wan", "shi"}
        The estimator pair.

    Returns
    -------
    Converted
        ``mean`` and ``sd``; records name the scenario and the estimators used.

    References
    ----------
    Wan X et al. (2014). BMC Med Res Methodol 14:135. doi:10.1186/1471-2288-14-135
    Luo D et al. (2018). Stat Methods Med Res 27(6):1785-1805. doi:10.1177/0962280216669183
    Shi J et al. (2020). Res Synth Methods 11(5):641-654. doi:10.1002/jrsm.1429

    Examples
    --------
    >>> res = mean_sd_from_median(median=[10.0], q1=[8.0], q3=[12.0], n=[100], method="wan")
    >>> float(res.mean[0])    # (8 + 10 + 12) / 3
    10.0
    """
    if method not in MEDIAN_METHODS:
        raise InputError(f"method={method!r} is not one of {', '.join(MEDIAN_METHODS)}",
                         column="method")
    a = _arrays(median=median, n=n, q1=q1, q3=q3, min=min, max=max)
    k = a["median"].shape[0]
    nan = np.full(k, np.nan)
    m, nn = a["median"], a["n"]
    lo, hi = a.get("min", nan), a.get("max", nan)
    qa, qb = a.get("q1", nan), a.get("q3", nan)
    fail(nn < 2, "n", "n must be at least 2", values=nn)
    fail(qa > m, "q1", "q1 is above the median", values=qa)
    fail(qb < m, "q3", "q3 is below the median", values=qb)
    fail(lo > np.fmin(m, qa), "min", "min is above the median or q1", values=lo)
    fail(hi < np.fmax(m, qb), "max", "max is below the median or q3", values=hi)
    have_iqr = np.isfinite(qa) & np.isfinite(qb)
    have_rng = np.isfinite(lo) & np.isfinite(hi)
    base = np.isfinite(m) & np.isfinite(nn)
    s2 = base & have_iqr & have_rng
    s3 = base & have_iqr & ~have_rng
    s1 = base & have_rng & ~have_iqr
    with np.errstate(invalid="ignore", divide="ignore"):
        xi, eta = _xi(nn), _eta(nn)
        if method == "wan":
            mean1 = (lo + 2 * m + hi) / 4
            mean2 = (lo + 2 * qa + 2 * m + 2 * qb + hi) / 8
            mean3 = (qa + m + qb) / 3
        else:
            w = 4 / (4 + nn**0.75)
            mean1 = w * (lo + hi) / 2 + (1 - w) * m
            w1, w2 = 2.2 / (2.2 + nn**0.75), 0.7 - 0.72 / nn**0.55
            mean2 = w1 * (lo + hi) / 2 + w2 * (qa + qb) / 2 + (1 - w1 - w2) * m
            w = 0.7 + 0.39 / nn
            mean3 = w * (qa + qb) / 2 + (1 - w) * m
        sd1 = (hi - lo) / xi
        sd3 = (qb - qa) / eta
        if method == "shi":
            th1 = (2 + 0.14 * nn**0.6) * xi / 2
            th2 = (2 + 2 / (0.07 * nn**0.6)) * eta / 2
            sd2 = (hi - lo) / th1 + (qb - qa) / th2
        else:
            sd2 = (hi - lo) / (2 * xi) + (qb - qa) / (2 * eta)
    mean = np.select([s2, s3, s1], [mean2, mean3, mean1], np.nan)
    sd = np.select([s2, s3, s1], [sd2, sd3, sd1], np.nan)
    mean_by = "Wan et al. 2014" if method == "wan" else "Luo et al. 2018"
    sd_by = {"wan": "Wan et al. 2014", "luo_wan": "Wan et al. 2014"}.get(method, "")
    ref_mean = REF_WAN if method == "wan" else REF_LUO
    records: list[Conversion] = []
    for mask, label in ((s2, "median, q1, q3, min, max (S2)"), (s3, "median, q1, q3 (S3)"),
                        (s1, "median, min, max (S1)")):
        by = sd_by or ("Shi et al. 2020" if mask is s2 else "Wan et al. 2014 (optimal per "
                                                                "Shi et al. 2020)")
        ref_sd = REF_SHI if (method == "shi" and mask is s2) else REF_WAN
        records.extend(records_for(mask, what, f"from {label}: mean by {mean_by}, sd by {by}",
                                   ref_mean if ref_mean == ref_sd else f"{ref_mean}; {ref_sd}"))
    records.sort(key=lambda r: r.row)
    mean.setflags(write=False)
    sd.setflags(write=False)
    return Converted({"mean": mean, "sd": sd}, tuple(records))
