"""`python manage.py data_report [--json]`: per source, last good run, rows seen / published / flagged /
unmatched, disagreements with other sources, and the age histogram of the prices it publishes now;
the curated set with its dates beside them. The same figures as /sources/."""

import json

from django.core.management.base import BaseCommand

from scrapers.report import data_report


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        report = data_report()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        c = report.curated
        w = self.stdout.write
        w(f"Data report for {report.today} (UTC)")
        w("")
        w(
            f"curated set: {c.offerings} offerings, {c.prices} prices ({c.undated} undated); "
            f"price dates {c.oldest or '-'} .. {c.newest or '-'}; collected {c.collected_from or '-'} .. "
            f"{c.collected_to or '-'}; publishes {c.published} listed prices"
        )
        cited = {"gpu": "GPU-hour", "inference": "per-token"}
        w(
            "curated prices citing their origin: "
            + "; ".join(f"{cited[m]} {n} of {total} ({total - n} none)" for m, (n, total) in c.cited.items())
        )
        w("")
        header = f"{'source':<22} {'last good run':<17} {'seen':>6} {'publ':>6} {'flag':>5} {'unm':>5}"
        header += f" {'feeds':>6} {'disagr':>6}"
        w(header)
        w("-" * len(header))
        for s in report.sources:
            run = s.last_run
            when = run.finished.strftime("%Y-%m-%d %H:%M") if run and run.finished else "never"
            nums = (run.rows_seen, run.rows_published, run.rows_flagged, run.rows_unmatched) if run else ("-",) * 4
            w(
                f"{s.name:<22} {when:<17} {nums[0]:>6} {nums[1]:>6} {nums[2]:>5} {nums[3]:>5} "
                f"{s.published:>6} {s.disagreements:>6}" + (" FAILING" if s.failing else "")
            )
        w("")
        w("Age of the published prices (price date, or collection day when undated):")
        for label, n, total in report.histogram:
            share = f"{100 * n / total:.0f}%" if total else "-"
            w(f"  {label:<12} {n:>6}  {share:>4}")
