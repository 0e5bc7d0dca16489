"""python manage.py refresh_latest_prices: rebuild every offering's stored latest price and dates.

providers.models.refresh_seen() keeps them right on every write (ingest, load_curated, observation saves and
deletes, admin); this recomputes them all from the observations, for after a bulk edit by hand (SQL, a
restore). Idempotent: a second run changes nothing and says so.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from computeprices.dataversion import bump_data_version
from inference.models import InferenceOffering
from providers.models import GpuOffering

CHUNK = 5000  # offerings per refresh_seen() call: bounds the IN lists (SQLite's variable limit)


def refresh_all(model):
    """refresh_seen() over every offering of a model in chunks of CHUNK; returns (offerings, changed)."""
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += model.objects.filter(pk__in=ids[start : start + CHUNK]).refresh_seen()
    return len(ids), changed


class Command(BaseCommand):
    help = "Recompute every offering's latest price (latest_*) and seen/listed dates from its observations."

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic():
            for label, model in (("GPU offerings", GpuOffering), ("token offerings", InferenceOffering)):
                count, changed = refresh_all(model)
                total += changed
                self.stdout.write(f"{label}: {count}, changed {changed}")
            if total:
                bump_data_version()
