"""The canonical tables, transactional idempotent loads, provenance and quarantine."""

from svduty.warehouse.connection import Warehouse, connect

__all__ = ["Warehouse", "connect"]
