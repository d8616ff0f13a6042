"""Did a place-based intervention change violence? Matched comparison areas and
difference-in-differences, with a verdict that says plainly when the data cannot tell.

A place-based intervention is a set of LSOAs (or wards) and a start month, declared in the
strategy. The annual review asks what happened in those areas after the start compared with
areas that did not receive it. Three steps:

1. ``match_comparators``: for each treated area, the ``k`` most similar untreated areas on
   deprivation and violence before the start (nearest neighbour, without replacement, on
   standardised Euclidean distance), with a balance table.
2. ``difference_in_differences``: a Poisson model of monthly counts with area and month fixed
   effects and a treated-after-start term; its exponent is the rate ratio (how much the treated
   areas changed relative to the comparison areas), with a cluster-robust interval (clusters =
   areas). A pre-trend check asks whether the treated areas were already moving differently
   before the start.
3. A verdict in plain English, and ``can_tell``: false whenever the data cannot answer (too few
   areas, months or events, an interval that includes no change, or a failed pre-trend check).

``evaluate_place_based`` does all three from the warehouse for a record-level measure. The
statistics are pure functions over frames and do no I/O.

The steps, one module each: ``matching``, ``did`` (the estimate and the raw table), ``pretrend``,
``verdict`` (the plain-English sentences), on the Poisson model of ``poisson`` and the inputs
checked by ``panel``; ``place_based`` runs them all from the warehouse.
"""

from svduty.analysis.evaluation.did import (
    FEW_TREATED,
    MIN_AREAS,
    MIN_EVENTS,
    MIN_MONTHS,
    DiDResult,
    difference_in_differences,
)
from svduty.analysis.evaluation.matching import Matching, match_comparators
from svduty.analysis.evaluation.place_based import (
    DEFAULT_MEASURE,
    Evaluation,
    evaluate_place_based,
)
from svduty.analysis.evaluation.pretrend import PRETREND_ALPHA, PreTrend

__all__ = [
    "DEFAULT_MEASURE",
    "FEW_TREATED",
    "MIN_AREAS",
    "MIN_EVENTS",
    "MIN_MONTHS",
    "PRETREND_ALPHA",
    "DiDResult",
    "Evaluation",
    "Matching",
    "PreTrend",
    "difference_in_differences",
    "evaluate_place_based",
    "match_comparators",
]
