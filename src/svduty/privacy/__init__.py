"""Privacy at both doors: keyed pseudonymisation of identifiers as data comes in
(`pseudonymise`), and statistical disclosure control before anything goes out (`disclosure`).

This layer imports nothing else of svduty, so it can be read and audited on its own.
"""
