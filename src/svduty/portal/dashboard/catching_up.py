"""What a reader sees in the minutes after a load: the figures as the worker last finished them,
said to be so, while the worker brings them up to date.

A load changes the data version of the measures that read its source (opening.DataVersion), and
the background worker then computes their figures afresh (warming.warm): for a load of police
records, tens of seconds of work. Until it has, a reader asking for those measures would compute
them while waiting, seconds a view and many more on a busy machine: readers would wait on loads,
which they must not (docs/concurrency.md, point 9). So for a while after a load
(``DASHBOARD_CATCH_UP_SECONDS``) a view is made from the version the worker last finished
warming, reading only what is ready (caching.only_ready), and the page says its figures are
from before the latest load and are being brought up to date. Where anything it needs was never
computed (a ward no one had chosen, say), the view is made from the data as they are now, as
before. After the window, or with the warm-up turned off, readers never see an older version:
a worker that died cannot leave the dashboards behind for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from django.conf import settings

from svduty.portal.dashboard.caching import SHARED, NotReady, only_ready
from svduty.portal.dashboard.opening import DataVersion
from svduty.portal.dashboard.shared import MISSING
from svduty.warehouse import Warehouse

__all__ = ["Shown", "record_warmed", "warmed", "when_ready"]

T = TypeVar("T")


@dataclass(frozen=True)
class Shown(Generic[T]):
    """A view's content and, when it shows the figures from before the latest load, when that
    load committed (UTC; None when the view is up to date)."""

    value: T
    behind_load_at: datetime | None = None


def _key(wh: Warehouse) -> tuple:
    return ("warmed", wh.url)


def record_warmed(wh: Warehouse, version: DataVersion) -> None:
    """The worker has computed the dashboards' figures of ``version`` (warming.warm)."""
    SHARED.put(_key(wh), version)


def warmed(wh: Warehouse) -> DataVersion | None:
    """The version the worker last finished warming, if any."""
    found = SHARED.peek(_key(wh))
    return None if found is MISSING else found


def _catching_up(wh: Warehouse, version: DataVersion) -> DataVersion | None:
    """The version to show instead of ``version`` while the worker catches up, or None."""
    if not settings.DASHBOARD_WARMING or version.newest_load_at is None:
        return None
    since = datetime.now(UTC).replace(tzinfo=None) - version.newest_load_at
    if since > timedelta(seconds=settings.DASHBOARD_CATCH_UP_SECONDS):
        return None
    previous = warmed(wh)
    return previous if previous is not None and previous != version else None


def when_ready(wh: Warehouse, version: DataVersion, make: Callable[[DataVersion], T]) -> Shown[T]:
    """``make(version)``, or, while the worker catches up with a recent load, ``make`` of the
    version it last warmed, read from what is ready, marked as behind the load."""
    previous = _catching_up(wh, version)
    if previous is not None:
        try:
            with only_ready():
                return Shown(make(previous), version.newest_load_at)
        except NotReady:
            pass  # something it needs was never computed: show the data as they are now
    return Shown(make(version))
