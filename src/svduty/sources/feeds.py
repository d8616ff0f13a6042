"""Every partner feed svduty takes, by the name the CLI and the `loads` table use."""

from __future__ import annotations

from svduty.sources import police_crime
from svduty.sources.feed import Feed

FEEDS: dict[str, Feed] = {feed.source: feed for feed in (police_crime.FEED,)}


def canonical_tables() -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """The canonical table of each feed; feeds that share a table must agree on its columns."""
    tables: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    for feed in FEEDS.values():
        columns = feed.canonical()
        if feed.table in tables and tables[feed.table][1] != columns:
            raise ValueError(f"feeds writing {feed.table} disagree on its columns")
        tables.setdefault(feed.table, (feed.description, columns))
    return tables
