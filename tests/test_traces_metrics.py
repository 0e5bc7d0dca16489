"""The derived trace figures on hand-checked numbers (pure functions, no database)."""

from decimal import Decimal as D
from types import SimpleNamespace

from traces.metrics import (
    ROUTE_ORDER,
    ListPrice,
    batch_displacement_share,
    cache_adjusted_input,
    choose_route,
    cost_per_accepted_output,
    list_price_cost,
    p95_by_concurrency,
    summarize,
    throughput_headroom,
)
from traces.models import Route


def trace(**kw):
    base = {
        "workload": "chat",
        "route": "managed_api",
        "provider_name": "P",
        "model_name": "M",
        "provider_id": None,
        "model_id": None,
        "input_tokens": D("1000"),
        "output_tokens": D("200"),
        "cache_hit_rate": D("0"),
        "batch_eligible": False,
        "concurrency": 1,
        "latency_p95_ms": D("1000"),
        "output_tokens_per_second": D("50"),
        "accepted_output_rate": D("1"),
        "cost_usd": D("0.01"),
        "review_minutes": D("0"),
    }
    return SimpleNamespace(**{**base, **kw})


def test_cost_per_accepted_output():
    # 0.02 / 0.8 = 0.025, plus 0.5 min x $1/min = 0.525
    assert cost_per_accepted_output(D("0.02"), D("0.8"), D("0.5"), D("1")) == D("0.525")
    # Reviewer at $0.60/min: 0.025 + 0.30
    assert cost_per_accepted_output(D("0.02"), D("0.8"), D("0.5"), D("0.6")) == D("0.325")
    assert cost_per_accepted_output(D("0.02"), D("1"), D("0"), D("1")) == D("0.02")


def test_no_accepted_output_is_none_not_a_division_error():
    assert cost_per_accepted_output(D("0.02"), D("0"), D("0.5"), D("1")) is None


def test_cache_adjusted_input_burden():
    assert cache_adjusted_input(D("14000"), D("0.8")) == D("2800")
    assert cache_adjusted_input(D("1800"), D("0")) == D("1800")
    assert cache_adjusted_input(D("1800"), D("1")) == 0


def test_throughput_headroom():
    # 40 tok/s per stream x 16 streams x 0.75 accepted = 480 accepted tok/s
    assert throughput_headroom(D("40"), 16, D("0.75")) == D("480")
    assert throughput_headroom(D("40"), 16, D("0")) == 0


def test_batch_displacement_share_by_workload():
    rows = [
        trace(workload="chat", batch_eligible=False),
        trace(workload="chat", batch_eligible=False),
        trace(workload="docs", batch_eligible=True),
        trace(workload="docs", batch_eligible=True),
        trace(workload="docs", batch_eligible=False),
        trace(workload="docs", batch_eligible=True),
    ]
    assert batch_displacement_share(rows) == {"chat": D("0"), "docs": D("0.75")}


def test_p95_against_concurrency_by_workload_and_route():
    rows = [
        trace(route="dedicated", concurrency=32, latency_p95_ms=D("7000")),
        trace(route="dedicated", concurrency=1, latency_p95_ms=D("3000")),
        trace(route="managed_api", concurrency=8, latency_p95_ms=D("4000")),
        trace(workload="docs", route="dedicated", concurrency=4, latency_p95_ms=D("9000")),
    ]
    series = p95_by_concurrency(rows)
    assert series[("chat", "dedicated")] == [(1, D("3000"), "P · M"), (32, D("7000"), "P · M")]
    assert series[("chat", "managed_api")] == [(8, D("4000"), "P · M")]
    assert series[("docs", "dedicated")] == [(4, D("9000"), "P · M")]


def test_list_price_cost_uses_the_cached_price_for_cache_hits():
    # 1000 in at 50% cache: 500 x $0.40 + 500 x $0.10, 200 out x $1.60, per 1M -> 0.00057
    assert list_price_cost(D("1000"), D("200"), D("0.5"), D("0.40"), D("1.60"), D("0.10")) == D("0.00057")
    # No cached price: all input at the input price -> (400 + 320) / 1e6
    assert list_price_cost(D("1000"), D("200"), D("0.5"), D("0.40"), D("1.60")) == D("0.00072")
    assert list_price_cost(D("1000"), D("200"), D("0.5"), None, D("1.60")) is None


# A workload where the fast route is dear and the slow one cheap, plus one that never succeeds.
ROUTES = [
    trace(
        route="managed_api", concurrency=1, latency_p95_ms=D("4000"), cost_usd=D("0.009"), accepted_output_rate=D("0.9")
    ),
    trace(
        route="dedicated", concurrency=8, latency_p95_ms=D("6000"), cost_usd=D("0.004"), accepted_output_rate=D("0.8")
    ),
    trace(
        route="self_hosted",
        concurrency=64,
        latency_p95_ms=D("20000"),
        cost_usd=D("0.001"),
        accepted_output_rate=D("0.5"),
    ),
    trace(
        route="serverless", concurrency=1, latency_p95_ms=D("900"), cost_usd=D("0.0001"), accepted_output_rate=D("0")
    ),
]
# Per accepted output: managed 0.01, dedicated 0.005, self-hosted 0.002, serverless none.


def test_route_choice_at_a_tight_p95_target():
    chosen = choose_route(ROUTES, p95_target_ms=D("5000"))
    assert chosen.row.route == "managed_api" and chosen.cost_per_accepted == D("0.01")


def test_route_choice_at_a_loose_p95_target():
    assert choose_route(ROUTES, p95_target_ms=D("10000")).row.route == "dedicated"
    assert choose_route(ROUTES, p95_target_ms=D("30000")).row.route == "self_hosted"
    assert choose_route(ROUTES).row.route == "self_hosted"  # no target: any latency


def test_no_route_when_nothing_with_accepted_output_meets_the_target():
    assert choose_route(ROUTES, p95_target_ms=D("1000")) is None


def test_review_minutes_can_change_the_choice():
    rows = [
        trace(route="managed_api", cost_usd=D("0.05"), review_minutes=D("0.1")),
        trace(route="serverless", cost_usd=D("0.01"), review_minutes=D("0.2")),
    ]
    assert choose_route(rows, reviewer_usd_per_minute=D("1")).row.route == "managed_api"  # 0.15 vs 0.21
    assert choose_route(rows, reviewer_usd_per_minute=D("0")).row.route == "serverless"  # 0.05 vs 0.01


def test_summarize_puts_routes_side_by_side_per_workload():
    rows = [*ROUTES, trace(workload="docs", route="dedicated", batch_eligible=True, provider_id=1, model_id=2)]
    chat, docs = summarize(rows, p95_target_ms=D("10000"), list_prices={(1, 2): ListPrice(D("0.40"), D("1.60"))})
    assert chat.workload == "chat" and [r.route for r in chat.routes] == list(ROUTE_ORDER)
    by_route = {r.route: r for r in chat.routes}
    assert by_route["self_hosted"].best_within_target is None
    assert by_route["self_hosted"].best_any_latency.cost_per_accepted == D("0.002")
    assert by_route["serverless"].best_any_latency is None  # no accepted output at all
    assert chat.chosen.row.route == "dedicated"
    assert chat.batch_share == 0 and docs.batch_share == 1
    assert docs.routes[0].rows[0].list_cost == D("0.00072")
    assert chat.routes[0].rows[0].list_cost is None


def test_route_order_matches_the_model_choices():
    assert tuple(Route.values) == ROUTE_ORDER
