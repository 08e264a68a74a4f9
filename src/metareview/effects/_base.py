"""Shared pieces of the effect-size layer: the result class, the measure registry and the
input checks that turn bad data into :class:`~metareview.errors.InputError` messages naming
the study rows (1-based) and the argument at fault.

Nothing here imports pandas at module level; :meth:`Effects.to_frame` imports it when called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from metareview.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Conversion",
    "Effects",
    "Measure",
    "MEASURES",
    "register",
]

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------------------------------
# records of what was changed
# ---------------------------------------------------------------------------------------------
class Conversion(NamedTuple):
    """One change applied to one study row on the way to an effect size.

    An immutable record (a named tuple, cheap enough to make one per study for a million
    studies).

    Attributes
    ----------
    row : int
        1-based study row, as a user sees it in a spreadsheet (header not counted).
    what : str
        What was changed or derived (for example ``"sd1i"`` or ``"ai, bi, ci, di"``).
    method : str
        How (for example ``"sd = se * sqrt(n)"`` or ``"added 0.5 to every cell"``).
    reference : str
        The source of the method.
    """

    row: int
    what: str
    method: str
    reference: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self._asdict())


def records_for(mask: NDArray[np.bool_], what: str, method: str,
                reference: str) -> tuple[Conversion, ...]:
    """One :class:`Conversion` per True entry of *mask* (rows reported 1-based)."""
    rows = (np.flatnonzero(mask) + 1).tolist()
    return tuple(Conversion(r, what, method, reference) for r in rows)


# ---------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------
def _readonly(values: Any) -> FloatArray:
    arr = np.array(values, dtype=np.float64, copy=True).reshape(-1)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Effects:
    """Effect sizes ``yi`` and their sampling variances ``vi``, one per study.

    Made by :func:`metareview.effects.escalc`; consumed by the model-fitting layer.
    The arrays are read-only copies.

    Attributes
    ----------
    measure : str
        The measure code (``"SMD"``, ``"OR"``, ...), a key of :data:`MEASURES`.
    yi, vi : ndarray of shape (k,)
        Observed effect sizes and sampling variances (NaN where undefined; see the warning
        raised by :func:`escalc` in that case).
    slab : tuple of str
        Study labels (``"Study 1"``, ... by default).
    ni : ndarray of shape (k,) or None
        Total sample size per study, before any zero-cell correction.
    conversions : tuple of Conversion
        Every change applied on the way (zero-cell corrections, assumed correlations,
        conversions carried over from :func:`~metareview.effects.prepare_continuous`).
    vtype : tuple of str
        The variance estimator (metafor's ``vtype``): one entry when the same for every
        study, else one per study.

    Examples
    --------
    >>> eff = Effects("MD", yi=[1.0, 2.0], vi=[0.25, 1.0])
    >>> eff.slab
    ('Study 1', 'Study 2')
    >>> eff.to_frame()["sei"].tolist()
    [0.5, 1.0]
    """

    measure: str
    yi: FloatArray
    vi: FloatArray
    slab: tuple[str, ...] = ()
    ni: FloatArray | None = None
    conversions: tuple[Conversion, ...] = ()
    vtype: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        yi = _readonly(self.yi)
        vi = _readonly(self.vi)
        k = yi.shape[0]
        if vi.shape[0] != k:
            raise InputError(f"yi has {k} values but vi has {vi.shape[0]}", column="vi",
                             hint="give one sampling variance per effect size")
        object.__setattr__(self, "yi", yi)
        object.__setattr__(self, "vi", vi)
        slab = self.slab if len(self.slab) else default_slab(k)
        if not (isinstance(slab, tuple) and set(map(type, slab)) <= {str}):
            slab = tuple(map(str, slab))
        if len(slab) != k:
            raise InputError(f"{len(slab)} study labels for {k} studies", column="slab",
                             hint="give one label per study")
        object.__setattr__(self, "slab", slab)
        if self.ni is not None:
            ni = _readonly(self.ni)
            if ni.shape[0] != k:
                raise InputError(f"ni has {ni.shape[0]} values for {k} studies", column="ni")
            object.__setattr__(self, "ni", ni)
        object.__setattr__(self, "conversions", tuple(self.conversions))
        vt = tuple(self.vtype)
        if len(vt) not in (0, 1, k):
            raise InputError(f"{len(vt)} vtype values for {k} studies", column="vtype")
        object.__setattr__(self, "vtype", vt)

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.shape[0])

    def __len__(self) -> int:
        return self.k

    @property
    def sei(self) -> FloatArray:
        """Standard errors, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: ``slab, yi, vi, sei, ni, measure`` (numbers unrounded)."""
        import pandas as pd

        ni = self.ni if self.ni is not None else np.full(self.k, np.nan)
        return pd.DataFrame({
            "slab": list(self.slab),
            "yi": self.yi,
            "vi": self.vi,
            "sei": self.sei,
            "ni": ni,
            "measure": [self.measure] * self.k,
        })

    def conversions_frame(self) -> pd.DataFrame:
        """The :attr:`conversions` as a DataFrame with columns ``row, what, method, reference``."""
        import pandas as pd

        return pd.DataFrame([c.as_dict() for c in self.conversions],
                            columns=["row", "what", "method", "reference"])

    def __repr__(self) -> str:
        return (f"Effects(measure={self.measure!r}, k={self.k}, "
                f"conversions={len(self.conversions)})")


def default_slab(k: int) -> tuple[str, ...]:
    return tuple(map("Study {}".format, range(1, k + 1)))


# ---------------------------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComputeResult:
    """What a measure's compute function returns (internal)."""

    yi: FloatArray
    vi: FloatArray
    ni: FloatArray | None
    conversions: tuple[Conversion, ...] = ()
    undefined_ok: NDArray[np.bool_] | None = None  # rows set to NaN on purpose (drop00)


@dataclass(frozen=True)
class Measure:
    """One effect-size measure: what it needs, how it is computed, how to read it.

    Attributes
    ----------
    code : str
        metafor's code (``"SMD"``).
    name : str
        Human-readable name.
    family : str
        ``"continuous"``, ``"binary"``, ``"proportion"`` or ``"correlation"``.
    required : tuple of tuple of str
        Alternatives: each inner tuple is a set of arguments that is enough (for 2x2 tables
        ``("ai", "bi", "ci", "di")`` or ``("ai", "n1i", "ci", "n2i")``).
    optional : tuple of str
        Arguments used when present.
    vtypes : tuple of str
        Variance estimators offered; the first is the default.
    default_add : float
        The value added to cells by the default zero-cell correction (0 for the measures
        whose variance needs none).
    back : str or None
        Name of the function in :mod:`metareview.effects.transforms` that maps the measure
        back to its natural scale (``"exp"``, ``"transf_ilogit"``, ...), None if it is
        already on its natural scale.
    back_needs_ni : bool
        True when the back-transformation needs sample sizes (Freeman-Tukey).
    reference : str
        Source of the formulas.
    compute : callable
        ``compute(args, vtype=..., add=..., to=..., drop00=...) -> ComputeResult``.
    """

    code: str
    name: str
    family: str
    required: tuple[tuple[str, ...], ...]
    compute: Callable[..., ComputeResult] = field(repr=False)
    optional: tuple[str, ...] = ()
    vtypes: tuple[str, ...] = ("LS",)
    default_add: float = 0.5
    back: str | None = None
    back_needs_ni: bool = False
    reference: str = ""

    @property
    def arguments(self) -> tuple[str, ...]:
        """Every argument the measure can use, in metafor's order."""
        seen: list[str] = []
        for alt in self.required:
            for a in alt:
                if a not in seen:
                    seen.append(a)
        for a in self.optional:
            if a not in seen:
                seen.append(a)
        return tuple(seen)

    def to_natural(self, x: Any, *, ni: Any = None) -> FloatArray:
        """Back-transform values (estimates, CI bounds) of this measure to the natural scale.

        Examples
        --------
        >>> from metareview.effects import MEASURES
        >>> float(MEASURES["OR"].to_natural(0.0)[0])
        1.0
        """
        from metareview.effects import transforms

        arr = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if self.back is None:
            return arr.copy()
        fn = getattr(transforms, self.back)
        if self.back_needs_ni:
            if ni is None:
                raise InputError(f"back-transforming {self.code} needs the sample sizes",
                                 column="ni", hint="pass ni=the studies' sample sizes")
            return np.asarray(fn(arr, ni=ni), dtype=np.float64)
        return np.asarray(fn(arr), dtype=np.float64)


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    """Add *measure* to :data:`MEASURES` (a code can be registered once)."""
    old = MEASURES.get(measure.code)
    if old is not None and (old.compute.__module__, old.compute.__qualname__) != (
            measure.compute.__module__, measure.compute.__qualname__):
        # the same module imported again (doctest collection) may re-register; nothing else
        raise ValueError(f"measure {measure.code!r} is already registered")
    MEASURES[measure.code] = measure
    return measure


# ---------------------------------------------------------------------------------------------
# input checks (each names rows and the argument)
# ---------------------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    return f"{v:g}"


def _shown(values: FloatArray, mask: NDArray[np.bool_]) -> str:
    bad = values[mask]
    text = ", ".join(_fmt(float(v)) for v in bad[:10])
    return text + (", ..." if bad.size > 10 else "")


def fail(mask: NDArray[np.bool_], column: str, message: str, *, hint: str | None = None,
         values: FloatArray | None = None) -> None:
    """Raise an InputError for the True rows of *mask*, if any."""
    if not mask.any():
        return
    rows = [int(i) + 1 for i in np.flatnonzero(mask)]
    if values is not None:
        message = f"{message} (got {_shown(values, mask)})"
    raise InputError(message, row=rows, column=column, hint=hint)


def check_positive(args: Mapping[str, FloatArray], *names: str, hint: str | None = None) -> None:
    for n in names:
        v = args[n]
        fail(~(v > 0), n, f"{n} must be positive", values=v, hint=hint)


def check_nonnegative(args: Mapping[str, FloatArray], *names: str,
                      hint: str | None = None) -> None:
    for n in names:
        v = args[n]
        fail(v < 0, n, f"{n} must not be negative", values=v, hint=hint)


def check_at_least(args: Mapping[str, FloatArray], name: str, low: float, why: str) -> None:
    v = args[name]
    fail(v < low, name, f"{name} must be at least {_fmt(low)} {why}", values=v)


def check_correlation(args: Mapping[str, FloatArray], name: str) -> None:
    v = args[name]
    fail(np.abs(v) > 1, name, f"{name} must lie between -1 and 1", values=v,
         hint="give a correlation coefficient, not a covariance or a percentage")


def vtype_array(vtype: str | Sequence[str], k: int, measure: Measure) -> NDArray[np.str_]:
    """Broadcast *vtype* to one entry per study and check it is offered by *measure*."""
    if isinstance(vtype, str):
        if vtype not in measure.vtypes:
            arr = np.array([vtype], dtype=object)
        else:
            return np.full(k, vtype)
    else:
        arr = np.asarray(list(vtype), dtype=object)
        if arr.shape[0] != k:
            raise InputError(f"vtype has {arr.shape[0]} entries for {k} studies",
                             column="vtype", hint="give one vtype or one per study")
    bad = ~np.isin(arr, list(measure.vtypes))
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad)]
        got = ", ".join(sorted({str(x) for x in arr[bad]}))
        hint = None
        if measure.code == "COR" and "UB" in got:
            # metafor 3.8 offers the unbiased variance only with the unbiased estimator
            hint = "for the unbiased estimator and variance use measure='UCOR', vtype='UB'"
        raise InputError(
            f"vtype {got} is not available for {measure.code}; choose one of "
            f"{', '.join(measure.vtypes)}", row=rows if not isinstance(vtype, str) else None,
            column="vtype", hint=hint)
    return arr.astype(str)


def weighted_mean(x: FloatArray, w: FloatArray) -> float:
    """``sum(w x) / sum(w)`` over the finite pairs (metafor's ``.wmean(na.rm=TRUE)``)."""
    ok = np.isfinite(x) & np.isfinite(w)
    return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))
