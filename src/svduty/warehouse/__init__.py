"""The canonical tables, transactional idempotent loads, provenance and quarantine."""

from svduty.warehouse.connection import Warehouse, WarehouseBusy, WarehouseMissing, connect

__all__ = ["Warehouse", "WarehouseBusy", "WarehouseMissing", "connect"]
