"""The success measures and the partnership's local measures (catalogue, counts, statistics).

The names below are imported when first used (PEP 562), not with the package: the computation
imports pandas, Ibis and scipy, and a reader of the catalogue alone (the command line's help,
`svduty measures --list`) should not wait for them.

``compute`` names both a module and the function in it. Imported eagerly, the function won;
imported lazily, whichever code first imported the module ``svduty.analysis.measures.compute``
would leave the module under the name (the import system records a submodule on its package).
So the package's ``compute`` is a property that always gives the function (:class:`_Package`);
the module is ``sys.modules["svduty.analysis.measures.compute"]``, as
``from svduty.analysis.measures.compute import ...`` reads it.
"""

from __future__ import annotations

import importlib
import sys
import types
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


class _Package(types.ModuleType):
    @property
    def compute(self):
        from svduty.analysis.measures.compute import compute

        return compute

    @compute.setter
    def compute(self, module) -> None:
        """The import system recording the submodule: the name stays the function's."""


sys.modules[__name__].__class__ = _Package
