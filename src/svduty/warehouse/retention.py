"""Retention: rows kept no longer than the data sharing agreement allows (docs/retention.md).

Where the period is held: the portal's agreement records retention as words ("Kept for 7 years
from receipt"), which a program cannot apply, and the CLI does not read the portal's database.
So the periods are a file the partnership keeps beside the warehouse, `$SVDUTY_HOME/retention.yaml`
(`svduty retention` says so when it is missing), one entry per feed naming the agreement it
comes from:

    feeds:
      police-crime: {keep: 7 years, from: received, agreement: "Police data sharing agreement"}
      community-voice: {keep: 2 years, from: collected, agreement: "Youth survey agreement"}

`from: received` measures age from when the file was loaded (`loads.loaded_at`), the usual
wording of an agreement; `from: collected` (or `period`) from the row's own date (the feed's
period end: a crime's recorded date, a response's collected date, a count's period end).

Each feed is deleted in one transaction (its canonical rows, and the quarantined rows of the
loads wholly past the period), with one `retention_deletions` row per load it touched, so a kill
part way leaves each feed wholly before or wholly after. A dry run counts and writes nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from svduty.errors import InputError
from svduty.sources.feeds import FEEDS
from svduty.warehouse.connection import Warehouse

_KEEP = re.compile(r"\s*(\d+)\s*(day|week|month|year)s?\s*", re.IGNORECASE)
FROM = {"received": "received", "collected": "period", "period": "period"}


@dataclass(frozen=True)
class Rule:
    feed: str
    keep: str  # as written, e.g. "7 years"
    amount: int
    unit: str
    measured_from: str  # received | period
    agreement: str

    def cutoff(self, today: date) -> date:
        """The first day still kept: rows dated before it are past the period."""
        if self.unit == "day":
            return today - timedelta(days=self.amount)
        if self.unit == "week":
            return today - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
        month += 1
        day = min(today.day, _days_in(year, month))
        return date(year, month, day)


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def load_rules(path: Path) -> list[Rule]:
    """Read the retention file; an InputError names the file, the feed and the fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no retention file. Write one with the period of each feed's data sharing "
            "agreement, e.g.\nfeeds:\n  police-crime: {keep: 7 years, from: received, "
            'agreement: "Police data sharing agreement"}\n(docs/retention.md)'
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    return load_rules_from(raw, path)


def load_rules_from(raw, path: Path | str = "retention.yaml") -> list[Rule]:
    """The rules of a retention document already parsed (see load_rules)."""
    feeds = raw.get("feeds") if isinstance(raw, dict) else None
    if not isinstance(feeds, dict) or not feeds:
        raise InputError(f"{path}: needs `feeds:`, a mapping of feed name to its retention")
    rules = []
    for name, item in feeds.items():
        where = f"{path}: feeds.{name}"
        if name not in FEEDS:
            raise InputError(f"{where}: not a feed svduty takes ({', '.join(sorted(FEEDS))})")
        if not isinstance(item, dict):
            raise InputError(f"{where}: give keep, from and agreement")
        keep = str(item.get("keep", ""))
        m = _KEEP.fullmatch(keep)
        if not m or int(m.group(1)) == 0:
            raise InputError(f"{where}.keep {keep!r}: write a period such as 7 years or 18 months")
        measured = str(item.get("from", "received"))
        if measured not in FROM:
            raise InputError(f"{where}.from {measured!r}: one of {', '.join(FROM)}")
        agreement = str(item.get("agreement") or "").strip()
        if not agreement:
            raise InputError(f"{where}.agreement: name the agreement the period comes from")
        rules.append(
            Rule(name, keep.strip(), int(m.group(1)), m.group(2).lower(), FROM[measured], agreement)
        )
    return rules


def _past(rule: Rule) -> tuple[str, str]:
    """SQL (with one ? for the cutoff) for a canonical row past the period, and for a load
    wholly past it (whose quarantined rows go too)."""
    feed = FEEDS[rule.feed]
    mine = f" AND feed = '{rule.feed}'" if feed.table == "partner_aggregate" else ""
    if rule.measured_from == "received":
        loads = f"SELECT load_id FROM loads WHERE source = '{rule.feed}' AND loaded_at < ?"
        return f"load_id IN ({loads}){mine}", loads
    row = f"{feed.period[1]} < ?{mine}"
    loads = f"SELECT load_id FROM loads WHERE source = '{rule.feed}' AND period_end < ?"
    return row, loads


def run(
    warehouse: Warehouse,
    rules: list[Rule],
    *,
    today: date,
    dry_run: bool,
    deleted_by: str,
    pause_before_commit: Path | None = None,
) -> list[dict]:
    """Delete (or, dry, count) each feed's rows past its period; one transaction per feed."""
    results = []
    for rule in rules:
        feed = FEEDS[rule.feed]
        cutoff = rule.cutoff(today)
        row_sql, loads_sql = _past(rule)
        result = {
            "feed": rule.feed,
            "table": feed.table,
            "agreement": rule.agreement,
            "keep": rule.keep,
            "from": rule.measured_from,
            "cutoff": cutoff.isoformat(),
            "dry_run": dry_run,
        }
        if not warehouse.has_table(feed.table):  # a warehouse older than the feed: nothing held
            results.append(result | {"rows": 0, "quarantined_rows": 0, "loads": []})
            continue
        with warehouse.transaction() as tx:
            per_load = tx.execute(
                f"SELECT load_id, count(*) FROM {feed.table} WHERE {row_sql} "
                "GROUP BY load_id ORDER BY load_id",
                (cutoff,),
            )
            quarantined = tx.execute(
                f"SELECT load_id, count(*) FROM quarantine WHERE load_id IN ({loads_sql}) "
                "GROUP BY load_id ORDER BY load_id",
                (cutoff,),
            )
            result["rows"] = sum(n for _, n in per_load)
            result["quarantined_rows"] = sum(n for _, n in quarantined)
            result["loads"] = sorted({i for i, _ in per_load} | {i for i, _ in quarantined})
            if dry_run or not result["loads"]:
                results.append(result)
                continue  # leaving the block commits a transaction that wrote nothing
            at = datetime.now(UTC).replace(tzinfo=None)
            tx.execute(f"DELETE FROM {feed.table} WHERE {row_sql}", (cutoff,))
            tx.execute(f"DELETE FROM quarantine WHERE load_id IN ({loads_sql})", (cutoff,))
            rows, q = dict(per_load), dict(quarantined)
            first = int(
                tx.execute("SELECT coalesce(max(deletion_id), 0) FROM retention_deletions")[0][0]
            )
            for n, load_id in enumerate(result["loads"], start=first + 1):
                tx.execute(
                    "INSERT INTO retention_deletions (deletion_id, deleted_at, deleted_by, source, "
                    "table_name, load_id, rows_deleted, quarantined_deleted, cutoff, keep, "
                    "measured_from, agreement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        n, at, deleted_by, rule.feed, feed.table, load_id, rows.get(load_id, 0),
                        q.get(load_id, 0), cutoff, rule.keep, rule.measured_from, rule.agreement,
                    ),
                )  # fmt: skip
            result["deleted_at"] = at.isoformat(timespec="seconds")
            if pause_before_commit is not None:
                # Fault injection for the kill test: deleted and audited, nothing committed.
                pause_before_commit.write_text(rule.feed)
                time.sleep(60)
        results.append(result)
    return results


MARK = "DATA-SINCE-DELETED.txt"


def mark_products(roots: list[Path], results: list[dict]) -> list[str]:
    """Mark each built product (a folder with index.html) made before the deletion: a file
    beside it says what was deleted since, and `marked` tells a stale mark from a fresh build.
    Returns the folders marked."""
    done = [r for r in results if r.get("deleted_at")]
    if not done:
        return []
    when = min(datetime.fromisoformat(r["deleted_at"]).replace(tzinfo=UTC) for r in done)
    marked = []
    for root in roots:
        for index in sorted(root.glob("**/index.html")) if root.exists() else ():
            folder = index.parent
            inside = folder.relative_to(root).parents  # the folders between root and this one
            if any((root / p / "index.html").exists() for p in inside if p != Path(".")):
                continue  # a page inside a product: the product is marked at its top
            if (root / "index.html").exists() and folder != root:
                continue
            built = datetime.fromtimestamp(index.stat().st_mtime, UTC)
            if built >= when:
                continue  # built after the deletion
            lines = [
                f"built {built.isoformat(timespec='seconds')} from data since deleted under "
                "the data sharing agreements' retention periods (svduty retention):",
                *(
                    f"- {r['feed']}: {r['rows']} rows dated before {r['cutoff']} deleted "
                    f"{r['deleted_at']} ({r['agreement']}, keep {r['keep']})"
                    for r in done
                ),
                "Rebuild the product to clear this mark.",
            ]
            (folder / MARK).write_text("\n".join(lines) + "\n", encoding="utf-8")
            marked.append(str(folder))
    return marked


def marked(folder: Path) -> bool:
    """Whether the product in `folder` was built from data since deleted (a rebuild after the
    mark clears it: its index.html is newer than the mark)."""
    mark, index = folder / MARK, folder / "index.html"
    return mark.exists() and index.exists() and index.stat().st_mtime <= mark.stat().st_mtime
