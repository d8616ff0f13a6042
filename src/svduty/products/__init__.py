"""The products of the Duty: the strategic needs assessment, the local strategy, the annual review
and the public site, built as accessible HTML from analysis results.

A package per product (``assessment``, ``strategy``, ``review``, ``site``), each with the same
module names for the same jobs (``build`` the entry, ``model`` the plain data, ``page`` the HTML,
``check`` the checks; README.md, Layout, has the table); the modules here are what they all use.
Anything bound for the public passes :mod:`svduty.privacy.disclosure` first (see ``site``).
"""
