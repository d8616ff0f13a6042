"""Argument checks shared by the statistics modules (private).

Every check raises ``ValueError`` with a sentence saying what is wrong, so a caller can show it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

# scipy.special, not scipy.stats: the quantiles here are the special functions scipy.stats
# computes them with (norm.ppf is ndtri), and scipy.stats takes about a second to import, which
# every `svduty measures` paid.
from scipy.special import ndtri

#: The confidence levels the Fingertips / PHEindicatormethods conventions use.
CONFIDENCE_LEVELS = (0.95, 0.998)


def confidence_level(confidence: float) -> float:
    """Return 0.95 or 0.998 for ``confidence`` given as 0.95 / 0.998 or 95 / 99.8."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        message = f"confidence must be 0.95 or 0.998 (or 95 / 99.8), not {confidence!r}"
        raise ValueError(message) from None
    for level in CONFIDENCE_LEVELS:
        if math.isclose(value, level, rel_tol=0, abs_tol=1e-12) or math.isclose(
            value, level * 100, rel_tol=0, abs_tol=1e-9
        ):
            return level
    raise ValueError(f"confidence must be 0.95 or 0.998 (or 95 / 99.8), not {confidence!r}")


@functools.cache
def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a checked confidence level (the value of
    scipy.stats.norm.ppf, which is ndtri; asked for thousands of times a run, so kept)."""
    level = confidence_level(confidence)
    return float(ndtri(level + (1 - level) / 2))


def as_array(values, name: str) -> np.ndarray:
    """``values`` (a number, sequence, numpy array or pandas Series) as a 1-d float array.

    ``None`` becomes NaN (a missing value). Text or other non-numbers raise ``ValueError``.
    """
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be numbers, not text")
    # Fast paths for what the measures pass thousands of times a run (plain numbers and float
    # or integer arrays): the same values as the loop below, without a Python step per item.
    if type(values) in (float, int, np.float64):
        out = np.array([values], dtype=float)
    elif isinstance(values, np.ndarray) and values.ndim <= 1 and values.dtype.kind in "fiu":
        out = np.array(values, dtype=float, ndmin=1)
    else:
        out = _converted(values, name)
    if np.isinf(out).any():
        raise ValueError(f"{name} must be finite numbers")
    return out


def _converted(values, name: str) -> np.ndarray:
    raw = np.atleast_1d(np.asarray(values, dtype=object))
    if raw.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    out = np.empty(raw.shape, dtype=float)
    for i, item in enumerate(raw):
        if item is None or item is pd.NA or item is pd.NaT:
            out[i] = np.nan
            continue
        if isinstance(item, str | bytes | bool | np.bool_):
            raise ValueError(f"{name} must be numbers, not {item!r}")
        try:
            out[i] = float(item)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numbers, not {item!r}") from None
    return out


def same_length(**arrays: Sequence) -> int:
    """Check the named arrays have one length, and return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"array lengths differ: {described}")
    return next(iter(lengths.values()))


def non_negative(values: np.ndarray, name: str) -> None:
    if (values < 0).any():
        raise ValueError(f"{name} must all be greater than or equal to zero")


def positive(values: np.ndarray, name: str) -> None:
    if (values <= 0).any():
        raise ValueError(f"{name} must all be greater than zero")


def scalar_or_array(values: np.ndarray, template):
    """Return a float when the caller passed a single number, else the array."""
    if np.ndim(template) == 0:
        return float(values[0])
    return values
