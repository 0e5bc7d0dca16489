"""`manage.py price_size_fit`: refresh and print the price-vs-size fit (what /analysis/ shows)."""

from django.core.management.base import BaseCommand

from inference.analysis import CACHED_BLENDS, compute_price_size_analysis, refresh_price_size_fit

RULE_OF_THUMB = "DESIGN.md rule of thumb: $0.03 + $0.02 per 10B parameters per 1M tokens"


class Command(BaseCommand):
    help = "Recompute the least-squares fit of cheapest price against parameters, and print it per blend."

    def handle(self, *args, **options):
        refresh_price_size_fit()
        for blend in CACHED_BLENDS:
            analysis = compute_price_size_analysis(blend)
            fit = analysis.fit
            if fit is None:
                self.stdout.write(f"blend {blend}: no fit ({analysis.no_fit_reason})")
                continue
            r2 = f"{fit.r_squared:.3f}" if fit.r_squared is not None else "n/a"
            self.stdout.write(
                f"blend {blend}: intercept ${fit.intercept:.4f} + ${fit.slope_per_10b:.4f} per 10B, "
                f"R² {r2}, n={fit.n} dense models; at 70B ${fit.predict(70):.3f}, at 10T ${fit.predict(10000):.2f}"
            )
        self.stdout.write(RULE_OF_THUMB)
