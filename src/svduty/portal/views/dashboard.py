"""Views: dashboard (being written)."""

urlpatterns: list = []
