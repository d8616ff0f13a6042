"""Views: audit_log (being written)."""

urlpatterns: list = []
