"""What the sections share: source names and kinds, numbers in words, and the shape of a built
section."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from svduty.privacy.disclosure import Source
from svduty.products.assessment.model import Finding, Section
from svduty.products.assessment.scope import Context

__all__ = [
    "ROUNDING_RULE",
    "SOURCE_KINDS",
    "Built",
    "num",
    "pct",
    "plural",
    "source_name",
]

# How each source's counts are protected before anything is published (privacy.disclosure).
SOURCE_KINDS: dict[str, Source] = {
    "police_uk_street": Source.RECORD_LEVEL,
    "police_crime": Source.RECORD_LEVEL,
    "ed_assault": Source.HEALTH,
    "hospital": Source.HEALTH,
    "partner_aggregate": Source.PARTNER_AGGREGATE,
    "published": Source.OFFICIAL_STATISTIC,
    "published_statistic": Source.OFFICIAL_STATISTIC,
}
_SYNTHETIC = " - SYNTHETIC data made by svduty synth, not real records"


def source_name(ctx: Context, source: str, synthetic: bool = False) -> str:
    """The source as a figure's provenance names it."""
    names = {
        "police_uk_street": f"police.uk street-level crime, {ctx.force_name} (open data)",
        "police_crime": (
            f"{ctx.force_name} police recorded crime (the force's record-level extract)"
        ),
        "ed_assault": "Emergency department assault attendances (ISTV minimum data set)",
        "hospital": "Hospital admissions for assault (partner aggregate return)",
        "partner_aggregate": (
            "Partner aggregate returns (education, youth justice, probation, fire)"
        ),
        "published": "ONS police force area tables (Home Office special collection)",
        "published_statistic": "ONS police force area tables (Home Office special collection)",
        "warehouse": "svduty warehouse: the loads, their coverage and quality checks",
        "partnership": "the partnership configuration (partnership.yaml)",
        "reference": (
            "ONS LSOA boundaries and lookups, Census 2021 and mid-2018 population estimates, "
            "the ONS 2021 rural-urban classification, IMD 2019, IMD 2025 (England) and WIMD 2019 "
            "(Wales)"
        ),
    }
    return names[source] + (_SYNTHETIC if synthetic else "")


#: one rounding rule for the text and the tables (the tables' digits come from table_digits)
ROUNDING_RULE = (
    "Counts are whole numbers. Rates, percentages, ratios and their 95% intervals have one "
    "decimal place, in the text and in the tables alike; the statistics of a test (Spearman's "
    "rho, p-values) and ratios per record have two."
)
#: the columns that keep two decimal places (statistics of a test, ratios per record)
_TWO_DIGITS = ("rho", "p-value", "per police record")
#: columns of rates, percentages, ratios, intervals and means: one decimal place even when their
#: values happen to be whole (a share of 100%, a rate of 0)
_ONE_DIGIT = ("rate", "%", "95%", "ratio", "change", "mean", "share", "value", "lift")


def table_digits(frame) -> dict[str, int]:
    """The decimal places of each numeric column of a table, by ROUNDING_RULE: 2 for test
    statistics and ratios per record; 1 for rates, percentages, ratios, intervals and means;
    0 for counts (integers, or other columns whose values are all whole); else 1."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind not in "iuf":
            continue
        name = str(column).lower()
        if any(t in name for t in _TWO_DIGITS):
            out[column] = 2
        elif any(t in name for t in _ONE_DIGIT):
            out[column] = 1
        elif values.dtype.kind in "iu":
            out[column] = 0
        else:
            finite = values.dropna()
            out[column] = 0 if len(finite) and (finite == finite.round()).all() else 1
    return out


def num(value, digits: int = 0) -> str:
    """A number for a sentence: 28450 -> '28,450'; 12.345 with digits=1 -> '12.3'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    return f"{value:,.{digits}f}"


def pct(share, digits: int = 1) -> str:
    """A share for a sentence: 0.339 -> '33.9%' (one decimal place, as the tables show it)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "not available"
    return f"{100 * share:.{digits}f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


@dataclass
class Built:
    """A section as built, the findings read from it and the data gaps it met (each with the
    anchor of the figure or table that shows it)."""

    section: Section
    findings: list[Finding] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)
