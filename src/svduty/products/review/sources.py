"""The warehouse sources the review reads: what each is called on the page, which are placed
in LSOAs (hotspots and evaluations need those), and how many months of the year each holds."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import where
from svduty.analysis.measures.catalogue import Catalogue
from svduty.products.area import Area
from svduty.products.review.words import _month_text
from svduty.warehouse import Warehouse

LOCATED = ("police_crime", "police_uk_street")  # placed in LSOAs: hotspots and evaluations
DEFAULT_HOTSPOT_MEASURE = "police-uk-violence"  # real open data, always there in the demo
SOURCES = {
    "police_uk_street": "police.uk street-level crime (data.police.uk, Open Government Licence)",
    "police_crime": "the police force's crime records extract",
    "ed_assault": "emergency department assault records (ISTV)",
    "partner_aggregate": "partner aggregate returns",
    "published": "ONS police force area tables",
}


def _located_measure(catalogue: Catalogue, ids: list[str], wh: Warehouse) -> str:
    """The first of ``ids`` placed in LSOAs with data in the warehouse, else police.uk violence."""
    for m in ids:
        measure = catalogue.get(m)
        table = measure.source
        if table in LOCATED and wh.has_table(table) and wh.table(table).count().execute() > 0:
            return m
    return DEFAULT_HOTSPOT_MEASURE


def _coverage(rows: pd.DataFrame, place: Area, year: int, measures) -> pd.DataFrame:
    """How many months of the year each record-level source holds."""
    out = []
    for source in dict.fromkeys(m.measure.source for m in measures):
        if source not in where.RECORD_SOURCES:
            continue
        ids = [m.measure.id for m in measures if m.measure.source == source]
        part = rows[rows["measure"].isin(ids) & (rows["period_type"] == "month")]
        months = sorted({int(p[5:]) for p in part["period"].astype(str) if p[:4] == str(year)})
        out.append(
            {
                "Source": SOURCES[source],
                "Months covered": len(months),
                "Months": _month_text(months) if months else "none",
            }
        )
    return pd.DataFrame(out, columns=["Source", "Months covered", "Months"])
