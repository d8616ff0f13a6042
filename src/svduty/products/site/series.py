"""The measures as the public site publishes them, and the cells and relations they put to the gate.

What is published, and why (docs/publish.md):

- one annual period type for record-level measures (financial years by default) and only the
  periods the source covers in full: months, quarters, part years and a second, overlapping
  year type would each be a new table whose differences give away small counts;
- published figures (ONS tables) as published, for the force area and England and Wales;
- the force area and, where the source places rows in them, each local authority;
- every relation between those cells: the force area is its local authorities plus the rows
  not placed in one; a measure that is part of another (under 25 within all ages, knife
  attendances within all attendances) leaves a remainder that is a table too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.compute import Geography, compute
from svduty.privacy.disclosure import DisclosureError
from svduty.products.site.gate import Gate, count_key, source_kind
from svduty.warehouse import Warehouse

__all__ = [
    "ENGLAND_AND_WALES",
    "PERIOD_TYPES",
    "Series",
    "collect",
    "declare",
    "measure_rows",
    "parts_of",
]

ENGLAND_AND_WALES = "K04000001"
PERIOD_TYPES = ("financial_year", "calendar_year")
_RECORD_LEVEL = ("police_crime", "police_uk_street", "ed_assault")


@dataclass(frozen=True)
class Series:
    """One measure's published rows: every area and period the site shows."""

    measure: Measure
    rows: tuple[dict, ...]  # measure result rows (svduty.analysis.measures), kept ones only
    periods: tuple[str, ...]  # in time order
    areas: tuple[str, ...]  # area codes with rows: the force area first
    synthetic: bool
    definition: str | None
    caveats: tuple[str, ...]

    def row(self, area_code: str, period: str) -> dict | None:
        for r in self.rows:
            if r["area_code"] == area_code and r["period"] == period:
                return r
        return None

    def latest(self, area_code: str) -> dict | None:
        """The area's latest period with a row."""
        found = [r for r in self.rows if r["area_code"] == area_code]
        return found[-1] if found else None


def measure_rows(
    wh: Warehouse,
    catalogue: Catalogue,
    geography: Geography,
    *,
    measure_ids: Iterable[str] | None,
    period_type: str,
) -> list[dict]:
    """The measure results the site starts from (svduty.analysis.measures.compute)."""
    if period_type not in PERIOD_TYPES:
        raise ValueError(f"period must be one of {', '.join(PERIOD_TYPES)}, not {period_type!r}")
    return compute(
        wh,
        catalogue,
        geography,
        measure_ids=list(measure_ids) if measure_ids else None,
        period_types=(period_type,),
    )


def collect(
    rows: Iterable[dict],
    catalogue: Catalogue,
    *,
    pfa_code: str,
    la_codes: Iterable[str],
    period_type: str,
    include_synthetic: bool = True,
) -> dict[str, Series]:
    """The rows the site publishes, grouped by measure (catalogue order)."""
    la_codes = tuple(la_codes)
    by_measure: dict[str, list[dict]] = {}
    for r in rows:
        by_measure.setdefault(r["measure"], []).append(r)
    out: dict[str, Series] = {}
    for measure in catalogue.measures:
        got = by_measure.get(measure.id)
        if not got:
            continue
        source_kind(measure)  # an unknown source stops the build here, before anything
        if got[0]["synthetic"] and not include_synthetic:
            continue
        kept = _kept(measure, got, pfa_code, la_codes, period_type)
        if not kept:
            continue
        kept.sort(key=lambda r: (r["period_start"], _area_order(r["area_code"], pfa_code)))
        out[measure.id] = Series(
            measure=measure,
            rows=tuple(kept),
            periods=tuple(dict.fromkeys(r["period"] for r in kept)),
            areas=tuple(
                sorted({r["area_code"] for r in kept}, key=lambda c: _area_order(c, pfa_code))
            ),
            synthetic=any(r["synthetic"] for r in kept),
            definition=kept[0].get("definition"),
            caveats=tuple(kept[0].get("caveats") or ()),
        )
    return out


def _area_order(code: str, pfa_code: str) -> tuple[int, str]:
    return (0 if code == pfa_code else 2 if code == ENGLAND_AND_WALES else 1, code)


def _kept(
    measure: Measure, rows: list[dict], pfa: str, las: tuple[str, ...], period_type: str
) -> list[dict]:
    if measure.source == "published":
        # official figures as published: the force area and England and Wales
        return [r for r in rows if r["area_code"] in (pfa, ENGLAND_AND_WALES) and r["complete"]]
    kept = [r for r in rows if r["complete"] and r["period_type"] == period_type]
    kept = [r for r in kept if r["area_code"] in (pfa, *las)]
    if measure.source in _RECORD_LEVEL and not _placed(kept, pfa):
        kept = [r for r in kept if r["area_code"] == pfa]
    return kept


def _placed(rows: list[dict], pfa: str) -> bool:
    """Whether the source places at least half the force area's rows in local authorities.

    Below that, an authority's figure says more about which rows carry a location (emergency
    departments record where the assault happened for some attendances only) than about the
    authority, and its zeros would mislead: only the force area is published.
    """
    force = [r for r in rows if r["area_code"] == pfa]
    total = sum(r["count"] or 0 for r in force)
    not_placed = sum(r["not_placed"] or 0 for r in force)
    return total > 0 and not_placed <= total / 2


def parts_of(measures: Iterable[Measure]) -> list[tuple[Measure, Measure]]:
    """(part, whole) pairs: every row the part counts, the whole counts too.

    Same source, local definition and strand; the whole's filters all in the part's; the part
    under 25 where the whole is, or both of all ages.
    """
    measures = list(measures)
    pairs = []
    for part in measures:
        for whole in measures:
            if part.id == whole.id or part.source != whole.source:
                continue
            if (part.definition, part.strand) != (whole.definition, whole.strand):
                continue
            if whole.under_25 and not part.under_25:
                continue
            if any(part.filters.get(k) != v for k, v in whole.filters.items()):
                continue
            if part.filters == whole.filters and part.under_25 == whole.under_25:
                continue  # the same rows counted twice: not a part
            pairs.append((part, whole))
    return pairs


def declare(gate: Gate, series: dict[str, Series], *, pfa_code: str) -> None:
    """Put every published cell, and every unpublished cell a reader could work out, to the
    gate, with the relations between them."""
    for s in series.values():
        source = source_kind(s.measure)
        for r in s.rows:
            gate.add(count_key(s.measure.id, r["area_code"], r["period"]), _count(r), source)
        _declare_geography(gate, s, pfa_code, source)
    for part, whole in parts_of(s.measure for s in series.values()):
        _declare_part(gate, series[part.id], series[whole.id], source_kind(whole))


def _count(row: dict) -> int | None:
    if row["suppressed"] or row["count"] is None:
        return None
    return int(row["count"])


def _declare_geography(gate: Gate, s: Series, pfa: str, source) -> None:
    """force area == its local authorities (+ rows not placed in one, record-level)."""
    if s.measure.source == "published":
        return  # official figures relate only to official figures; nothing to protect
    for period in s.periods:
        force = s.row(pfa, period)
        las = [r for r in s.rows if r["period"] == period and r["area_code"] != pfa]
        if force is None or not las:
            continue
        parts = [count_key(s.measure.id, r["area_code"], period) for r in las]
        if s.measure.source in _RECORD_LEVEL:
            rest = ("not-placed", s.measure.id, pfa, period)
            gate.add(rest, int(force["not_placed"] or 0), source)
            parts.append(rest)
        gate.relate(count_key(s.measure.id, pfa, period), parts, source)


def _declare_part(gate: Gate, part: Series, whole: Series, source) -> None:
    """whole == part + rest, for every area and period both publish with known counts."""
    for r in part.rows:
        w = whole.row(r["area_code"], r["period"])
        if w is None:
            continue
        pkey = count_key(part.measure.id, r["area_code"], r["period"])
        wkey = count_key(whole.measure.id, r["area_code"], r["period"])
        p, t = gate.count(pkey), gate.count(wkey)
        if p is None or t is None:
            # one of them arrived suppressed: the remainder cannot be worked out from them
            continue
        if p > t:
            raise DisclosureError(
                f"{part.measure.id} ({p}) is more than {whole.measure.id} ({t}) for "
                f"{r['area_code']} {r['period']}, though every row of the first is a row of the "
                "second: the counts are not additive (check the partner's age bands), so the "
                "gate cannot protect their difference"
            )
        rest = ("rest", part.measure.id, whole.measure.id, r["area_code"], r["period"])
        gate.add(rest, t - p, source)
        gate.relate(wkey, [pkey, rest], source)
