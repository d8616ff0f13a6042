"""The success measures and the partnership's local measures (catalogue, counts, statistics)."""

from svduty.analysis.measures.catalogue import Catalogue, CatalogueError, Measure, configured, load
from svduty.analysis.measures.compute import Geography, compute
from svduty.analysis.measures.selection import rows

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
