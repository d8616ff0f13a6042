"""Views: public (being written)."""

urlpatterns: list = []
