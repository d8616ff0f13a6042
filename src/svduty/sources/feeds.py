"""Every partner feed svduty takes, by the name the CLI and the `loads` table use."""

from __future__ import annotations

from svduty.sources import police_crime
from svduty.sources.feed import Feed

FEEDS: dict[str, Feed] = {feed.source: feed for feed in (police_crime.FEED,)}


def canonical_tables() -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """The canonical table of each feed.

    Feeds that share a table (the aggregate feeds) must agree on its column names and types;
    the first feed's description and column meanings document it.
    """
    tables: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    for feed in FEEDS.values():
        columns = feed.canonical()
        if feed.table in tables:
            first = [(n, t) for n, t, _ in tables[feed.table][1]]
            if first != [(n, t) for n, t, _ in columns]:
                raise ValueError(f"feed {feed.source} disagrees on the columns of {feed.table}")
        tables.setdefault(feed.table, (feed.description, columns))
    return tables
