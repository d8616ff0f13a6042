"""svduty: software for the Serious Violence Duty (PCSC Act 2022, Part 2 Chapter 1)."""

__version__ = "0.1.0"
