"""The portal's one way to read the warehouse: its pages, the upload pages and product builds.

Each reader opens the warehouse for as long as it reads and closes it. On DuckDB that opens the
newest published snapshot (svduty.warehouse.snapshots), never the file a load is writing, so a
page neither waits for a load nor makes one wait; on PostgreSQL a read-only session. What is
left to go wrong is said in words a person can act on (WarehouseUnavailable).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextlib import closing

from django.conf import settings

from svduty.warehouse import Warehouse, WarehouseBusy, WarehouseMissing, connect

__all__ = ["WarehouseUnavailable", "reading"]

log = logging.getLogger(__name__)


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read just now; the message says why and what to do."""


@contextlib.contextmanager
def reading(url: str | None = None, *, missing_ok: bool = False) -> Iterator[Warehouse | None]:
    """The warehouse (``url``, or the portal's), open for one read and closed after it.

    Before anything is loaded there is no warehouse (and a reader never makes one): with
    ``missing_ok`` the block gets None (a page part that lists loads shows none), otherwise
    WarehouseUnavailable says to load data first.
    """
    url = url or settings.CONFIG.warehouse_url
    try:
        wh = connect(url, read_only=True)
    except WarehouseMissing:
        if not missing_ok:
            raise WarehouseUnavailable(
                "There is no warehouse yet: load data first (`svduty demo`, or an upload by a "
                "partner data lead)."
            ) from None
        wh = None
    except WarehouseBusy:
        # Only a warehouse never yet published: its first load is running.
        raise WarehouseUnavailable(
            "The warehouse is being created by its first load and can be read when that "
            "finishes. Refresh this page in a minute."
        ) from None
    except Exception as exc:  # e.g. a PostgreSQL server that is down or refuses the login
        log.warning("could not open the warehouse for reading: %s", type(exc).__name__)
        raise WarehouseUnavailable(
            f"The warehouse could not be opened ({type(exc).__name__}). Ask a partnership "
            "analyst to check the portal's log and its warehouse setting (SVDUTY_WAREHOUSE_URL)."
        ) from exc
    if wh is None:
        yield None
        return
    with closing(wh):
        yield wh
