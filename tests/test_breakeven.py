"""The breakeven page and GET /api/v1/breakeven: defaults from the database, validation, query counts."""

import json
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inference import economics
from inference.breakeven import self_host_summary
from inference.models import ServingKind, ThroughputProfile
from providers.models import PricingType
from tests.charts import assert_valid_plotly, page_figures
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/breakeven"
PAGE = "/breakeven/"

FULL = {
    "input_tokens_per_day": "75000000",
    "output_tokens_per_day": "25000000",
    "api_input_price": "0.60",
    "api_output_price": "0.80",
    "gpu_hourly_price": "2.50",
    "gpus_per_replica": "2",
    "prefill_tokens_per_second": "20000",
    "decode_tokens_per_second": "2000",
    "utilization": "0.5",
}


def test_routes_are_named():
    assert reverse("inference:breakeven") == PAGE
    assert reverse("inference:breakeven_api") == API


def test_api_answers_the_economics_to_the_cent(client):
    response = client.get(API, FULL)
    assert response.status_code == 200
    body = response.json()
    assert body["api_monthly_cost"] == 1977.08
    assert body["self_host_monthly_cost"] == 3650.0
    assert body["replicas"] == 1
    assert body["breakeven_tokens_per_day"] == 184615385
    assert body["api_cost_per_mtok"] == pytest.approx(0.65)
    assert body["self_host_cost_per_mtok"] == pytest.approx(3650 / (100 * 365 / 12), abs=1e-6)
    assert body["cheaper"] == "api"


def test_api_takes_a_peak_to_average_ratio_instead_of_utilization(client):
    params = {k: v for k, v in FULL.items() if k != "utilization"} | {"peak_to_average_ratio": "5"}
    body = client.get(API, params).json()
    assert body["inputs"]["utilization"] == 0.2
    assert body["sources"]["utilization"] == "1 / peak-to-average ratio"


def test_api_says_when_there_is_no_breakeven(client):
    body = client.get(API, FULL | {"decode_tokens_per_second": "50", "prefill_tokens_per_second": "500"}).json()
    assert body["breakeven_tokens_per_day"] is None
    assert "cheaper at every volume" in body["no_breakeven_reason"]


def test_api_with_nothing_names_every_missing_field(client):
    response = client.get(API)
    assert response.status_code == 400
    errors = response.json()["errors"]
    for name in ("input_tokens_per_day", "output_tokens_per_day", "api_input_price", "api_output_price",
                 "gpu_hourly_price", "gpus_per_replica", "prefill_tokens_per_second", "decode_tokens_per_second",
                 "utilization"):  # fmt: skip
        assert name in errors, name


@pytest.mark.parametrize(
    "field,value",
    [
        ("input_tokens_per_day", "lots"),
        ("output_tokens_per_day", "-1"),
        ("api_input_price", "-0.5"),
        ("api_output_price", "NaN"),
        ("cache_hit_rate", "1.5"),
        ("batch_share", "-0.1"),
        ("batch_discount", "2"),
        ("utilization", "0"),
        ("utilization", "1.01"),
        ("prefill_tokens_per_second", "0"),
        ("decode_tokens_per_second", "0"),
        ("gpus_per_replica", "0"),
        ("gpus_per_replica", "1.5"),
        ("gpu_hourly_price", "Infinity"),
        ("peak_to_average_ratio", "0.5"),
        ("model", "no-such-model"),
    ],
)
def test_api_refuses_each_bad_input_naming_the_field(client, field, value):
    response = client.get(API, FULL | {field: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_api_missing_one_of_the_two_volumes_names_it(client):
    params = {k: v for k, v in FULL.items() if k != "output_tokens_per_day"}
    response = client.get(API, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["output_tokens_per_day"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(sorted(FULL) + ["cache_hit_rate", "batch_share", "cached_input_price", "tokens_per_day"]),
        st.one_of(st.text(max_size=12), st.decimals(allow_nan=True).map(str), st.integers().map(str)),
    )
)
def test_api_never_answers_500(client, overrides):
    response = client.get(API, FULL | overrides)
    assert response.status_code in (200, 400)
    json.loads(response.content)


# --- defaults from the database ------------------------------------------------------------------


@pytest.fixture
def catalogue():
    """Llama 3.3 70B: two API offerings, a profile on 2x H100, and two on-demand H100 prices."""
    model = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B", total_params_b=70, active_params_b=70)
    cheap = InferencePriceObservationFactory(
        offering=InferenceOfferingFactory(model=model, provider__name="Cheap AI"),
        usd_per_mtok_input=Decimal("0.13"),
        usd_per_mtok_output=Decimal("0.40"),
        usd_per_mtok_cached_input=Decimal("0.05"),
    )
    InferencePriceObservationFactory(
        offering=InferenceOfferingFactory(model=model), usd_per_mtok_input=Decimal("0.90"), usd_per_mtok_output=1
    )
    InferencePriceObservationFactory(
        offering=InferenceOfferingFactory(model=model, serving_kind=ServingKind.BATCH),
        usd_per_mtok_input=Decimal("0.01"),
        usd_per_mtok_output=Decimal("0.01"),
    )
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=h100), usd_per_gpu_hour=Decimal("2.99"))
    best_gpu = GpuPriceObservationFactory(
        offering=GpuOfferingFactory(gpu=h100, provider__name="Cheap GPUs"), usd_per_gpu_hour=Decimal("2.10")
    )
    GpuPriceObservationFactory(
        offering=GpuOfferingFactory(gpu=h100, pricing_type=PricingType.SPOT), usd_per_gpu_hour=Decimal("0.90")
    )
    ThroughputProfile.objects.create(
        key="llama-h100",
        model=model,
        gpu=h100,
        engine="vLLM",
        precision="fp8",
        gpus_per_replica=2,
        concurrency=64,
        prefill_tokens_per_second=Decimal(12000),
        prefill_measure="prefill",
        decode_tokens_per_second=Decimal(2500),
        decode_measure="decode",
        source_url="https://example.com/bench",
        as_of="2025-06-01",
    )
    return {"model": model, "api": cheap, "gpu": best_gpu}


def test_api_fills_blanks_from_the_model(client, catalogue):
    body = client.get(API, {"model": "llama-3-3-70b", "tokens_per_day": "100000000", "utilization": "0.5"}).json()
    inputs = body["inputs"]
    assert inputs["api_input_price"] == 0.13 and inputs["api_output_price"] == 0.4
    assert inputs["cached_input_price"] == 0.05
    assert inputs["gpu_hourly_price"] == 2.1  # the cheapest on-demand H100, not the spot one
    assert (inputs["gpus_per_replica"], inputs["prefill_tokens_per_second"]) == (2, 12000)
    assert inputs["decode_tokens_per_second"] == 2500
    assert inputs["gpu"] == "h100-sxm" and inputs["model"] == "llama-3-3-70b"
    expected = economics.compare(
        economics.Workload(
            input_tokens_per_day=Decimal(75_000_000),
            output_tokens_per_day=Decimal(25_000_000),
            api_input_price=Decimal("0.13"),
            api_output_price=Decimal("0.40"),
            cached_input_price=Decimal("0.05"),
            gpu_hourly_price=Decimal("2.10"),
            gpus_per_replica=2,
            prefill_tokens_per_second=Decimal(12000),
            decode_tokens_per_second=Decimal(2500),
            utilization=Decimal("0.5"),
        )
    )
    assert body["api_monthly_cost"] == float(economics.cents(expected.api_monthly_cost))
    assert body["self_host_monthly_cost"] == float(economics.cents(expected.self_host_monthly_cost))


def test_page_defaults_come_from_the_database(client, catalogue):
    response = client.get(PAGE, {"model": "llama-3-3-70b"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'placeholder="0.13"' in html and 'placeholder="2.1"' in html and 'placeholder="2500"' in html
    result = response.context["result"]
    assert result is not None and response.context["resolved"].origins["gpu_hourly_price"].startswith("Cheap GPUs")
    assert economics.cents(result.self_host_monthly_cost) == Decimal("3066.00")  # 1 replica x 2 x 2.10 x 730
    assert "breakeven-figure" in html and "vendor/plotly-basic.min.js" in html
    figures = page_figures(response)
    assert_valid_plotly(figures)
    # No breakeven at these inputs, so no breakeven line either.
    assert result.breakeven_tokens_per_day is None and "shapes" not in figures["breakeven-figure"]["layout"]
    assert "Decision guide" in html and "Owned hardware" in html


def test_page_without_a_model_picks_the_most_served_one(client, catalogue):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["resolved"].defaults.model == catalogue["model"]
    assert 'value="llama-3-3-70b" selected' in response.content.decode()


def test_page_with_no_data_shows_missing_fields_next_to_them(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="api_input_price-errors"' in html and "Missing" in html
    assert "vendor/plotly-basic.min.js" not in html


def test_page_shows_a_bad_input_next_to_its_field(client, catalogue):
    response = client.get(PAGE, {"model": "llama-3-3-70b", "cache_hit_rate": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    errors_at = html.index('id="cache_hit_rate-errors"')
    assert html.index('name="cache_hit_rate"') < errors_at < html.index('name="batch_share"')


def test_page_typed_values_win_over_defaults(client, catalogue):
    response = client.get(PAGE, {"model": "llama-3-3-70b", "gpu_hourly_price": "1", "peak_to_average_ratio": "4"})
    resolved = response.context["resolved"]
    assert resolved.values["gpu_hourly_price"] == 1 and resolved.origins["gpu_hourly_price"] == "you"
    assert resolved.values["utilization"] == Decimal("0.25")
    gates = {g["name"]: g for g in response.context["gates"]}
    assert gates["Demand shape"]["answered"] and gates["Memory and context fit"]["answered"]
    assert not gates["Operations maturity"]["answered"]


def test_page_shows_the_sensitivity_bounds_and_route(client, catalogue):
    response = client.get(PAGE, {"model": "llama-3-3-70b", "tokens_per_day": "5e9", "gpu_hourly_price": "0.2"})
    ctx = response.context
    assert [row["utilization"] for row in ctx["sensitivity"]] == [Decimal(x) for x in ("0.2", "0.4", "0.6", "0.8")]
    assert ctx["bounds"]["compute"] == pytest.approx(28270, rel=1e-3)
    assert ctx["route"]["key"] in ("dedicated", "self_hosted")
    html = response.content.decode()
    assert "Physical bound" in html and "wins at these inputs" in html


def _more_catalogue(n):
    for i in range(n):
        model = LanguageModelFactory()
        InferencePriceObservationFactory(offering=InferenceOfferingFactory(model=model))
        gpu = GpuFactory()
        GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=gpu))
        ThroughputProfile.objects.create(
            key=f"extra-{model.slug}-{i}", model=model, gpu=gpu, engine="x", precision="bf16", gpus_per_replica=1,
            decode_tokens_per_second=100, decode_measure="decode", source_url="https://example.com", as_of="2025-01-01",
        )  # fmt: skip


@pytest.mark.parametrize("extra", [0, 15])
def test_page_query_count_is_constant(client, catalogue, django_assert_max_num_queries, extra):
    _more_catalogue(extra)
    with django_assert_max_num_queries(10):
        assert client.get(PAGE, {"model": "llama-3-3-70b"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(PAGE).status_code == 200
    with django_assert_max_num_queries(6):
        assert (
            client.get(API, {"model": "llama-3-3-70b", "tokens_per_day": "1e8", "utilization": ".5"}).status_code == 200
        )


def test_self_host_summary_is_the_cheapest_cost_at_half_utilization(catalogue):
    summary = self_host_summary(catalogue["model"])
    # 3:1 mix: (0.75e6 / 12000 + 0.25e6 / 2500) s = 162.5 s per 1M tokens on 2 GPUs at $2.10, / 0.5.
    expected = Decimal("162.5") / 3600 * 2 * Decimal("2.10") / Decimal("0.5")
    assert summary["cost_per_mtok"] == pytest.approx(expected)
    assert summary["url"] == "/breakeven/?model=llama-3-3-70b"


def test_model_page_slot_shows_the_cost_and_links_the_calculator(catalogue, django_assert_max_num_queries):
    template = Template('{% include "inference/_self_host_slot.html" %}')
    with django_assert_max_num_queries(3):
        html = template.render(Context({"model": catalogue["model"]}))
    assert "$0.379" in html  # 162.5 s x 2 GPUs x $2.10 / 3600 / 0.5 = $0.37917 (three significant digits)
    assert 'href="/breakeven/?model=llama-3-3-70b"' in html


def test_model_page_slot_without_a_profile_still_links(db):
    model = LanguageModelFactory(slug="open-model")
    html = Template('{% include "inference/_self_host_slot.html" %}').render(Context({"model": model}))
    assert "No published throughput profile" in html and "?model=open-model" in html
    closed = LanguageModelFactory(slug="closed-model", open_weights=False)
    html = Template('{% include "inference/_self_host_slot.html" %}').render(Context({"model": closed}))
    assert "Closed weights" in html


def test_page_links_the_api_with_the_same_numbers(client, catalogue):
    page = client.get(PAGE, {"model": "llama-3-3-70b", "tokens_per_day": "3e8", "peak_to_average_ratio": "3"})
    body = client.get(f"{API}?{page.context['api_query']}").json()
    result = page.context["result"]
    assert body["api_monthly_cost"] == float(economics.cents(result.api_monthly_cost))
    assert body["self_host_monthly_cost"] == float(economics.cents(result.self_host_monthly_cost))
    assert body["replicas"] == result.replicas


def test_stale_prices_still_give_defaults_and_say_so(client, catalogue):
    from datetime import timedelta

    from computeprices.freshness import today_utc
    from inference.models import InferenceOffering
    from providers.models import GpuOffering

    old = today_utc() - timedelta(days=60)
    InferenceOffering.objects.update(last_seen_on=old)
    GpuOffering.objects.update(last_seen_on=old)
    resolved = client.get(PAGE, {"model": "llama-3-3-70b"}).context["resolved"]
    assert resolved.values["api_input_price"] == Decimal("0.13")
    assert "stale" in resolved.origins["api_input_price"] and "stale" in resolved.origins["gpu_hourly_price"]


def test_page_lists_the_models_profiles_and_uses_the_one_picked(client, catalogue):
    h200 = GpuFactory(slug="h200", name="H200", vram_gb=141, memory_bandwidth_gbps=4800)
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=h200), usd_per_gpu_hour=Decimal("3.50"))
    ThroughputProfile.objects.create(
        key="llama-h200", model=catalogue["model"], gpu=h200, engine="SGLang", precision="fp8", gpus_per_replica=1,
        decode_tokens_per_second=Decimal(2000), decode_measure="total_output", input_tokens=1000, output_tokens=1000,
        source_url="https://example.com/h200", as_of="2025-07-01",
    )  # fmt: skip
    response = client.get(PAGE, {"model": "llama-3-3-70b", "gpu_hourly_price": "9"})
    rows = response.context["profile_rows"]
    assert [r["profile"].key for r in rows if r["chosen"]] == ["llama-h100"]
    picked = next(r for r in rows if r["profile"].key == "llama-h200")
    assert "profile=llama-h200" in picked["query"] and "gpu_hourly_price" not in picked["query"]

    response = client.get(f"{PAGE}?{picked['query']}")
    resolved = response.context["resolved"]
    assert resolved.defaults.choice.profile.key == "llama-h200" and resolved.defaults.gpu == h200
    assert resolved.values["gpu_hourly_price"] == Decimal("3.50")
    assert resolved.origins["prefill_tokens_per_second"] == "the compute bound (no published prefill figure)"
    assert 'name="profile" value="llama-h200"' in response.content.decode()


def test_api_refuses_a_profile_of_another_model(client, catalogue):
    response = client.get(
        API, {"model": "llama-3-3-70b", "tokens_per_day": "1e8", "utilization": "0.5", "profile": "x"}
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["profile"]


def test_a_decode_only_profile_takes_the_same_setups_published_prefill(client, catalogue):
    model, h100 = catalogue["model"], ThroughputProfile.objects.get().gpu
    common = dict(model=model, gpu=h100, engine="SGLang PD", precision="fp8", gpus_per_replica=8, as_of="2025-05-05")
    ThroughputProfile.objects.create(
        key="decode-only", decode_tokens_per_second=Decimal(20000), decode_measure="decode", input_tokens=2000,
        source_url="https://example.com/pd", **common,
    )  # fmt: skip
    for key, length, rate in (("prefill-1k", 1000, 60000), ("prefill-2k", 2000, 55000)):
        ThroughputProfile.objects.create(
            key=key, prefill_tokens_per_second=Decimal(rate), prefill_measure="prefill", input_tokens=length,
            source_url="https://example.com/pd", **common,
        )  # fmt: skip
    response = client.get(PAGE, {"model": "llama-3-3-70b", "profile": "decode-only"})
    resolved = response.context["resolved"]
    assert resolved.values["prefill_tokens_per_second"] == Decimal(55000)  # the nearest prompt length
    assert "published prefill on the same replica" in resolved.origins["prefill_tokens_per_second"]


def test_page_chart_marks_the_breakeven_volume(client):
    response = client.get(PAGE, FULL)
    figures = page_figures(response)
    assert_valid_plotly(figures)
    (line,) = figures["breakeven-figure"]["layout"]["shapes"]
    assert line["x0"] == line["x1"] == pytest.approx(float(response.context["result"].breakeven_tokens_per_day))
    assert line["x0"] == pytest.approx(184615385, rel=1e-6)  # the same volume the API answers
