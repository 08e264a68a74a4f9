"""Small-study effects and publication bias: functions of a fitted result."""

from metareview.bias.failsafe import FailSafeN, fail_safe_n
from metareview.bias.funnel import FunnelData, funnel_data
from metareview.bias.ranktest import RankTest, ranktest
from metareview.bias.regression import PetPeese, RegTest, pet_peese, peters_test, regtest
from metareview.bias.trimfill import TrimFill, trim_and_fill

__all__ = [
    "FailSafeN",
    "FunnelData",
    "PetPeese",
    "RankTest",
    "RegTest",
    "TrimFill",
    "fail_safe_n",
    "funnel_data",
    "pet_peese",
    "peters_test",
    "ranktest",
    "regtest",
    "trim_and_fill",
]
