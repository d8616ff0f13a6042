"""What the evaluation takes in, checked: area codes, months written YYYY-MM, and a panel of
monthly counts per area in which every area has the same months (a month with no events is a 0;
a month the source does not cover is left out for every area, never given as 0)."""

from __future__ import annotations

import re
from collections.abc import Collection

import pandas as pd

RATE_PER = 1000

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _panel(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel checked: columns, months, counts, one row per area and month, balanced."""
    needed = {"area_code", "month", "count"}
    if not needed <= set(panel.columns):
        raise ValueError(
            f"the panel needs columns area_code, month (YYYY-MM), count (and optionally "
            f"population); it has {', '.join(map(str, panel.columns))}"
        )
    cols = ["area_code", "month", "count"] + (["population"] if "population" in panel else [])
    frame = panel[cols].copy()
    frame["area_code"] = frame["area_code"].astype(str)
    frame["month"] = frame["month"].astype(str)
    bad = sorted({m for m in frame["month"] if not _MONTH.match(m)})
    if bad:
        raise ValueError(f"months must be YYYY-MM; got {', '.join(bad[:5])}")
    counts = pd.to_numeric(frame["count"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise ValueError("counts must be whole numbers of events, 0 or more, with no blanks")
    frame["count"] = counts.astype("int64")
    if "population" in frame:
        population = pd.to_numeric(frame["population"], errors="coerce")
        if population.isna().any() or (population <= 0).any():
            raise ValueError(
                "population must be a positive number on every row (or leave the column out)"
            )
        frame["population"] = population.astype(float)
    if frame.duplicated(["area_code", "month"]).any():
        raise ValueError("the panel has more than one row for an area and month; sum them first")
    per_area = frame.groupby("area_code")["month"].nunique()
    n_months = frame["month"].nunique()
    gaps = per_area[per_area < n_months]
    if len(gaps):
        raise ValueError(
            f"{len(gaps)} area(s) lack some months (e.g. {gaps.index[0]}): give a 0 count for a "
            "month with no events, and leave out, for every area, a month the source does not "
            "cover"
        )
    return frame.sort_values(["area_code", "month"]).reset_index(drop=True)


def _month(value: str, name: str) -> str:
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValueError(f"{name} must be a month written YYYY-MM (e.g. 2020-04), not {value!r}")
    return value


def _codes(codes: Collection[str], name: str) -> list[str]:
    if isinstance(codes, str):
        raise ValueError(f"{name} must be a collection of area codes, not one string")
    out = sorted({str(c).strip() for c in codes})
    if not out:
        raise ValueError(f"no {name} areas given")
    return out
