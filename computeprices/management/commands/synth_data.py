"""Multiply the loaded catalogue into a synthetic one N times its size, for benchmarks.

    python manage.py synth_data --scale 100          # ~20k GPU, ~14k token offerings, ~1.7M daily prices
    python manage.py synth_data --scale 1            # removes the synthetic rows again

Seeded and deterministic (see computeprices/synthetic.py for the shape and how rows are marked).
Run it on a database of its own: the synthetic providers are real rows until removed.
"""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from computeprices.freshness import today_utc
from computeprices.synthetic import synth_data
from providers.stats import refresh_gpu_daily_stats


class Command(BaseCommand):
    help = "Replace the synthetic rows with a catalogue --scale times the loaded one (marked 'Synthetic')."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, required=True, help="1 removes the synthetic rows; 100 = 100x")
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument(
            "--stats-days",
            type=int,
            default=30,
            help="rebuild the daily GPU statistics this many days back (default 30; 0 skips; 365 is slow at 100x)",
        )

    def handle(self, *args, scale, seed, stats_days, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1")
        started = time.perf_counter()
        counts = synth_data(scale, seed=seed, log=lambda message: self.stdout.write(f"  {message}"))
        self.stdout.write(
            f"Synthetic rows at scale {scale}: {counts.providers} providers, {counts.gpu_offerings} GPU offerings, "
            f"{counts.token_offerings} token offerings, {counts.gpu_prices} GPU prices, {counts.token_prices} token "
            f"prices ({counts.removed_prices} old synthetic prices removed) in {time.perf_counter() - started:.1f} s"
        )
        if stats_days > 0:
            started = time.perf_counter()
            stats = refresh_gpu_daily_stats(since=today_utc() - timedelta(days=stats_days))
            took = time.perf_counter() - started
            self.stdout.write(f"Daily GPU statistics rebuilt for the last {stats_days} days: {stats} in {took:.1f} s")
