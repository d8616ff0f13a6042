"""The strategic needs assessment (`svduty sna`): ``build`` is the entry (``build`` assembles the
plain-data ``model`` from the analysis layer, ``write`` renders it through ``page``); ``period``
is its period, ``data`` and ``scope`` the warehouse narrowed to its area and period, one module
per group of sections (``setting``, ``volumes``, ``place``, ...; ``document`` the sections that
frame it), ``rank`` and ``recommend`` the rules that turn findings into key findings and
recommendations. docs/sna.md explains each section and rule."""
