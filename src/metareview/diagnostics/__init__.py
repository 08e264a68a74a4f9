"""Sensitivity and influence: functions of a fitted result, each returning its own result.

All of them refit the model on many subsets of the studies in one batched call.
"""

from metareview.diagnostics.baujat import Baujat, baujat
from metareview.diagnostics.cumulative import Cumulative, cumulative
from metareview.diagnostics.gosh import Gosh, gosh
from metareview.diagnostics.influence import Influence, influence
from metareview.diagnostics.leave1out import LeaveOneOut, leave_one_out
from metareview.diagnostics.sensitivity import RiSensitivity, estimator_sensitivity, ri_sensitivity

__all__ = [
    "Baujat",
    "Cumulative",
    "Gosh",
    "Influence",
    "LeaveOneOut",
    "RiSensitivity",
    "baujat",
    "cumulative",
    "estimator_sensitivity",
    "gosh",
    "influence",
    "leave_one_out",
    "ri_sensitivity",
]
