"""Every partner feed svduty takes, by the name the CLI and the `loads` table use."""

from __future__ import annotations

from collections.abc import Iterable

from svduty.sources import aggregates, community_voice, ed_assaults, linked_records, police_crime
from svduty.sources.feed import Feed

FEEDS: dict[str, Feed] = {
    feed.source: feed
    for feed in (
        police_crime.FEED,
        ed_assaults.FEED,
        *aggregates.FEEDS,
        community_voice.FEED,
        *linked_records.FEEDS,
    )
}


def canonical_tables(
    feeds: Iterable[Feed] | None = None,
) -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """The canonical table of each feed (of FEEDS unless `feeds` is given).

    Feeds that share a table (the aggregate feeds) must agree on its column names and types,
    and on its `table_description` when they give one; the table is described by that (or,
    failing it, by the first feed's description), and its columns by the first feed's meanings.
    """
    tables: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    for feed in FEEDS.values() if feeds is None else feeds:
        columns = feed.canonical()
        if feed.table in tables:
            described, first = tables[feed.table]
            if [(n, t) for n, t, _ in first] != [(n, t) for n, t, _ in columns]:
                raise ValueError(f"feed {feed.source} disagrees on the columns of {feed.table}")
            if feed.table_description and feed.table_description != described:
                raise ValueError(f"feed {feed.source} disagrees on the description of {feed.table}")
        tables.setdefault(feed.table, (feed.table_description or feed.description, columns))
    return tables
