"""Views: accounts (being written)."""

urlpatterns: list = []
