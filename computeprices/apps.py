from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class ComputePricesConfig(AppConfig):
    name = "computeprices"
    verbose_name = "ComputePrices"

    def ready(self):
        from .dataversion import PUBLISHED_MODELS, bump_on_change

        for label in PUBLISHED_MODELS:
            try:
                model = apps.get_model(label)
            except LookupError:  # an app not installed in this configuration
                continue
            post_save.connect(bump_on_change, sender=model, dispatch_uid=f"dataversion-save-{label}")
            post_delete.connect(bump_on_change, sender=model, dispatch_uid=f"dataversion-delete-{label}")
