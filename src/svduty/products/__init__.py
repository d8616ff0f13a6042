"""The products of the Duty: the strategic needs assessment, the local strategy, the annual review
and the public site, built as accessible HTML from analysis results.

Anything bound for the public passes :mod:`svduty.privacy.disclosure` first (see ``publish``).
"""
