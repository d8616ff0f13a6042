"""Views: products (being written)."""

urlpatterns: list = []
