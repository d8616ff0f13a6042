"""The evidence base for the strategic needs assessment: who, where, when, what and why."""
