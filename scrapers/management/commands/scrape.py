"""`manage.py scrape SOURCE [--from-file PATH] [--date YYYY-MM-DD] [--dry-run] [--json]` and `scrape --all`.

`scrape --all --recorded ../shared/data --dry-run` replays every source's recorded real payload.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scrapers.ingest import run_source
from scrapers.models import ScrapeRun
from scrapers.sources import RECORDED_PAYLOADS, REGISTRY, get_source


class Command(BaseCommand):
    help = "Run one price source (or --all) through the ingest path and report the run."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help=f"one of: {', '.join(sorted(REGISTRY))}")
        parser.add_argument("--all", action="store_true", help="run every source, then recompute statistics")
        parser.add_argument("--from-file", dest="from_file", help="read a recorded payload instead of the network")
        parser.add_argument("--date", type=date.fromisoformat, help="the UTC day to record (default today)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report without writing")
        parser.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
        parser.add_argument("--list", action="store_true", help="list the sources and exit")
        parser.add_argument(
            "--recorded",
            metavar="DIR",
            help="read each source's recorded payload from DIR (../shared/data) instead of the network",
        )

    def handle(self, *args, **options):
        if options["list"]:
            for name in sorted(REGISTRY):
                self.stdout.write(name)
            return
        if options["all"] == bool(options["source"]):
            raise CommandError("name one SOURCE or pass --all")
        if options["all"] and options["from_file"]:
            raise CommandError("--from-file needs a single SOURCE")
        if options["recorded"] and options["from_file"]:
            raise CommandError("give --from-file or --recorded, not both")
        names = sorted(REGISTRY) if options["all"] else [options["source"]]
        try:
            sources = [get_source(name) for name in names]
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None

        runs = []
        for source in sources:
            if options["recorded"]:
                if source.name not in RECORDED_PAYLOADS:
                    raise CommandError(f"no recorded payload is known for {source.name}")
                payload = source.read_file(Path(options["recorded"]) / RECORDED_PAYLOADS[source.name])
            elif options["from_file"]:
                payload = source.read_file(options["from_file"])
            else:
                payload = None
            run = run_source(source, payload=payload, day=options["date"], dry_run=options["dry_run"])
            runs.append(run)
            if not options["json"]:
                self.stdout.write(
                    f"{run.source}: {run.status} seen={run.rows_seen} published={run.rows_published} "
                    f"(new={run.rows_new} changed={run.rows_changed} unchanged={run.rows_unchanged}) "
                    f"flagged={run.rows_flagged} unmatched={run.rows_unmatched} refused={run.rows_refused} "
                    f"skipped={run.rows_skipped}" + (f" error={run.error}" if run.error else "")
                )
        if options["all"] and not options["dry_run"]:
            from scrapers.tasks import refresh_statistics

            refresh_statistics([run.summary() for run in runs])
        if options["json"]:
            summaries = [run.summary() for run in runs]
            self.stdout.write(json.dumps(summaries[0] if len(summaries) == 1 else summaries))
        if any(run.status == ScrapeRun.Status.FAILED for run in runs):
            raise CommandError(f"failed: {', '.join(r.source for r in runs if r.status == ScrapeRun.Status.FAILED)}")
