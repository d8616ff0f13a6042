"""The freshness line at the top of every dashboard page: which feeds hold data and up to which
month, and which are missing or overdue against the data sharing agreement that covers them.

What a feed holds is read from the `loads` table (the current loads of each source: the last
day their rows cover, and whether any is synthetic), once per data version. Whether a feed is
due comes from the agreements (portal.models.Agreement): a partner feed that an agreement in
force covers and that has no data is missing. An agreement records no expected frequency of
supply, so no feed can be judged overdue: each says "no schedule agreed" until agreements carry
one. The open data (police.uk, ONS) are not supplied under an agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from svduty.portal.dashboard.caching import DATA, key
from svduty.sources import ons_prc, police_uk
from svduty.sources.feeds import FEEDS
from svduty.warehouse import Warehouse

__all__ = ["FeedFreshness", "freshness", "held"]

OPEN_DATA = {
    police_uk.SOURCE: "police.uk street-level crime (open data)",
    ons_prc.SOURCE: "ONS police recorded crime tables (open data)",
}
NO_SCHEDULE = "no schedule agreed"


@dataclass(frozen=True)
class FeedFreshness:
    source: str
    name: str
    up_to: date | None  # the last day its current loads cover; None: it holds no data
    synthetic: bool = False
    agreement: str | None = None  # the agreement in force that covers it, for partner feeds
    schedule: str = NO_SCHEDULE

    @property
    def up_to_text(self) -> str:
        return "" if self.up_to is None else f"{self.up_to:%B %Y}"

    @property
    def missing(self) -> bool:
        """Agreed to be shared, and nothing loaded."""
        return self.up_to is None and self.agreement is not None


def held(wh: Warehouse, version) -> dict[str, tuple[date, bool]]:
    """Per source with current loads: the last day they cover and whether any is synthetic.
    Kept per data version (every load changes it)."""

    def make() -> dict[str, tuple[date, bool]]:
        loads = wh.table("loads")
        current = loads.filter((loads.status != "refused") & loads.superseded_by_load_id.isnull())
        frame = (
            current.group_by("source")
            .aggregate(up_to=current.period_end.max(), synthetic=current.synthetic.any())
            .execute()
        )
        out = {}
        for r in frame.itertuples(index=False):
            if r.up_to is not None and not pd.isna(r.up_to):
                out[str(r.source)] = (pd.Timestamp(r.up_to).date(), bool(r.synthetic))
        return out

    return DATA.get(key(wh, version.loads, "freshness"), make)


def freshness(wh: Warehouse, version, today: date | None = None) -> list[FeedFreshness]:
    """Every feed svduty takes, the open data first, then the partner feeds in FEEDS' order."""
    from svduty.portal.models import Agreement

    found = held(wh, version)
    in_force: dict[str, str] = {}
    for agreement in Agreement.objects.all():
        if agreement.in_force(today):
            for feed in agreement.feeds:
                in_force.setdefault(feed, agreement.title)
    out = []
    for source, name in OPEN_DATA.items():
        up_to, synthetic = found.get(source, (None, False))
        out.append(FeedFreshness(source, name, up_to, synthetic, schedule="open data"))
    for source, feed in FEEDS.items():
        up_to, synthetic = found.get(source, (None, False))
        agreement = in_force.get(source)
        schedule = NO_SCHEDULE if agreement else "no agreement in force"
        out.append(FeedFreshness(source, feed.title, up_to, synthetic, agreement, schedule))
    return out
