"""The public site: the strategy, the needs assessment's summary, the measures with charts and
maps, and open data downloads, every count through :mod:`svduty.privacy.disclosure`.

``gate`` is the one choke point (cells, relations, one ``protect`` call, and the only maker of
the gated tables the writers accept); ``series`` and ``msoa`` say what is published and declare
it to the gate; ``pages``, ``figures`` and ``downloads`` write it; ``build.publish`` runs it all.
docs/publish.md explains the decisions.
"""

from svduty.products.site.build import MAP_MEASURES, SiteError, publish
from svduty.products.site.gate import GatedTable
from svduty.products.site.manifest import SiteManifest, manifest_path

__all__ = ["MAP_MEASURES", "GatedTable", "SiteError", "SiteManifest", "manifest_path", "publish"]
