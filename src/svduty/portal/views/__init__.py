"""The portal's views, one module per area of work, each with its own ``urlpatterns``."""
