from django.apps import AppConfig


class SelfhostConfig(AppConfig):
    """Self-hosting answers: replica planner, throughput estimates, route advisor, /breakeven/.

    Sits above `providers` and `inference` (it reads both markets); neither imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "selfhost"
    verbose_name = "Self-hosting"
