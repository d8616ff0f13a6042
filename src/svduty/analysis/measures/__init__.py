"""The success measures and the partnership's local measures (catalogue, counts, statistics).

The names below are imported when first used (PEP 562), not with the package: the computation
imports pandas, Ibis and scipy, and a reader of the catalogue alone (the command line's help,
`svduty measures --list`) should not wait for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svduty.analysis.measures.catalogue import (
        Catalogue,
        CatalogueError,
        Measure,
        configured,
        load,
    )
    from svduty.analysis.measures.compute import Geography, compute
    from svduty.analysis.measures.selection import rows

_WHERE = {
    "Catalogue": "catalogue",
    "CatalogueError": "catalogue",
    "Measure": "catalogue",
    "configured": "catalogue",
    "load": "catalogue",
    "Geography": "compute",
    "compute": "compute",
    "rows": "selection",
}

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Geography",
    "Measure",
    "compute",
    "configured",
    "load",
    "rows",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
    return getattr(module, name)
