"""Transformations between an effect-size scale and its natural scale, vectorised.

Other modules call these to back-transform pooled estimates and confidence limits, e.g.
``transf_ilogit(res.estimate)`` for a pooled ``"PLO"`` or ``transf_ipft_hm(ci, ni=ni)`` for a
pooled ``"PFT"``. Names follow metafor's ``transf.*`` functions; each accepts a scalar or an
array and returns an ndarray of the same shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit

from metareview.errors import InputError

__all__ = [
    "exp",
    "transf_arcsin",
    "transf_iarcsin",
    "transf_ilogit",
    "transf_ipft",
    "transf_ipft_hm",
    "transf_logit",
    "transf_pft",
    "transf_rtoz",
    "transf_ztor",
]

FloatArray = NDArray[np.float64]


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def exp(x: ArrayLike) -> FloatArray:
    """Exponential: log odds/risk ratios and log ratios of means back to ratios.

    >>> exp([0.0]).tolist()
    [1.0]
    """
    return np.exp(_f(x))


def transf_logit(p: ArrayLike) -> FloatArray:
    """Logit, ``log(p / (1 - p))``.

    >>> transf_logit([0.5]).tolist()
    [0.0]
    """
    return np.asarray(logit(_f(p)), dtype=np.float64)


def transf_ilogit(x: ArrayLike) -> FloatArray:
    """Inverse logit, ``1 / (1 + exp(-x))`` (back-transformation of ``"PLO"``).

    >>> transf_ilogit([0.0]).tolist()
    [0.5]
    """
    return np.asarray(expit(_f(x)), dtype=np.float64)


def transf_rtoz(r: ArrayLike) -> FloatArray:
    """Fisher's r-to-z, ``atanh(r)`` (Fisher 1921, Metron 1:3-32).

    >>> transf_rtoz([0.0]).tolist()
    [0.0]
    """
    with np.errstate(divide="ignore"):
        return np.arctanh(_f(r))


def transf_ztor(z: ArrayLike) -> FloatArray:
    """Fisher's z back to a correlation, ``tanh(z)`` (back-transformation of ``"ZCOR"``).

    >>> transf_ztor([0.0]).tolist()
    [0.0]
    """
    return np.tanh(_f(z))


def transf_arcsin(p: ArrayLike) -> FloatArray:
    """Arcsine square-root transformation, ``asin(sqrt(p))``.

    >>> round(float(transf_arcsin(0.5)), 12)   # pi/4
    0.785398163397
    """
    return np.arcsin(np.sqrt(_f(p)))


def transf_iarcsin(x: ArrayLike) -> FloatArray:
    """Inverse arcsine square-root, ``sin(x)**2``, truncated to 0 below 0 and to 1 above
    pi/2 (back-transformation of ``"PAS"``; as metafor's ``transf.iarcsin``).

    >>> transf_iarcsin([np.pi / 4, -0.1, 2.0]).round(12).tolist()
    [0.5, 0.0, 1.0]
    """
    x = _f(x)
    z = np.sin(x) ** 2
    z = np.where(x < 0, 0.0, z)
    return np.where(x > np.arcsin(1.0), 1.0, z)


def transf_pft(p: ArrayLike, ni: ArrayLike) -> FloatArray:
    r"""Freeman-Tukey double arcsine of a proportion *p* observed in *ni* participants,
    :math:`\tfrac12(\arcsin\sqrt{x/(n+1)} + \arcsin\sqrt{(x+1)/(n+1)})` with :math:`x = pn`.

    References
    ----------
    Freeman MF, Tukey JW (1950). Ann Math Stat 21(4):607-611. doi:10.1214/aoms/1177729756

    >>> round(float(transf_pft(0.0, 10)), 12)   # asin(sqrt(1/11)) / 2
    0.153138684585
    """
    p, ni = _f(p), _f(ni)
    x = p * ni
    return 0.5 * (np.arcsin(np.sqrt(x / (ni + 1))) + np.arcsin(np.sqrt((x + 1) / (ni + 1))))


def transf_ipft(x: ArrayLike, ni: ArrayLike) -> FloatArray:
    r"""Inverse of the Freeman-Tukey double arcsine (Miller 1978), elementwise in *ni*.

    .. math::

        p = \tfrac12\left(1 - \operatorname{sgn}(\cos 2x)
            \sqrt{1 - \left(\sin 2x + \frac{\sin 2x - 1/\sin 2x}{n}\right)^2}\right),

    set to 0 below ``transf_pft(0, n)`` and to 1 above ``transf_pft(1, n)``; NaN where the
    square root is undefined (as metafor's ``transf.ipft``).

    References
    ----------
    Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation.
    Am Stat 32(4):138. doi:10.1080/00031305.1978.10479283

    >>> round(float(transf_ipft(transf_pft(0.3, 20), 20)), 12)
    0.3
    """
    x, ni = np.broadcast_arrays(_f(x), _f(ni))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2 * x)
        z = 0.5 * (1 - np.sign(np.cos(2 * x)) * np.sqrt(1 - (s + (s - 1 / s) / ni) ** 2))
    z = np.where(x > transf_pft(1.0, ni), 1.0, z)
    z = np.where(x < transf_pft(0.0, ni), 0.0, z)
    return np.asarray(z, dtype=np.float64)


def transf_ipft_hm(x: ArrayLike, *, ni: ArrayLike) -> FloatArray:
    r"""Inverse Freeman-Tukey transformation using the harmonic mean of the sample sizes,
    :math:`\tilde n = k / \sum_i 1/n_i` (Miller 1978), for pooled estimates and CI limits
    (as metafor's ``transf.ipft.hm``; NaN sample sizes are ignored).

    Parameters
    ----------
    x : array-like
        Values on the double-arcsine scale (a pooled estimate, CI or PI limits).
    ni : array-like of shape (k,)
        The sample sizes of the studies that were pooled.

    References
    ----------
    Miller JJ (1978). Am Stat 32(4):138. doi:10.1080/00031305.1978.10479283

    >>> round(float(transf_ipft_hm(transf_pft(0.25, 8.0), ni=[4, 8, 8])), 12)  # hm = 6; R: 0.242072118347369
    0.242072118347
    """
    n = _f(ni).reshape(-1)
    n = n[~np.isnan(n)]
    if n.size == 0 or np.any(n <= 0):
        raise InputError("the sample sizes for the harmonic mean must be positive numbers",
                         column="ni")
    nhm = 1.0 / np.mean(1.0 / n)
    return transf_ipft(x, nhm)


def natural(measure: str, x: ArrayLike, **kwargs: Any) -> FloatArray:
    """Back-transform *x* of *measure* to its natural scale (see ``MEASURES[code].back``).

    >>> natural("ZCOR", [0.0]).tolist()
    [0.0]
    """
    from metareview.effects._registry import get_measure

    return get_measure(measure).to_natural(x, **kwargs)
