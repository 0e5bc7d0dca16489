"""The trace pages' tables as CSV: the same rows and figures the pages show, in columns named with units.

Written through the site's one CSV writer (computeprices.tables.csv_response: formula guard, plain decimals).
"""

from django.utils.text import slugify

from computeprices.tables import csv_response

DATASET_HEADER = ["dataset", "slug", "example", "rows", "imported_at_utc", "source_file"]

ROW_HEADER = [
    "workload", "route", "provider", "model", "concurrency", "input_tokens", "output_tokens", "ttft_ms",
    "latency_p50_ms", "latency_p95_ms", "within_p95_target", "output_tokens_per_second", "accepted_output_rate",
    "cache_hit_rate", "cache_adjusted_input_tokens", "throughput_headroom_accepted_tokens_per_second",
    "observed_cost_usd_per_request", "list_price_usd_per_request", "list_usd_per_mtok_input",
    "list_usd_per_mtok_output", "list_price_as_of", "review_minutes", "cost_usd_per_accepted_output",
]  # fmt: skip

ROUTE_HEADER = [
    "workload", "route", "chosen", "provider", "model", "concurrency", "latency_p95_ms",
    "observed_cost_usd_per_request", "list_price_usd_per_request", "cost_usd_per_accepted_output",
    "cheapest_any_latency_usd_per_accepted_output", "cheapest_any_latency_p95_ms",
]  # fmt: skip


def datasets_csv(datasets):
    rows = [
        [d.name, d.slug, d.is_example, d.row_count, d.imported_at.strftime("%Y-%m-%d %H:%M"), d.source_filename]
        for d in datasets
    ]
    return csv_response("trace-datasets", DATASET_HEADER, rows)


def _name(dataset, table, options):
    parts = [dataset.slug, table] + [f"{k}-{v}" for k, v in options.items() if v is not None]
    return slugify(" ".join(str(p) for p in parts))


def rows_csv(dataset, summaries, options):
    """Every row of every workload with its derived figures, in the page's order."""
    rows = []
    for summary in summaries:
        for route in summary.routes:
            for f in route.rows:
                r, price = f.row, f.list_price
                rows.append(
                    [
                        r.workload, r.route, r.provider_name, r.model_name, r.concurrency, r.input_tokens,
                        r.output_tokens, r.ttft_ms, r.latency_p50_ms, r.latency_p95_ms, f.within_target,
                        r.output_tokens_per_second, r.accepted_output_rate, r.cache_hit_rate,
                        f.cache_adjusted_input, f.headroom, r.cost_usd, f.list_cost,
                        price.input if price else None, price.output if price else None,
                        price.as_of if price else None, r.review_minutes, f.cost_per_accepted,
                    ]
                )  # fmt: skip
    return csv_response(_name(dataset, "rows", options), ROW_HEADER, rows)


def routes_csv(dataset, summaries, options):
    """The routes-side-by-side table of every workload: each route's cheapest row within the target."""
    rows = []
    for summary in summaries:
        for route in summary.routes:
            best, any_latency = route.best_within_target, route.best_any_latency
            chosen = summary.chosen is not None and best is not None and summary.chosen.row.pk == best.row.pk
            rows.append(
                [summary.workload, route.route, chosen]
                + (
                    [best.row.provider_name, best.row.model_name, best.row.concurrency, best.row.latency_p95_ms,
                     best.row.cost_usd, best.list_cost, best.cost_per_accepted]
                    if best else [None] * 7
                )
                + [any_latency.cost_per_accepted if any_latency else None,
                   any_latency.row.latency_p95_ms if any_latency else None]
            )  # fmt: skip
    return csv_response(_name(dataset, "routes", options), ROUTE_HEADER, rows)
