"""`metareview pool`: pool one table of studies from the shell.

The JSON it prints (``--json``) is documented in ``docs/pool-json.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

POOL_SCHEMA = "metareview.pool/1"

EXAMPLES = """

Examples:

\b
  metareview pool trials.csv --measure OR          (columns ai, bi, ci, di)
  metareview pool effects.csv --method DL --json   (columns yi, vi)
  metareview pool smd.csv --measure SMD --subgroup disease --test knha
  metareview pool props.csv --method GLMM          (columns xi, ni)
  metareview pool trials.csv --measure RR --bias --cumulative year

Study labels come from a column named slab, study, study_id, author or label.
"""


def _clean(value: Any) -> Any:
    """JSON-safe plain values: NaN and infinities become null."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _study_rows(res: Any) -> list[dict[str, Any]]:
    return [
        {"slab": s, "yi": float(y), "vi": float(v), "weight": float(w)}
        for s, y, v, w in zip(res.slab, res.yi, res.vi, res.weights, strict=True)
    ]


def compute_effects(
    frame: Any, *, measure: str | None, file: str, ri: float | None = None
) -> tuple[Any, Any, tuple[str, ...] | None, str | None]:
    """(yi, vi, slab, measure) from a table: given directly, or computed with escalc from
    columns named as metafor's arguments."""
    from metareview.effects import escalc
    from metareview.errors import InputError
    from metareview.io import label_column, numeric_column, option_error, require_columns, unique_labels

    slab_col = label_column(frame)
    if slab_col is not None:
        unique_labels(frame[slab_col], file=file, column=slab_col)
    try:
        if measure is None:
            require_columns(frame, ("yi", "vi"), file=file,
                            why=" (or give --measure to compute them from raw columns)")  # fmt: skip
            slab = tuple(str(s) for s in frame[slab_col]) if slab_col else None
            return (numeric_column(frame, "yi", file=file), numeric_column(frame, "vi", file=file),
                    slab, _measure_column(frame))  # fmt: skip
        extra: dict[str, Any] = {}
        if ri is not None and "ri" not in frame.columns:
            extra["ri"] = ri
        eff = escalc(measure.upper(), data=frame, slab=slab_col, **extra)
        return eff.yi, eff.vi, eff.slab, eff.measure
    except InputError as exc:
        raise option_error(exc, OPTIONS, file=file, columns=frame.columns) from None


def _measure_column(frame: Any) -> str | None:
    """The measure named in a ``measure`` column (as ``metareview effects`` writes it) when
    every row names the same one; None otherwise."""
    if "measure" not in frame.columns:
        return None
    values = {str(v).strip() for v in frame["measure"] if isinstance(v, str) and v.strip()}
    return values.pop() if len(values) == 1 and frame["measure"].notna().all() else None


#: escalc/rma argument names -> the command-line options that set them
OPTIONS = {"measure": "--measure", "method": "--method", "test": "--test", "level": "--level",
           "tau2": "--tau2", "ri": "--ri", "style": "--style", "pi": "--pi"}


def register(app: typer.Typer) -> None:
    """Add ``pool`` to *app*."""

    @app.command(help="Pool the studies of one table (random-effects by default)." + EXAMPLES)
    def pool(
        data: Annotated[Path, typer.Argument(metavar="FILE", help="CSV/TSV/Excel file, columns named as metafor's arguments.")],
        measure: Annotated[str | None, typer.Option("--measure", "-m", help="Effect measure (SMD, MD, OR, RR, RD, PLO, ...). Not needed when the file has yi and vi.")] = None,
        method: Annotated[str, typer.Option(help="tau^2 estimator: EE, DL, REML, ML, PM, HE, SJ, HS, EB, PMM; a comma list is a fallback chain.")] = "REML",
        test: Annotated[str, typer.Option(help="z, t or knha (Hartung-Knapp).")] = "z",
        level: Annotated[float, typer.Option(help="Confidence level in percent.")] = 95.0,
        subgroup: Annotated[str | None, typer.Option(help="Column naming each study's subgroup.")] = None,
        tau2_given: Annotated[str | None, typer.Option("--tau2", help="With --subgroup: 'separate' (default) or 'common' tau^2.")] = None,
        ri: Annotated[float | None, typer.Option(help="Assumed pre-post correlation for SMCR/SMCC when the file has no ri column.")] = None,
        leave_one_out: Annotated[bool, typer.Option("--leave-one-out", help="Refit with each study left out.")] = False,
        influence: Annotated[bool, typer.Option("--influence", help="Influence diagnostics (metafor's influence()).")] = False,
        bias: Annotated[bool, typer.Option("--bias", help="Egger's and Begg's tests, trim-and-fill, fail-safe N.")] = False,
        cumulative: Annotated[str | None, typer.Option("--cumulative", help="Cumulative meta-analysis ordered by this column.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (schema in docs/pool-json.md).")] = False,
    ) -> None:
        from metareview.errors import InputError
        from metareview.io import option_error, read_table, require_columns
        from metareview.models import rma, subgroup_analysis

        tau2_rule = subgroup_tau2_rule(tau2_given, subgroup)
        with report_warnings():
            file = str(data)
            frame = read_table(data)
            if method.upper() == "GLMM":
                unused = [name for name, given in (
                    ("--subgroup", subgroup is not None), ("--leave-one-out", leave_one_out),
                    ("--influence", influence), ("--bias", bias), ("--cumulative", cumulative is not None),
                    ("--test", test != "z"), ("--ri", ri is not None),
                    ("--measure", measure is not None and measure.upper() != "PLO"),
                ) if given]  # fmt: skip
                if unused:
                    raise InputError(f"{unused[0]} is not available with --method GLMM", column=unused[0],
                                     hint="the binomial-normal model pools proportions (logit) from xi "
                                     "and ni; drop the option, or use --measure PLO with another method")  # fmt: skip
                out = _pool_glmm(frame, file=file, level=level)
                if as_json:
                    typer.echo(json.dumps(_clean(out), indent=2))
                else:
                    _print_glmm(out, file)
                return
            yi, vi, slab, meas = compute_effects(frame, measure=measure, file=file, ri=ri)
            meth = method_chain(method)
            try:
                if subgroup is None:
                    res = rma(yi, vi, method=meth, test=test, level=level, slab=slab, measure=meas)
                    out = {"schema": POOL_SCHEMA, **res.to_dict(), "studies": _study_rows(res)}
                    sg = None
                else:
                    require_columns(frame, (subgroup,), file=file)
                    sg = subgroup_analysis(yi, vi, frame[subgroup].tolist(), method=meth, tau2=tau2_rule,
                                           test=test, level=level, slab=slab, measure=meas)  # fmt: skip
                    res = sg.overall
                    out = {
                        "schema": POOL_SCHEMA, **res.to_dict(), "studies": _study_rows(res),
                        "subgroups": {lvl: {**f.to_dict(), "studies": _study_rows(f)} for lvl, f in sg.fits.items()},
                        "Q_between": sg.Q_between, "df_between": sg.df_between, "p_between": sg.p_between,
                        "tau2_rule": tau2_rule,
                    }  # fmt: skip
                out.update(_follow_ups(res, frame, file=file, leave_one_out=leave_one_out, influence=influence,
                                       bias=bias, cumulative=cumulative))  # fmt: skip
            except InputError as exc:
                if subgroup is not None:
                    exc = subgroup_error(exc, subgroup)
                raise option_error(exc, OPTIONS, file=file, columns=frame.columns) from None
            if as_json:
                typer.echo(json.dumps(_clean(out), indent=2))
                return
            _print_human(res, sg, file)
            _print_follow_ups(out)


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _follow_ups(res: Any, frame: Any, *, file: str, leave_one_out: bool, influence: bool, bias: bool,
                cumulative: str | None) -> dict[str, Any]:  # fmt: skip
    """Sensitivity and bias analyses requested on the command line, keyed as in the JSON schema."""
    from metareview.errors import NotApplicableError
    from metareview.io import require_columns

    out: dict[str, Any] = {}
    if leave_one_out:
        from metareview.diagnostics import leave_one_out as loo

        out["leave_one_out"] = _or_not_applicable(lambda: _records(loo(res).to_frame()))
    if influence:
        from metareview.diagnostics import influence as infl

        out["influence"] = _or_not_applicable(lambda: _records(infl(res).to_frame()))
    if cumulative is not None:
        from metareview.diagnostics import cumulative as cum

        order = sort_key(frame, cumulative, file=file)
        out["cumulative"] = _or_not_applicable(lambda: _records(cum(res, order=order).to_frame()))
    if bias:
        from metareview.bias import fail_safe_n, ranktest, regtest, trim_and_fill

        for key, fn in (("egger", lambda: regtest(res).to_dict()), ("begg", lambda: ranktest(res).to_dict()),
                        ("trim_and_fill", lambda: trim_and_fill(res).to_dict()),
                        ("fail_safe_n", lambda: fail_safe_n(res.yi, res.vi).to_dict())):  # fmt: skip
            try:
                out[key] = fn()
            except NotApplicableError as exc:
                out[key] = {"not_applicable": str(exc)}
    return out


def _or_not_applicable(fn: Any) -> Any:
    """*fn*'s result, or ``{"not_applicable": reason}`` when the method cannot apply to this
    fit (docs/pool-json.md): the pooled result is still printed."""
    from metareview.errors import NotApplicableError

    try:
        return fn()
    except NotApplicableError as exc:
        return {"not_applicable": str(exc)}


@contextmanager
def report_warnings() -> Iterator[None]:
    """Show each warning raised inside the block as one line ``warning: ...`` on stderr
    (once per distinct message), not as Python's two-line warning with a source line."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen: set[str] = set()
            for w in caught:
                text = str(w.message)
                if text not in seen:
                    seen.add(text)
                    typer.echo(f"warning: {text}", err=True)


def sort_key(frame: Any, column: str, *, file: str) -> Any:
    """The order of a cumulative meta-analysis: numbers when the column holds numbers (text
    in one of its cells is an error naming the row), else the labels as text; an empty cell
    is an error (the study would have no place in the order)."""
    import numpy as np
    import pandas as pd

    from metareview.errors import InputError
    from metareview.io import numeric_column, require_columns

    require_columns(frame, (column,), file=file)
    col = frame[column]
    empty = col.isna() | (col.astype("string").str.strip() == "")
    if empty.any():
        raise InputError("is empty, so the study has no place in the cumulative order", file=file,
                         row=(np.flatnonzero(empty.to_numpy()) + 1).tolist(), column=column,
                         hint="fill in every study's value (e.g. its publication year)")  # fmt: skip
    if pd.to_numeric(col, errors="coerce").notna().any():
        return numeric_column(frame, column, file=file)
    return col.astype(str).to_numpy()


def method_chain(method: str) -> str | list[str]:
    """The ``--method`` option as ``rma`` takes it: one estimator, or a comma list as a
    fallback chain.

    >>> method_chain("REML"), method_chain(" REML, DL ,")
    ('REML', ['REML', 'DL'])
    """
    methods = [m.strip() for m in method.split(",") if m.strip()]
    return methods[0] if len(methods) == 1 else methods


def subgroup_tau2_rule(tau2_given: str | None, subgroup: str | None) -> str:
    """The ``--tau2`` rule of a subgroup analysis ('separate' unless given); an error when
    ``--tau2`` is given without ``--subgroup``."""
    from metareview.errors import InputError

    if tau2_given is not None and subgroup is None:
        raise InputError("--tau2 only applies with --subgroup", column="--tau2",
                         hint="add --subgroup COLUMN, or drop --tau2")
    return tau2_given or "separate"


def subgroup_error(exc: Any, column: str) -> Any:
    """An error of the subgroup labels, naming the user's column instead of ``groups``."""
    from metareview.errors import InputError

    if exc.column != "groups":
        return exc
    return InputError(exc.message, file=exc.file, row=exc.row, column=column, line=exc.line, hint=exc.hint)


def _pool_glmm(frame: Any, *, file: str, level: float) -> dict[str, Any]:
    from metareview.errors import InputError
    from metareview.io import label_column, numeric_column, option_error, require_columns, unique_labels
    from metareview.models import rma_glmm

    require_columns(frame, ("xi", "ni"), file=file, why=" (the GLMM pools events xi out of ni)")
    slab_col = label_column(frame)
    if slab_col is not None:
        unique_labels(frame[slab_col], file=file, column=slab_col)
    try:
        res = rma_glmm(numeric_column(frame, "xi", file=file), numeric_column(frame, "ni", file=file),
                       slab=None if slab_col is None else frame[slab_col].astype(str).tolist(), level=level)  # fmt: skip
    except InputError as exc:
        raise option_error(exc, OPTIONS, file=file, columns=frame.columns) from None
    from scipy.special import expit

    out = {"schema": POOL_SCHEMA, **res.to_dict()}
    out["proportion"] = {"estimate": float(expit(res.estimate)), "ci_lb": float(expit(res.ci_lb[0])),
                         "ci_ub": float(expit(res.ci_ub[0])), "pi_lb": float(expit(res.pi_lb)),
                         "pi_ub": float(expit(res.pi_ub))}  # fmt: skip
    out["studies"] = [{"slab": s, "xi": float(x), "ni": float(n)} for s, x, n in zip(res.slab, res.xi, res.ni, strict=True)]
    return out


def _print_glmm(out: dict[str, Any], file: str) -> None:
    from rich.console import Console

    pr = out["proportion"]
    Console(markup=False, soft_wrap=True).print(
        f"{file}: {out['k']} studies, binomial-normal model (ML, nAGQ {out['nAGQ']}): pooled proportion "
        f"{pr['estimate']:.4f} [{pr['ci_lb']:.4f}, {pr['ci_ub']:.4f}], prediction interval "
        f"[{pr['pi_lb']:.4f}, {pr['pi_ub']:.4f}]; tau^2 (logit) {out['tau2']:.4f}, I^2 {out['I2']:.1f}%"
    )


def _print_follow_ups(out: dict[str, Any]) -> None:
    from rich.console import Console

    con = Console(markup=False, soft_wrap=True)
    for key in ("egger", "begg", "trim_and_fill", "fail_safe_n"):
        if key in out:
            val = out[key]
            if "not_applicable" in val:
                con.print(f"{key}: not applicable ({val['not_applicable']})")
            elif key == "egger":
                con.print(f"Egger's test: z = {val['zval']:.3f}, p = {val['pval']:.4g}")
            elif key == "begg":
                con.print(f"Begg's test: Kendall tau = {val['tau']:.3f}, p = {val['pval']:.4g}")
            elif key == "trim_and_fill":
                con.print(f"Trim-and-fill: {val['k0']} studies filled on the {val['side']}; "
                          f"adjusted estimate {val['estimate']:.4f} [{val['ci_lb']:.4f}, {val['ci_ub']:.4f}]")  # fmt: skip
            else:
                con.print(f"Fail-safe N (Rosenthal): {val['fsnum']:.0f}")
    for key in ("leave_one_out", "influence", "cumulative"):
        if key in out:
            name = key.replace("_", "-")
            if isinstance(out[key], dict):
                con.print(f"{name}: not applicable ({out[key]['not_applicable']})")
            else:
                con.print(f"{name}: {len(out[key])} rows (use --json for the table)")


def _num(value: float, digits: int) -> str:
    """A number for display; a value that is not defined (NaN) shows as a dash, not 'nan'."""
    return f"{value:.{digits}f}" if math.isfinite(value) else "-"


def _print_human(res: Any, sg: Any, file: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from metareview.models import predict

    con = Console(markup=False, soft_wrap=True)
    t = Table(title=f"{file}: {res.k} studies, {res.measure or 'yi/vi'}", show_lines=False)
    for col in ("study", "yi", "vi", "weight %"):
        t.add_column(col, justify="right" if col != "study" else "left")
    for s, y, v, w in zip(res.slab, res.yi, res.vi, res.weights, strict=True):
        t.add_row(s, f"{y:.4f}", f"{v:.4f}", f"{w:.2f}")
    con.print(t)
    pr = predict(res)
    con.print(
        f"{'Common-effect' if res.is_common_effect else 'Random-effects'} model ({res.method_used}, test {res.test}): "
        f"estimate {res.estimate:.4f} [{res.ci_lb[0]:.4f}, {res.ci_ub[0]:.4f}], se {res.se[0]:.4f}, "
        f"p {res.pval[0]:.4g}"
    )
    if not res.is_common_effect:
        con.print(f"Prediction interval [{pr.pi_lb:.4f}, {pr.pi_ub:.4f}]; tau^2 {res.tau2:.4f}")
    con.print(f"Heterogeneity: Q = {res.QE:.2f} (df {res.k - 1}, p {res.QEp:.4g}), I^2 = {res.I2:.1f}%, H^2 = {res.H2:.2f}")
    if sg is not None:
        st = Table(title=f"Subgroups ({sg.tau2} tau^2)")
        for col in ("subgroup", "k", "estimate", "95% CI", "tau^2", "I^2 %"):
            st.add_column(col)
        for _, r in sg.estimates.iterrows():
            st.add_row(str(r["level"]), str(r["k"]), f"{r['estimate']:.4f}",
                       f"[{r['ci_lb']:.4f}, {r['ci_ub']:.4f}]", _num(r["tau2"], 4), _num(r["I2"], 1))  # fmt: skip
        con.print(st)
        con.print(f"Test for subgroup differences: Q = {sg.Q_between:.3f}, df = {sg.df_between}, p = {sg.p_between:.4g}")
