"""A latency target no self-hosted replica meets: a 200 answer on the page and the API (one contract) that
marks self-hosting ineligible with the best it reaches, claims no breakeven volume, and recommends the
per-token offering measured at that speed (or says none measured does). Bad input stays a 400.

Targets are derived from the data (the replica's physical bounds, the measured endpoint speeds), never
typed in as a figure the code could echo."""

import math
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command

from computeprices.freshness import today_utc
from inference import economics
from inference.models import EndpointMeasurement, LanguageModel, ThroughputProfile
from providers.models import Gpu
from selfhost.planner import BYTES_PER_PARAM
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)
from tests.speed_factories import EndpointMeasurementFactory
from tests.test_model_pages import offer

pytestmark = pytest.mark.django_db
API = "/api/v1/breakeven"
PAGE = "/breakeven/"
BASE = {"model": "llama-3-3-70b", "tokens_per_day": "1B"}
SELF_HOST_FIGURES = (
    "self_host_monthly_cost",
    "self_host_daily_cost",
    "self_host_cost_per_mtok",
    "replicas",
    "gpus",
    "breakeven_tokens_per_day",
    "busy_fraction",
)


@pytest.fixture
def market():
    """Llama 3.3 70B: a cheap slow endpoint, a dear fast one (speeds set per test), one H100 price, a profile."""
    model = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B", total_params_b=70, active_params_b=70)
    slow = offer(model, ProviderFactory(name="Slow Cheap", slug="slow-cheap"), "0.10", "0.30")
    fast = offer(model, ProviderFactory(name="Fast Dear", slug="fast-dear"), "0.60", "1.20")
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=h100), usd_per_gpu_hour=Decimal("2.10"))
    ThroughputProfile.objects.create(
        key="llama-h100", model=model, gpu=h100, engine="vLLM", precision="fp8", gpus_per_replica=2,
        concurrency=64, prefill_tokens_per_second=12000, prefill_measure="prefill", decode_tokens_per_second=2500,
        decode_measure="decode", source_url="https://example.com/bench", as_of="2025-06-01",
    )  # fmt: skip
    return {"model": model, "slow": slow, "fast": fast, "h100": h100}


def planned_replica(client):
    """(GPUs, precision) the planner picks with no target: the replica a target is then asked of."""
    inputs = client.get(API, BASE).json()["inputs"]
    return inputs["gpus_per_replica"], inputs["precision"]


def decode_ceiling_per_user(gpu: Gpu, model: LanguageModel, gpus, precision):
    """Physics, not the code under test: one sequence's decode reads every active weight once per token, so
    it is at most bandwidth / bytes of active weights (KV cache and efficiency only lower it)."""
    weight_bytes = float(model.active_params_b) * 1e9 * BYTES_PER_PARAM[precision]
    return float(gpu.memory_bandwidth_gbps) * 1e9 * gpus / weight_bytes


def api_monthly(offering, tokens_per_day=Decimal(10**9), input_share=Decimal("0.75")):
    price = offering.observations.get()
    daily = economics.api_daily_cost(
        tokens_per_day * input_share,
        tokens_per_day * (1 - input_share),
        price.usd_per_mtok_input,
        price.usd_per_mtok_output,
    )
    return float(economics.cents(economics.monthly_from_daily(daily)))


def route(body, key):
    return next(r for r in body["route"]["routes"] if r["route"] == key)


def unreachable_speed(client, market):
    """A per-user speed above the planned replica's physical ceiling; the fast endpoint is measured above it."""
    gpus, precision = planned_replica(client)
    ceiling = decode_ceiling_per_user(market["h100"], market["model"], gpus, precision)
    target = math.ceil(ceiling) + 1
    EndpointMeasurementFactory(offering=market["slow"], tokens_per_second_p50=Decimal(30))
    EndpointMeasurementFactory(offering=market["fast"], tokens_per_second_p50=Decimal(target + 40))
    return target, ceiling


def test_api_answers_an_unreachable_speed_with_the_api_that_meets_it(client, market):
    target, ceiling = unreachable_speed(client, market)
    response = client.get(API, BASE | {"tokens_per_second_per_user": str(target)})
    assert response.status_code == 200, response.json()
    body = response.json()
    self_host = body["self_host"]
    assert self_host["eligible"] is False and self_host["target_field"] == "tokens_per_second_per_user"
    assert self_host["target"] == target and self_host["basis"] in ("estimated", "measured")
    assert 0 < self_host["reached"] <= ceiling < target
    assert "H100 SXM" in self_host["replica"] and str(target) in self_host["reason"]
    # No breakeven is claimed: no self-hosting figure, no volume where it wins.
    assert all(body[name] is None for name in SELF_HOST_FIGURES)
    assert body["volumes"]["self_host_cheaper"] == [] and body["volumes"]["stays_cheaper_from"] is None
    assert body["no_breakeven_reason"] == self_host["reason"] and body["cheaper"] == "api"
    # The route: the per-token offering measured at or above the target, priced at this workload.
    at_target = body["api_at_target"]
    assert at_target["met"] and at_target["provider"] == "Fast Dear"
    assert at_target["tokens_per_second_p50"] >= target
    assert at_target["monthly_cost"] == api_monthly(market["fast"])
    assert body["route"]["recommended"] == "open_weight_serverless"
    assert route(body, "open_weight_serverless")["monthly_cost"] == at_target["monthly_cost"]
    assert route(body, "open_weight_serverless")["eligible"]
    rented = route(body, "self_hosted_rented")
    assert not rented["eligible"] and rented["monthly_cost"] is None and rented["why"] == [self_host["reason"]]
    # The headline API bill stays the cheapest offering's, as in any answer.
    assert body["api_monthly_cost"] == api_monthly(market["slow"])
    assert body["memory"]["fits"] and body["inputs"]["gpus_per_replica"] == planned_replica(client)[0]


def test_the_speed_reported_as_reached_is_the_boundary(client, market):
    """Just under what self-hosting reaches is a plan that meets it; the target above is not."""
    target, _ = unreachable_speed(client, market)
    reached = client.get(API, BASE | {"tokens_per_second_per_user": str(target)}).json()["self_host"]["reached"]
    below = client.get(API, BASE | {"tokens_per_second_per_user": str(math.floor(reached))}).json()
    assert below["self_host"]["eligible"] is True and below["self_host_monthly_cost"] > 0
    assert below["throughput"]["tokens_per_second_per_user"] >= math.floor(reached)
    above = client.get(API, BASE | {"tokens_per_second_per_user": str(math.ceil(reached + 1))}).json()
    assert above["self_host"]["eligible"] is False


def test_when_no_measured_endpoint_reaches_it_the_answer_says_so(client, market):
    target, _ = unreachable_speed(client, market)
    fastest = max(m.tokens_per_second_p50 for m in EndpointMeasurement.objects.all())
    beyond = int(fastest) + 1
    body = client.get(API, BASE | {"tokens_per_second_per_user": str(beyond)}).json()
    assert body["self_host"]["eligible"] is False and beyond > target
    at_target = body["api_at_target"]
    assert at_target["met"] is False and at_target["provider"] is None and at_target["monthly_cost"] is None
    assert at_target["fastest_provider"] == "Fast Dear" and at_target["fastest_tokens_per_second_p50"] == fastest
    assert "No measured offering reaches" in at_target["reason"]
    assert not route(body, "open_weight_serverless")["eligible"]
    assert any("No measured endpoint reaches" in r for r in body["route"]["reasons"])
    assert any("No route is known to meet your latency target" in r for r in body["route"]["reasons"])


def test_a_time_to_first_token_no_replica_meets_is_an_answer_too(client, market):
    gpus, precision = planned_replica(client)
    h100, model = market["h100"], market["model"]
    tflops = h100.fp8_dense_tflops if precision == "fp8" else h100.bf16_dense_tflops
    prefill_ceiling = float(tflops) * 1e12 * gpus / (2 * float(model.active_params_b) * 1e9)
    prompt = 1500  # 3:1 on a 500-token answer (selfhost.contract.OUTPUT_TOKENS_PER_REQUEST)
    quickest_ms = prompt / prefill_ceiling * 1000
    target = round(quickest_ms / 2, 3)
    body = client.get(API, BASE | {"p95_ttft_ms": str(target)}).json()
    self_host = body["self_host"]
    assert self_host["eligible"] is False and self_host["target_field"] == "p95_ttft_ms"
    assert self_host["reached"] >= quickest_ms * 0.99 > target and self_host["unit"].startswith("ms")
    assert body["self_host_monthly_cost"] is None and body["throughput"]["prefill_tokens_per_second"] > 0
    assert body["api_at_target"] is None  # no speed target: no endpoint to pick by speed


def test_a_reachable_target_is_unchanged(client, market):
    """A speed the replica meets: the full comparison, self-hosting eligible, priced from the returned inputs."""
    unreachable_speed(client, market)
    body = client.get(API, BASE | {"tokens_per_second_per_user": "20"}).json()
    assert body["self_host"] == body["self_host"] | {"eligible": True, "reason": None, "target_field": None}
    assert body["throughput"]["tokens_per_second_per_user"] >= 20
    i = body["inputs"]
    expected = economics.compare(
        economics.Workload(
            input_tokens_per_day=Decimal(str(i["input_tokens_per_day"])),
            output_tokens_per_day=Decimal(str(i["output_tokens_per_day"])),
            api_input_price=Decimal(str(i["api_input_price"])),
            api_output_price=Decimal(str(i["api_output_price"])),
            gpu_hourly_price=Decimal(str(i["gpu_hourly_price"])),
            gpus_per_replica=i["gpus_per_replica"],
            prefill_tokens_per_second=Decimal(str(i["prefill_tokens_per_second"])),
            decode_tokens_per_second=Decimal(str(i["decode_tokens_per_second"])),
            utilization=Decimal(str(i["utilization"])),
        )
    )
    assert body["self_host_monthly_cost"] == float(economics.cents(expected.self_host_monthly_cost))
    assert body["api_at_target"]["provider"] == "Slow Cheap"  # measured at 30 >= 20: the cheapest that fast
    assert route(body, "self_hosted_rented")["eligible"] and route(body, "self_hosted_rented")["monthly_cost"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("tokens_per_second_per_user", "fast"),
        ("tokens_per_second_per_user", "0"),
        ("tokens_per_second_per_user", "-5"),
        ("tokens_per_second_per_user", "1e40"),
        ("p95_ttft_ms", "soon"),
        ("gpu", "no-such-gpu"),
        ("model", "no-such-model"),
    ],
)
def test_malformed_input_is_still_a_400_naming_the_field(client, market, field, value):
    response = client.get(API, BASE | {"tokens_per_second_per_user": "5000"} | {field: value})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and errors[field][0]
    page = client.get(PAGE, BASE | {field: value}).content.decode()
    assert f'id="{field}-errors"' in page and 'id="results-heading"' not in page


def test_page_shows_the_same_answer(client, market):
    target, _ = unreachable_speed(client, market)
    query = BASE | {"tokens_per_second_per_user": str(target)}
    body = client.get(API, query).json()
    response = client.get(PAGE, query)
    assert response.status_code == 200
    html = response.content.decode()
    notice = html.split('id="target-unmet"')[1].split("</p>")[0]
    assert "No breakeven at this target" in notice and body["self_host"]["reason"] in notice
    best = html.split('id="self-host-best"')[1].split("</div>")[0]
    assert f"~{body['self_host']['reached']:,.0f} output tokens/s per user" in best
    assert ">not eligible<" in html.split('id="self-host-monthly"')[1][:40]
    card = html.split('id="api-at-target"')[1].split("</div></div>")[0]
    assert f"${body['api_at_target']['monthly_cost']:,.2f}" in card and "Fast Dear" in card
    assert '<span id="route">Open-weight serverless</span>' in html
    # Nothing claims a volume or a comparison that does not exist.
    for absent in ('id="breakeven-volume"', 'id="sensitivity"', "breakeven-figure", "vendor/plotly-basic.min.js"):
        assert absent not in html, absent
    assert "tokens_per_second_per_user-errors" not in html
    api_link = html.split('id="api-link"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    linked = client.get(api_link).json()
    assert linked["self_host"] == body["self_host"] and linked["api_at_target"] == body["api_at_target"]


@pytest.mark.parametrize("extra", [0, 15])
def test_query_count_is_constant_for_an_unreachable_target(client, market, django_assert_max_num_queries, extra):
    from tests.test_breakeven import _more_catalogue

    target, _ = unreachable_speed(client, market)
    _more_catalogue(extra)
    query = BASE | {"tokens_per_second_per_user": str(target)}
    cache.clear()  # the setup's answers warmed the per-version caches: count a cold page
    with django_assert_max_num_queries(9):
        assert client.get(PAGE, query).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(7):
        assert client.get(API, query).status_code == 200


def test_gpt_oss_120b_at_the_fastest_measured_speed(client, shared_data):
    """The shipped catalogue and the recorded OpenRouter speeds: the fastest measured endpoint of gpt-oss-120b
    is faster than any planned self-hosted replica; the answer names it and what self-hosting reaches."""
    from scrapers.sources import RECORDED_PAYLOADS

    call_command("load_curated", verbosity=0)
    path = shared_data / RECORDED_PAYLOADS["openrouter:stats"]
    call_command("scrape", "openrouter:stats", "--from-file", str(path), "--date", today_utc().isoformat())
    measured = EndpointMeasurement.objects.filter(offering__model__slug="gpt-oss-120b").select_related(
        "offering__provider"
    )
    fastest = max(measured, key=lambda m: m.tokens_per_second_p50)
    target = int(fastest.tokens_per_second_p50)
    query = {"model": "gpt-oss-120b", "tokens_per_second_per_user": str(target)}
    response = client.get(API, query)
    assert response.status_code == 200
    body = response.json()
    assert body["self_host"]["eligible"] is False and body["self_host"]["reached"] < target
    assert body["breakeven_tokens_per_day"] is None and body["self_host_monthly_cost"] is None
    assert body["api_at_target"]["met"] and body["api_at_target"]["tokens_per_second_p50"] >= target
    assert body["api_at_target"]["provider"] == fastest.offering.provider.name
    assert body["route"]["recommended"] == "open_weight_serverless"
    page = client.get(PAGE, query)
    assert page.status_code == 200 and page.context["a"].unmet.reached == pytest.approx(
        body["self_host"]["reached"], abs=0.05
    )


def test_the_schema_documents_an_answer_without_self_hosting(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    answer = components["BreakevenOut"]["properties"]
    assert {"self_host", "api_at_target"} <= set(answer)
    self_host = components["SelfHostOut"]["properties"]
    assert {"eligible", "reason", "target_field", "target", "reached", "unit", "basis", "replica"} <= set(self_host)
    assert "null" in self_host["eligible"]["description"]  # says what an ineligible answer leaves out
    at_target = components["ApiAtTargetOut"]["properties"]
    assert {"met", "provider", "tokens_per_second_p50", "monthly_cost", "fastest_provider", "reason"} <= set(at_target)
    assert "self_host.eligible" in schema["paths"]["/api/v1/breakeven"]["get"]["description"]
