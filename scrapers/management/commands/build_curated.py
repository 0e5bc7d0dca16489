"""`python manage.py build_curated [--data ../shared/data] [--dry-run] [--cite-hand]`: build the shipped curated
set's breadth from licence-compatible (MIT) sources into providers/data/generated/ and inference/data/generated/
(see scrapers/catalogue_build.py), then print the counts the shipped set reaches.

With --cite-hand it instead cites the hand-curated prices (scrapers/cite_hand.py): each price its licensed
snapshot holds at exactly its value gets `origin_url` (and genai-prices' checked date as `price_date`); every
other price is listed with the reason and counted, per market. A rerun changes nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scrapers import catalogue_build, cite_hand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            default=str(Path(settings.BASE_DIR).parent / "shared" / "data"),
            help="The recorded public files (default: ../shared/data).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count only; write nothing.")
        parser.add_argument(
            "--cite-hand",
            action="store_true",
            help="Cite the hand-curated prices' origin (origin_url, price_date) instead of building.",
        )

    def handle(self, *args, **options):
        data = Path(options["data"])
        if not (data / "inference" / "models_dev").is_dir():
            raise CommandError(f"{data} does not hold the recorded sources (inference/models_dev missing)")
        if options["cite_hand"]:
            self.cite_hand(data, write=not options["dry_run"])
            return
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

    def cite_hand(self, data, write):
        result = cite_hand.cite(data, write=write)
        w = self.stdout.write
        w("hand-curated prices not cited (market, file, offering, as_of: reason [what the snapshot holds]):")
        for o in result.refused:
            w(f"  {o.market} {o.path} {o.where} {o.as_of}: {o.reason}" + (f" [{o.detail}]" if o.detail else ""))
        for market, counts in result.counts().items():
            total = sum(counts.values())
            w(f"{market}: {counts.get('cited', 0)} of {total} hand-curated prices cited")
            for reason, n in sorted(counts.items()):
                if reason != "cited":
                    w(f"  not cited, {reason}: {n}")
        w("cited, by snapshot:")
        for (market, snapshot, licence), n in result.by_snapshot().items():
            w(f"  {market} {snapshot} ({licence}): {n}")
        verb = "changed" if write else "would change"
        w(f"{len(result.files_changed)} file(s) {verb}" + "".join(f"\n  {p}" for p in result.files_changed))
