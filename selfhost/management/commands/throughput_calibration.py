"""python manage.py throughput_calibration [--json]: leave-one-out check of the throughput estimates."""

import json

from django.core.management.base import BaseCommand

from selfhost import catalogue, throughput


class Command(BaseCommand):
    help = (
        "Estimate every measured throughput profile with that profile left out of the efficiency fit; print "
        "measured, estimated, the physical bound and the ratio, then the median error and 90th-percentile factor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a JSON list of objects (and nothing else)")

    def handle(self, *args, **options):
        rows = throughput.calibrate(catalogue.measured_profiles())
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=1))
            return
        self.stdout.write(f"{'profile':<72} {'kind':<12} {'measured':>11} {'estimated':>11} {'bound':>11} {'ratio':>6}")
        for r in rows:
            self.stdout.write(
                f"{r['profile']:<72} {r['kind']:<12} {r['measured']:>11,.0f} {r['estimated']:>11,.0f} "
                f"{r['bound']:>11,.0f} {r['ratio']:>6.2f}"
            )
        s = throughput.summary(rows)
        self.stdout.write(
            f"\n{s['profiles']} figures, leave-one-out: median |estimated/measured - 1| = {s['median_abs_error']:.0%} "
            f"(target <= 35%); 90th percentile factor = {s['p90_factor']:.2f}x (target <= 2x); "
            f"estimates above their bound: {s['above_bound']} (target 0)."
        )
