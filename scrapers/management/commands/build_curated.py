"""`python manage.py build_curated [--data ../shared/data] [--check]`: build the shipped curated set's breadth
from licence-compatible (MIT) sources into providers/data/generated/ and inference/data/generated/
(see scrapers/catalogue_build.py), then print the counts the shipped set reaches."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scrapers import catalogue_build


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            default=str(Path(settings.BASE_DIR).parent / "shared" / "data"),
            help="The recorded public files (default: ../shared/data).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count only; write nothing.")

    def handle(self, *args, **options):
        data = Path(options["data"])
        if not (data / "inference" / "models_dev").is_dir():
            raise CommandError(f"{data} does not hold the recorded sources (inference/models_dev missing)")
        if not options["dry_run"]:
            for snapshot, n in sorted(catalogue_build.drop_unlicensed().items()):
                self.stdout.write(f"removed {n} hand-curated price(s) from {snapshot}")
        result, hand = catalogue_build.build(data)
        if not options["dry_run"]:
            catalogue_build.write(result)
        counts = result.counts(hand)
        for name, value in counts.items():
            self.stdout.write(f"{name:<32} {value}")
        self.stdout.write("left out (reason: rows):")
        for reason, n in sorted(result.left_out.items()):
            self.stdout.write(f"  {reason}: {n}")
        self.stdout.write(
            "per-token providers named by the licensed sources that ship no price (what became of their rows):"
        )
        for source, provider, outcomes in result.unshipped(hand):
            said = "; ".join(f"{outcome}: {n}" for outcome, n in outcomes.items())
            self.stdout.write(f"  {source} {provider}: {said}")
