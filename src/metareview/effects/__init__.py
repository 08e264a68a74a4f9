"""Effect sizes and their sampling variances (metafor's ``escalc``), the registry of measures,
back-transformations and the standard conversions of reported summary data.

>>> from metareview.effects import escalc, MEASURES
>>> eff = escalc("OR", ai=[4], bi=[119], ci=[11], di=[128])
>>> round(float(eff.yi[0]), 4), MEASURES["OR"].family
(-0.9387, 'binary')
"""

from __future__ import annotations

from metareview.effects._base import Conversion, Effects, Measure
from metareview.effects._escalc import escalc
from metareview.effects._registry import MEASURES, get_measure
from metareview.effects import transforms
from metareview.effects.conversions import (
    Converted,
    combine_groups,
    mean_sd_from_median,
    ri_from_paired_p,
    ri_from_paired_t,
    ri_from_sd_change,
    sd_from_ci,
    sd_from_se,
    se_from_ci,
    se_from_p,
)
from metareview.effects.prepare import prepare_continuous

__all__ = [
    "MEASURES",
    "Conversion",
    "Converted",
    "Effects",
    "Measure",
    "combine_groups",
    "escalc",
    "get_measure",
    "mean_sd_from_median",
    "prepare_continuous",
    "ri_from_paired_p",
    "ri_from_paired_t",
    "ri_from_sd_change",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
    "transforms",
]
