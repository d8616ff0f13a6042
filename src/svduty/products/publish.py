"""``svduty publish``: the public site (the work is in :mod:`svduty.products.site`)."""

from svduty.products.site import MAP_MEASURES, GatedTable, SiteError, SiteManifest, publish

__all__ = ["MAP_MEASURES", "GatedTable", "SiteError", "SiteManifest", "publish"]
