"""The partnership portal (Django): people, organisations, data sharing agreements, uploads,
dashboards, approval of the products, and the audit log.

It calls the layers below (sources, warehouse, analysis, products, privacy) and never goes around
them. Run it with `svduty serve`; manage it with `python -m svduty.portal <command>`.
"""
