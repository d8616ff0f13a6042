"""What the person chose: an area (and perhaps one of its wards), a kind of period and a range
of years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from svduty.products.area import Area

__all__ = ["PERIOD_TYPES", "Choice", "period"]

PERIOD_TYPES = {
    "calendar_year": "Calendar year (January to December)",
    "financial_year": "Financial year (April to March)",
}


@dataclass(frozen=True)
class Choice:
    """An area (and perhaps one of its wards), a kind of period and a range of years (a
    financial year is named by the year it starts in)."""

    area: Area
    period_type: str = "calendar_year"
    ward: tuple[str, str] | None = None  # (code, name)
    first: int | None = None
    last: int | None = None

    @property
    def place(self) -> str:
        return f"{self.ward[1]} ward, {self.area.name}" if self.ward else self.area.name

    def bounds(self) -> tuple[date, date] | None:
        """First and last day of the chosen years, or None for every year."""
        if self.first is None or self.last is None:
            return None
        if self.period_type == "financial_year":
            return date(self.first, 4, 1), date(self.last + 1, 3, 31)
        return date(self.first, 1, 1), date(self.last, 12, 31)

    def as_detail(self) -> dict:
        """The choice as the audit log records it."""
        return {
            "area": self.area.id,
            "ward": self.ward[0] if self.ward else None,
            "period_type": self.period_type,
            "from": self.first,
            "to": self.last,
        }


def period(month: str, period_type: str) -> tuple[str, date, date]:
    """The period (label, first day, last day) of the kind chosen that a month (YYYY-MM) is in."""
    y, m = int(month[:4]), int(month[5:7])
    if period_type == "financial_year":
        fy = y if m >= 4 else y - 1
        return f"{fy}/{str(fy + 1)[2:]}", date(fy, 4, 1), date(fy + 1, 3, 31)
    return str(y), date(y, 1, 1), date(y, 12, 31)
