from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Price alerts and feeds"

    def ready(self):
        # Register the task by name wherever Django runs: scrapers.tasks queues it as "alerts.send_price_alerts".
        from . import tasks  # noqa: F401
