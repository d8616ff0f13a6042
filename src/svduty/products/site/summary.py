"""The public summary of the strategic needs assessment.

The full assessment is the partnership's own document: its findings quote exact counts over its
own periods and places (pooled years, calendar years, wards), tables the site's gate never saw,
whose differences with the site's annual tables could give small counts away. So the public
summary (a summary is all the Duty asks to be published) is made of two things only:

- the assessment's findings in words (:func:`in_words`): a finding whose text quotes figures
  is published as its plain-English statement without them (its lead clause, "Violence peaks
  in summer"), or, for a change, its direction and years ("rose between 2018 and 2020"); data
  caveats are not findings and stay in the assessment; and recommendations that quote no
  numbers at all: no counts, no rates or shares (a rate times a published population gives
  back its count), and no figure in the words other than a year;
- headline sentences written here from the site's gated tables, so every figure in them is one
  the gate released.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from svduty.products.site.figures import rate_text
from svduty.products.site.gate import GatedTable

__all__ = ["PublicSummary", "headline_sentences", "in_words", "quotes_no_numbers", "summarise"]

# Rules whose findings are caveats about the data, not about violence: the public summary leaves
# them to the assessment (a missing month, special cause variation, data that cannot be placed)
CAVEAT_RULES = frozenset(
    {"data-gap-missing-month", "data-gap-ed-location", "monthly-special-cause", "ed-police-gap"}
)
_CHANGE = re.compile(
    r"^(?P<what>.+?) (?P<dir>rose|fell) by [^ ]+ between (?P<a>\d{4}(?:/\d{2})?) and "
    r"(?P<b>\d{4}(?:/\d{2})?) in (?P<area>[^(;:]+?)(?: \(|[;:.]|$)"
)

# A year (2019), a financial year (2019/20) or a year range (2018-2021, 2018 to 2020) is not a
# figure; any other run of digits is.
_YEARISH = re.compile(r"\b(19|20)\d{2}(/\d{2})?\b")
_DIGIT = re.compile(r"\d")


def quotes_no_numbers(text: str) -> bool:
    """True when ``text`` holds no digit except in years and financial years."""
    return not _DIGIT.search(_YEARISH.sub("", text))


@dataclass(frozen=True)
class PublicSummary:
    findings: tuple[str, ...]  # verbatim, each quoting no numbers
    recommendations: tuple[str, ...]
    left_out: int  # findings and recommendations not shown because they quote figures
    headlines: tuple[str, ...]  # from gated tables
    period: str | None
    synthetic: bool
    recency: str = ""  # how recent the assessment's data are, with no count


def summarise(assessment, headline_tables: Iterable[tuple[GatedTable, str]]) -> PublicSummary:
    """The public summary of ``assessment`` (None: headlines only) and the site's tables.

    ``headline_tables`` pairs each gated table with the area name whose latest figure leads.
    """
    findings: list[str] = []
    recommendations: list[str] = []
    left_out = 0
    period = None
    synthetic = False
    if assessment is not None:
        period = assessment.period.describe()
        synthetic = bool(assessment.synthetic)
        for f in assessment.findings:
            words = in_words(f)
            if words is None:
                left_out += 1
            else:
                findings.append(words + (" (from synthetic data)" if f.synthetic else ""))
        for r in assessment.recommendations:
            if quotes_no_numbers(r.text):
                recommendations.append(r.text)
            else:
                left_out += 1
    tables = list(headline_tables)
    return PublicSummary(
        findings=tuple(dict.fromkeys(findings)),
        recommendations=tuple(dict.fromkeys(recommendations)),
        left_out=left_out,
        headlines=tuple(headline_sentences(tables)),
        period=period,
        synthetic=synthetic or any(t.synthetic for t, _ in tables),
        recency=getattr(assessment, "recency_public", "") if assessment is not None else "",
    )


def in_words(finding) -> str | None:
    """A finding as the public may read it: plain English with no figure but years, or None
    (a caveat about the data, or a finding that cannot be said without its figures)."""
    if finding.rule in CAVEAT_RULES:
        return None
    text = " ".join(finding.text.split())
    if not finding.counts and not finding.numbers and quotes_no_numbers(text):
        return text
    if (change := _CHANGE.match(text)) is not None:
        said = (
            f"{change['what']} {change['dir']} between {change['a']} and {change['b']} in "
            f"{change['area'].strip()}"
        )
        return _sentence(said) if quotes_no_numbers(said) else None
    lead = text.split(":", 1)[0] if ":" in text else ""
    if len(lead.split()) >= 3 and quotes_no_numbers(lead):
        return _sentence(lead)
    return None


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def headline_sentences(tables: Iterable[tuple[GatedTable, str]]) -> list[str]:
    """One sentence per table: the area's latest released rate and how it compares."""
    out = []
    for table, area in tables:
        mine = [r for r in table.rows if r.labels.get("area") == area]
        if not mine or not table.rate_unit:
            continue
        latest = mine[-1]
        period = latest.labels["period"]
        title = table.measure.title
        if latest.rate is None:
            out.append(f"{title}, {area}, {period}: withheld to protect people.")
            continue
        text = (
            f"{title}, {area}, {period}: {rate_text(latest.rate, table.rate_digits)} "
            f"{table.rate_unit} (95% limits {rate_text(latest.lower_95, table.rate_digits)} to "
            f"{rate_text(latest.upper_95, table.rate_digits)})"
        )
        if latest.compared in _COMPARED and table.comparator:
            text += f", {_COMPARED[latest.compared]} {table.comparator}"
        out.append(text + ".")
    return out


_COMPARED = {"Higher": "higher than", "Similar": "similar to", "Lower": "lower than"}
