"""The figures derived from measured traces: pure functions on Decimals and plain row objects.

No Django imports: a "row" is anything with the TraceRow attribute names (workload, route,
provider_name, model_name, provider_id, model_id, input_tokens, output_tokens, cache_hit_rate,
batch_eligible, concurrency, latency_p95_ms, output_tokens_per_second, accepted_output_rate,
cost_usd, review_minutes), so tests can pass SimpleNamespace objects.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

DEFAULT_REVIEWER_USD_PER_MINUTE = Decimal("1")
# The routes in the order pages show them; traces.models.Route uses the same values.
ROUTE_ORDER = ("managed_api", "serverless", "dedicated", "self_hosted")
MTOK = Decimal(1_000_000)


def cost_per_accepted_output(cost_usd, accepted_output_rate, review_minutes, reviewer_usd_per_minute):
    """USD per accepted output: cost / acceptance + review minutes x reviewer USD per minute.

    None when nothing is accepted (rate 0): there is no accepted output to price.
    """
    if accepted_output_rate <= 0:
        return None
    return Decimal(cost_usd) / Decimal(accepted_output_rate) + Decimal(review_minutes) * Decimal(
        reviewer_usd_per_minute
    )


def cache_adjusted_input(input_tokens, cache_hit_rate):
    """Input tokens that still have to be prefilled: the cache serves the rest."""
    return Decimal(input_tokens) * (1 - Decimal(cache_hit_rate))


def throughput_headroom(output_tokens_per_second, concurrency, accepted_output_rate):
    """Accepted output tokens per second the configuration sustains: tok/s per stream x streams x acceptance."""
    return Decimal(output_tokens_per_second) * Decimal(concurrency) * Decimal(accepted_output_rate)


def batch_displacement_share(rows: Iterable) -> dict[str, Decimal]:
    """{workload: batch-eligible rows / all rows}: how much of each workload could move to batch pricing."""
    eligible, total = defaultdict(int), defaultdict(int)
    for row in rows:
        total[row.workload] += 1
        eligible[row.workload] += 1 if row.batch_eligible else 0
    return {workload: Decimal(eligible[workload]) / Decimal(count) for workload, count in total.items()}


def p95_by_concurrency(rows: Iterable) -> dict[tuple[str, str], list[tuple[int, Decimal, str]]]:
    """{(workload, route): [(concurrency, p95 ms, "provider · model")]}, sorted by concurrency."""
    series = defaultdict(list)
    for row in rows:
        series[(row.workload, row.route)].append(
            (row.concurrency, Decimal(row.latency_p95_ms), f"{row.provider_name} · {row.model_name}")
        )
    return {key: sorted(points, key=lambda p: (p[0], p[2])) for key, points in series.items()}


def list_price_cost(
    input_tokens, output_tokens, cache_hit_rate, usd_per_mtok_input, usd_per_mtok_output, usd_per_mtok_cached=None
):
    """What one request costs at list prices (USD): cached input at the cached price when there is one.

    None without both an input and an output price.
    """
    if usd_per_mtok_input is None or usd_per_mtok_output is None:
        return None
    hit = Decimal(cache_hit_rate)
    cached_price = usd_per_mtok_input if usd_per_mtok_cached is None else usd_per_mtok_cached
    tokens_cost = (
        Decimal(input_tokens) * (1 - hit) * usd_per_mtok_input
        + Decimal(input_tokens) * hit * cached_price
        + Decimal(output_tokens) * usd_per_mtok_output
    )
    return tokens_cost / MTOK


class ListPrice(NamedTuple):
    """A catalogue offering's newest list price, USD per 1M tokens, and the day it was seen."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    as_of: date | None = None


@dataclass
class RowFigures:
    """One row with its derived figures at the reader's p95 target and reviewer cost."""

    row: object
    cost_per_accepted: Decimal | None
    cache_adjusted_input: Decimal
    headroom: Decimal
    within_target: bool
    list_price: ListPrice | None = None
    list_cost: Decimal | None = None

    @property
    def sort_key(self):
        no_output = self.cost_per_accepted is None
        return (no_output, self.cost_per_accepted or 0, self.row.latency_p95_ms, self.row.concurrency)


@dataclass
class RouteSummary:
    route: str
    rows: list[RowFigures]
    best_within_target: RowFigures | None
    best_any_latency: RowFigures | None


@dataclass
class WorkloadSummary:
    workload: str
    routes: list[RouteSummary]
    chosen: RowFigures | None
    batch_share: Decimal
    p95_series: dict = field(default_factory=dict)  # {route: [(concurrency, p95, label)]}


def cheapest(figures: Iterable[RowFigures]) -> RowFigures | None:
    """The figure with the lowest cost per accepted output (ties: lower p95, then lower concurrency)."""
    priced = [f for f in figures if f.cost_per_accepted is not None]
    return min(priced, key=lambda f: f.sort_key) if priced else None


def row_figures(row, p95_target_ms=None, reviewer_usd_per_minute=DEFAULT_REVIEWER_USD_PER_MINUTE, list_price=None):
    """Every derived figure of one row; list_price (a ListPrice) prices the same tokens at list."""
    list_cost = None
    if list_price is not None:
        list_cost = list_price_cost(row.input_tokens, row.output_tokens, row.cache_hit_rate, *list_price[:3])
    return RowFigures(
        row=row,
        cost_per_accepted=cost_per_accepted_output(
            row.cost_usd, row.accepted_output_rate, row.review_minutes, reviewer_usd_per_minute
        ),
        cache_adjusted_input=cache_adjusted_input(row.input_tokens, row.cache_hit_rate),
        headroom=throughput_headroom(row.output_tokens_per_second, row.concurrency, row.accepted_output_rate),
        within_target=p95_target_ms is None or row.latency_p95_ms <= p95_target_ms,
        list_price=list_price,
        list_cost=list_cost,
    )


def choose_route(rows, p95_target_ms=None, reviewer_usd_per_minute=DEFAULT_REVIEWER_USD_PER_MINUTE):
    """The row (route, provider, model, concurrency) with the lowest cost per accepted output whose p95
    is within the target, or None when no row with accepted output meets it. No target = any latency."""
    figures = [row_figures(row, p95_target_ms, reviewer_usd_per_minute) for row in rows]
    return cheapest(f for f in figures if f.within_target)


def summarize(
    rows: Iterable,
    p95_target_ms: Decimal | None = None,
    reviewer_usd_per_minute: Decimal = DEFAULT_REVIEWER_USD_PER_MINUTE,
    list_prices: Mapping | None = None,
) -> list[WorkloadSummary]:
    """Per workload (in first-seen order): each route's rows and best figures, and the chosen row.

    list_prices maps (provider_id, model_id) to a ListPrice.
    """
    rows = list(rows)
    list_prices = list_prices or {}
    by_workload = defaultdict(list)
    for row in rows:
        price = list_prices.get((row.provider_id, row.model_id))
        by_workload[row.workload].append(row_figures(row, p95_target_ms, reviewer_usd_per_minute, price))
    shares = batch_displacement_share(rows)
    series = p95_by_concurrency(rows)
    summaries = []
    for workload, figures in by_workload.items():
        routes = []
        for route in sorted({f.row.route for f in figures}, key=_route_position):
            route_rows = sorted(
                (f for f in figures if f.row.route == route),
                key=lambda f: (f.row.provider_name, f.row.model_name, f.row.concurrency, f.sort_key),
            )
            routes.append(
                RouteSummary(
                    route=route,
                    rows=route_rows,
                    best_within_target=cheapest(f for f in route_rows if f.within_target),
                    best_any_latency=cheapest(route_rows),
                )
            )
        summaries.append(
            WorkloadSummary(
                workload=workload,
                routes=routes,
                chosen=cheapest(f for f in figures if f.within_target),
                batch_share=shares[workload],
                p95_series={r.route: series[(workload, r.route)] for r in routes},
            )
        )
    return summaries


def _route_position(route):
    return ROUTE_ORDER.index(route) if route in ROUTE_ORDER else len(ROUTE_ORDER)
