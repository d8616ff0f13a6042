"""Views: agreements (being written)."""

urlpatterns: list = []
