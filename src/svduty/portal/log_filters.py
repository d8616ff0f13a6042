"""Logging filters for the portal (settings.LOGGING)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied

__all__ = ["RefusalsOnOneLine"]


class RefusalsOnOneLine(logging.Filter):
    """A 403 is the portal working as meant, not a fault: Django logs it with the exception's
    traceback, which says nothing but where the refusal was raised and buries real errors. The
    record keeps its line (the path, now with the reason) and loses the traceback; the refusal
    itself is in the audit log (svduty.portal.access.require). Other exceptions are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
            if str(exc):
                # escaped as Django escapes the path, so the reason cannot break the line either
                reason = str(exc).encode("unicode_escape").decode("ascii")
                record.msg = f"{record.msg} (%s)"
                record.args = (*(record.args or ()), reason)
        return True
