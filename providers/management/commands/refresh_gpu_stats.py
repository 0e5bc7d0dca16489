"""python manage.py refresh_gpu_stats [--since YYYY-MM-DD]: rebuild the daily GPU statistics by hand.

The nightly job and load_curated call providers.stats.refresh_gpu_daily_stats themselves; this is for
after a correction in admin, so the history charts show it before the next night.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from providers.stats import refresh_gpu_daily_stats


class Command(BaseCommand):
    help = "Recompute the daily per-GPU statistics (all days, or from --since on)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first UTC day to recompute, YYYY-MM-DD (default: all days)")

    def handle(self, *args, since=None, **options):
        try:
            since_day = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError(f"--since {since!r} is not a YYYY-MM-DD date") from None
        counts = refresh_gpu_daily_stats(since=since_day)
        self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in counts.items()))
