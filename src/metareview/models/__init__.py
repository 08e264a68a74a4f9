"""Pooling models: common- and random-effects, meta-regression, subgroups, many at once.

>>> from metareview.models import rma
>>> rma([0.2, 0.4], [0.01, 0.02], method="EE").estimate  # doctest: +ELLIPSIS
0.266666...
"""

from metareview.models.fit import rma, rma_batch
from metareview.models.glmm import GLMMResult, rma_glmm
from metareview.models.inference import HeterogeneityCI, Interval, Prediction, confint, predict
from metareview.models.results import BatchResult, RMAResult
from metareview.models.subgroups import SubgroupResult, subgroup_analysis
from metareview.models.tau2 import Control

__all__ = [
    "BatchResult",
    "Control",
    "GLMMResult",
    "HeterogeneityCI",
    "Interval",
    "Prediction",
    "RMAResult",
    "SubgroupResult",
    "confint",
    "predict",
    "rma",
    "rma_batch",
    "rma_glmm",
    "subgroup_analysis",
]
