"""The economics module: the worked examples from DESIGN.md and issue 7, and properties it must keep."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference import economics as e
from inference.economics import D


def test_72_h100_decoding_46_7m_tokens_an_hour_cost_3_08_per_million():
    assert e.cents(e.self_host_cost_per_mtok(72, 2, Decimal("46.7e6"))) == Decimal("3.08")


def test_46_8b_prefill_tokens_an_hour_cost_0_003_per_million_arithmetically():
    cost = e.self_host_cost_per_mtok(72, 2, Decimal("46.8e9"))
    assert cost.quantize(Decimal("0.001")) == Decimal("0.003")


def test_that_prefill_rate_is_above_the_compute_bound_of_72_h100_for_a_large_model():
    # 46.8B tokens/hr = 13M tokens/s; 72 H100 at 1,979 dense FP8 TFLOPS with 37B active parameters do ~1.9M.
    bound = e.compute_bound(Decimal("1979"), 72, 37)
    with pytest.raises(e.BoundExceeded, match="physical bound of 1,925,514 tokens/s"):
        e.check_within_bound(Decimal("46.8e9") / 3600, bound, "Prefill")


def test_peak_five_times_the_average_means_20_percent_utilization():
    assert e.utilization_from_peak_to_average(5) == Decimal("0.2")


def test_deepseek_serving_day_costs_87072_dollars():
    # 226.75 H800 nodes of 8 GPUs on average at $2 per GPU-hour.
    assert e.gpu_cost_per_day(Decimal("226.75") * 8, 2) == Decimal("87072")


def test_utilization_halves_and_cost_per_token_doubles():
    full = e.self_host_cost_per_mtok(8, 2, Decimal("1e6"))
    assert e.self_host_cost_per_mtok(8, 2, Decimal("1e6"), Decimal("0.5")) == 2 * full


def test_api_cost_with_cache_hits_and_batch_discount():
    # 10M input (40% cached at $0.10), 2M output at $2; half the traffic at a 50% batch discount.
    daily = e.api_daily_cost(
        10_000_000, 2_000_000, 1, 2, Decimal("0.1"), Decimal("0.4"), Decimal("0.5"), Decimal("0.5")
    )
    assert daily == (Decimal(6) + Decimal("0.4") + Decimal(4)) * Decimal("0.75")
    assert e.cents(e.monthly_from_daily(daily)) == Decimal("237.25")


def test_cached_price_defaults_to_the_input_price():
    assert e.api_daily_cost(1_000_000, 0, 3, 15, None, Decimal("0.9")) == Decimal(3)


def test_replicas_come_whole_and_never_fewer_than_one():
    assert e.replicas_needed(0, Decimal("0.5")) == 1
    assert e.replicas_needed(Decimal("0.51"), Decimal("0.5")) == 2
    assert e.replicas_needed(Decimal("1.0"), Decimal("0.5")) == 2


def _workload(**overrides):
    base = dict(
        input_tokens_per_day=Decimal(75_000_000),
        output_tokens_per_day=Decimal(25_000_000),
        api_input_price=Decimal("0.60"),
        api_output_price=Decimal("0.80"),
        gpu_hourly_price=Decimal("2.50"),
        gpus_per_replica=2,
        prefill_tokens_per_second=Decimal(20_000),
        decode_tokens_per_second=Decimal(2_000),
        utilization=Decimal("0.5"),
    )
    return e.Workload(**(base | overrides))


def test_compare_worked_by_hand():
    r = e.compare(_workload())
    # API: (75 x 0.60 + 25 x 0.80) = $65/day -> x 365/12 = $1,977.08/month.
    assert e.cents(r.api_monthly_cost) == Decimal("1977.08")
    # Busy: (75M / 20k + 25M / 2k) / 86400 = (3750 + 12500) / 86400 = 0.188; one replica at 50%.
    assert r.replicas == 1 and r.gpus == 2
    assert e.cents(r.self_host_monthly_cost) == Decimal("3650.00")
    # Breakeven: F / a x volume = 3650 / 1977.08 x 100M = 184.6M tokens/day.
    assert r.breakeven_tokens_per_day.quantize(Decimal(1)) == Decimal(184_615_385)
    assert not r.self_host_cheaper


def test_no_breakeven_when_the_api_is_cheaper_per_token_than_a_full_replica():
    r = e.compare(_workload(decode_tokens_per_second=Decimal(50), prefill_tokens_per_second=Decimal(500)))
    assert r.breakeven_tokens_per_day is None
    assert "cheaper at every volume" in r.no_breakeven_reason


def test_no_volume_has_no_breakeven():
    r = e.compare(_workload(input_tokens_per_day=Decimal(0), output_tokens_per_day=Decimal(0)))
    assert r.breakeven_tokens_per_day is None and r.api_cost_per_mtok is None and r.replicas == 1
    assert "no tokens" in r.no_breakeven_reason


def test_free_api_has_no_breakeven():
    r = e.compare(_workload(api_input_price=Decimal(0), api_output_price=Decimal(0)))
    assert r.breakeven_tokens_per_day is None and "free" in r.no_breakeven_reason


def test_replica_bounds_pick_the_precision_column():
    h100 = dict(memory_bandwidth_gbps=3350, bf16_dense_tflops=Decimal("989.5"), fp8_dense_tflops=Decimal("1979"))
    bf16 = e.replica_bounds(70, 2, precision="bf16", **h100)
    fp8 = e.replica_bounds(70, 2, precision="fp8", **h100)
    assert fp8.compute_tokens_per_second == pytest.approx(2 * bf16.compute_tokens_per_second)
    assert fp8.decode_tokens_per_second_per_sequence.quantize(Decimal("0.1")) == Decimal("95.7")
    # Ampere has no FP8: FP8 weights run at the BF16 rate.
    a100 = e.replica_bounds(70, 1, 2039, Decimal(312), None, "fp8")
    assert a100.compute_tokens_per_second == e.compute_bound(312, 1, 70)
    assert e.replica_bounds(None, 1, 2039, 312, None, "bf16").compute_tokens_per_second is None


def test_a_figure_within_two_percent_of_its_bound_passes():
    e.check_within_bound(Decimal("102"), Decimal("100"), "Decode")
    with pytest.raises(e.BoundExceeded):
        e.check_within_bound(Decimal("102.01"), Decimal("100"), "Decode")


# --- properties ----------------------------------------------------------------------------------

tokens = st.integers(min_value=0, max_value=10**12).map(Decimal)
positive_tokens = st.integers(min_value=1, max_value=10**12).map(Decimal)
price = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=3)
rate = st.decimals(min_value=0, max_value=1, places=3)
throughput = st.decimals(min_value=Decimal(1), max_value=Decimal(10**6), places=1)
utilization = st.decimals(min_value=Decimal("0.05"), max_value=1, places=2)


@st.composite
def workloads(draw):
    return e.Workload(
        input_tokens_per_day=draw(tokens),
        output_tokens_per_day=draw(positive_tokens),
        api_input_price=draw(price),
        api_output_price=draw(price),
        cached_input_price=draw(st.none() | price),
        cache_hit_rate=draw(rate),
        batch_share=draw(rate),
        batch_discount=draw(rate),
        gpu_hourly_price=draw(price),
        gpus_per_replica=draw(st.integers(min_value=1, max_value=72)),
        prefill_tokens_per_second=draw(throughput),
        decode_tokens_per_second=draw(throughput),
        utilization=draw(utilization),
    )


@settings(max_examples=200)
@given(workloads())
def test_doubling_the_gpu_price_doubles_the_self_host_cost(w):
    once = e.compare(w).self_host_monthly_cost
    twice = e.compare(replace(w, gpu_hourly_price=2 * w.gpu_hourly_price)).self_host_monthly_cost
    assert twice == 2 * once


@settings(max_examples=200)
@given(workloads())
def test_at_the_breakeven_volume_both_costs_agree_within_a_cent_on_one_replica(w):
    r = e.compare(w)
    if r.breakeven_tokens_per_day is None:
        return
    at = e.compare(w.scaled(r.breakeven_tokens_per_day / w.tokens_per_day))
    assert at.replicas == 1
    assert abs(at.api_monthly_cost - at.self_host_monthly_cost) <= Decimal("0.01")


@settings(max_examples=200)
@given(workloads())
def test_below_breakeven_the_api_is_cheaper_and_without_one_it_always_is(w):
    r = e.compare(w)
    for factor in (Decimal("0.5"), Decimal(2), Decimal(10)):
        scaled = e.compare(w.scaled(factor))
        if r.breakeven_tokens_per_day is None:
            assert scaled.api_monthly_cost <= scaled.self_host_monthly_cost
        elif w.tokens_per_day * factor < r.breakeven_tokens_per_day:
            assert scaled.api_monthly_cost < scaled.self_host_monthly_cost + Decimal("0.01")


@given(workloads())
def test_api_cost_is_linear_in_volume(w):
    assert e.compare(w.scaled(3)).api_monthly_cost == pytest.approx(3 * e.compare(w).api_monthly_cost)


@given(workloads())
def test_per_million_costs_match_the_monthly_totals(w):
    r = e.compare(w)
    mtok = w.tokens_per_day * e.DAYS_PER_MONTH / e.MILLION
    assert r.self_host_cost_per_mtok * mtok == pytest.approx(r.self_host_monthly_cost)
    assert D(r.api_cost_per_mtok) * mtok == pytest.approx(r.api_monthly_cost)


def test_the_module_imports_nothing_from_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(e.__file__).read_text())
    imported = [
        (node.module if isinstance(node, ast.ImportFrom) else alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.split(".")[0] == "django"]
