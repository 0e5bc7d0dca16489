"""`manage.py trace_routes DATASET [--p95 MS ...] [--reviewer USD]`: the route chosen per workload,
as the dataset page shows it, at one or more p95 targets (no --p95: any latency)."""

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from traces.metrics import DEFAULT_REVIEWER_USD_PER_MINUTE, summarize
from traces.models import Route, TraceDataset


def decimal_arg(value):
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Print the route with the lowest cost per accepted output per workload, at each p95 target."

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="Dataset slug (see /traces/).")
        parser.add_argument("--p95", type=decimal_arg, action="append", default=[], help="p95 target in ms.")
        parser.add_argument("--reviewer", type=decimal_arg, default=DEFAULT_REVIEWER_USD_PER_MINUTE)

    def handle(self, dataset, p95, reviewer, **options):
        ds = TraceDataset.objects.filter(slug=dataset).first()
        if ds is None:
            raise CommandError(f"No dataset with slug {dataset!r}.")
        rows = list(ds.rows.order_by("row_number"))
        labels = dict(Route.choices)
        self.stdout.write(f"{ds} ({len(rows)} rows), reviewer ${reviewer}/min")
        for target in p95 or [None]:
            self.stdout.write(f"p95 target: {f'{target} ms' if target is not None else 'any latency'}")
            for summary in summarize(rows, target, reviewer):
                chosen = summary.chosen
                if chosen is None:
                    self.stdout.write(f"  {summary.workload}: no route with accepted output within the target")
                    continue
                row = chosen.row
                self.stdout.write(
                    f"  {summary.workload}: {labels.get(row.route, row.route)} ({row.provider_name} · "
                    f"{row.model_name}, concurrency {row.concurrency}, p95 {row.latency_p95_ms:,.0f} ms) "
                    f"${chosen.cost_per_accepted:.5f} per accepted output"
                )
