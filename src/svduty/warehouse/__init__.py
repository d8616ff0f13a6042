"""The canonical tables, transactional idempotent loads, provenance and quarantine."""

from svduty.warehouse.connection import Warehouse, WarehouseMissing, connect

__all__ = ["Warehouse", "WarehouseMissing", "connect"]
