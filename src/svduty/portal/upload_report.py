"""The validation report of an upload checked in parts (sources.feedstream): each part's report
(uploads.report_of) merged into the report of the whole file.

Counts add up; the row errors are the first ERRORS_KEPT of the file, in line order; the period
is the earliest start and latest end of every part; what the file covers is the feed's own
`covers` aggregate run over the distinct values of the columns it reads, gathered from every
part (its aggregates are over distinct values, minimums and maximums, so that is the same as
running it over every row, without keeping every row).
"""

from __future__ import annotations

import re

import pyarrow as pa

from svduty.sources import feed as feed_framework

__all__ = ["Report"]


class Report:
    """The report of one file, part by part: :meth:`add` each part, then :meth:`result`."""

    def __init__(self, feed: feed_framework.Feed, errors_kept: int):
        self.feed = feed
        self.errors_kept = errors_kept
        self.parts: list[dict] = []
        self.errors: list[dict] = []
        self.by_reason: dict[tuple[str, str], int] = {}
        names = feed.canonical_names()
        self.covers_columns = [n for n in names if re.search(rf"\b{n}\b", feed.covers)]
        self.distinct: pa.Table | None = None

    def add(self, report: dict, loaded: pa.Table) -> None:
        """One part's report (uploads.report_of) and its loadable rows."""
        self.parts.append({k: report[k] for k in _SUMMED + _PERIOD + ("synthetic",)})
        room = self.errors_kept - len(self.errors)
        self.errors += report["errors"][: max(room, 0)]
        for r in report["by_reason"]:
            key = (r["field"], r["reason_code"])
            self.by_reason[key] = self.by_reason.get(key, 0) + r["rows"]
        if self.covers_columns and loaded.num_rows:
            seen = loaded.select(self.covers_columns)
            if self.distinct is not None:
                seen = pa.concat_tables([self.distinct, seen])
            self.distinct = seen.group_by(self.covers_columns).aggregate([])

    def result(self, content_sha256: str, feed_title: str) -> dict:
        """The whole file's report, in the form uploads.report_of gives for one part."""
        totals = {k: sum(p[k] for p in self.parts) for k in _SUMMED}
        starts = [p["period_start"] for p in self.parts if p["period_start"]]
        ends = [p["period_end"] for p in self.parts if p["period_end"]]
        return {
            "feed_title": feed_title,
            **totals,
            "errors": self.errors,
            "by_reason": [
                {"field": f, "reason_code": c, "rows": n}
                for (f, c), n in sorted(self.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "period_start": min(starts) if starts else None,
            "period_end": max(ends) if ends else None,
            "covers": self._covers(totals["rows_loadable"]),
            "synthetic": any(p["synthetic"] for p in self.parts),
            "content_sha256": content_sha256,
        }

    def _covers(self, rows_loadable: int) -> str:
        if not rows_loadable:
            return "nothing"
        table = self.distinct if self.covers_columns else pa.table({"row": [1]})
        con = feed_framework._validator()
        con.register("covered", table)
        try:
            (covers,) = con.sql(f"SELECT {self.feed.covers} FROM covered").fetchone()
        finally:
            con.unregister("covered")
        return covers or "nothing"


_SUMMED = ("rows_read", "rows_loadable", "rows_quarantined", "errors_total")
_PERIOD = ("period_start", "period_end")
