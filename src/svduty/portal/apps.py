from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "svduty.portal"
    label = "portal"
    verbose_name = "svduty partnership portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from svduty.portal import signals  # noqa: F401  (sign-in auditing)
