"""Views: uploads (being written)."""

urlpatterns: list = []
