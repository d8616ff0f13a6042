"""What the portal's settings name for the dashboards: the svduty configuration, the
partnership's areas and the measures catalogue."""

from __future__ import annotations

import threading

from django.conf import settings

from svduty import partnership as partnerships
from svduty.analysis.measures import catalogue as catalogues
from svduty.analysis.measures.catalogue import Catalogue
from svduty.products.area import Area
from svduty.products.area import areas as partnership_areas
from svduty.settings import Config

__all__ = ["areas", "catalogue", "catalogue_stamp", "config"]


def config() -> Config:
    """The portal's svduty settings (settings.CONFIG)."""
    return settings.CONFIG


def _partnership(cfg: Config):
    path = cfg.partnership_path
    return partnerships.load(path if path.exists() else partnerships.DEFAULT_YAML)


def areas(cfg: Config | None = None) -> list[Area]:
    """The force area first, then each local authority (svduty.products.area). Read again only
    when the partnership's file changes: every view asks, and reading and validating the YAML
    took a fifth of a second, most of a filter change's budget."""
    cfg = cfg or config()
    path = cfg.partnership_path if cfg.partnership_path.exists() else partnerships.DEFAULT_YAML
    stamp = (str(path), path.stat().st_mtime_ns)
    with _LOCK:
        if stamp not in _AREAS:
            _AREAS.clear()
            _AREAS[stamp] = partnership_areas(_partnership(cfg))
        return list(_AREAS[stamp])


def catalogue(cfg: Config | None = None) -> Catalogue:
    """The measures catalogue, read again only when its file changes (each view asks for it)."""
    cfg = cfg or config()
    stamp = catalogue_stamp(cfg)
    with _LOCK:
        if stamp not in _CATALOGUES:
            _CATALOGUES.clear()
            _CATALOGUES[stamp] = catalogues.configured(cfg)
        return _CATALOGUES[stamp]


_CATALOGUES: dict = {}
_AREAS: dict = {}
_LOCK = threading.Lock()


def catalogue_stamp(cfg: Config) -> tuple[str, int]:
    """The measures file and when it last changed: an edited catalogue is computed afresh."""
    path = cfg.measures_path or catalogues.SHIPPED
    return str(path), path.stat().st_mtime_ns if path.exists() else 0
