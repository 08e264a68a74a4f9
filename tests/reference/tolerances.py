"""Tolerances for comparisons against R's metafor, named in one place.

Everything is compared at 1e-6 relative unless a reason is written beside a looser number.
An absolute floor is used for quantities that are (near) zero, where relative error is
meaningless (a tau2 of exactly 0 on the boundary, a p-value of 1e-300).
"""

TOL: dict[str, dict[str, float]] = {
    # effect sizes are closed-form: floating-point agreement only
    "yi": {"rtol": 1e-9, "atol": 1e-12},
    "vi": {"rtol": 1e-9, "atol": 1e-12},
    "estimate": {"rtol": 1e-6, "atol": 1e-10},
    "se": {"rtol": 1e-6, "atol": 1e-10},
    "ci": {"rtol": 1e-6, "atol": 1e-10},
    "tau2": {"rtol": 1e-6, "atol": 1e-10},
    "se_tau2": {"rtol": 1e-6, "atol": 1e-10},
    "het": {"rtol": 1e-6, "atol": 1e-10},  # Q, I2, H2
    "pvalue": {"rtol": 1e-6, "atol": 1e-12},
    "weights": {"rtol": 1e-6, "atol": 1e-10},
    "fitstats": {"rtol": 1e-6, "atol": 1e-8},
}
