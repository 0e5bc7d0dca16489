"""python manage.py load_curated: load the curated data set (idempotent; a bad file loads nothing)."""

from django.core.management.base import BaseCommand, CommandError

from computeprices.curated import CuratedDataError, load_curated


class Command(BaseCommand):
    help = "Load the curated providers, GPUs, models and prices from providers/data and inference/data."

    def handle(self, *args, **options):
        try:
            counts = load_curated()
        except CuratedDataError as exc:
            raise CommandError(str(exc)) from exc
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(self.style.SUCCESS("Curated data loaded."))
