"""The JSON API under /api/v1/: figures equal the pages', filters, 422/404, pagination, ETag, rate limit, queries."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from computeprices.apitypes import plain
from computeprices.freshness import today_utc
from providers.models import PricingType
from providers.stats import refresh_gpu_daily_stats
from scrapers.models import ScrapeRun
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)
from tests.test_gpu_pages_support import build_market

pytestmark = pytest.mark.django_db
D = Decimal


def gpu_offer(gpu, provider, price, pricing_type=PricingType.ON_DEMAND, per_instance=1, days_ago=0, **kwargs):
    offering = GpuOfferingFactory(
        gpu=gpu, provider=provider, pricing_type=pricing_type, gpus_per_instance=per_instance, **kwargs
    )
    GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=D(price), observed_on=today_utc() - timedelta(days=days_ago)
    )
    return offering


def token_offer(model, provider, price_in, price_out, days_ago=0, **kwargs):
    offering = InferenceOfferingFactory(model=model, provider=provider, **kwargs)
    InferencePriceObservationFactory(
        offering=offering,
        usd_per_mtok_input=D(price_in),
        usd_per_mtok_output=D(price_out),
        observed_on=today_utc() - timedelta(days=days_ago),
    )
    return offering


@pytest.fixture
def market():
    """Two GPUs over three providers (one stale offering, one spot), one model over two providers."""
    h100 = GpuFactory(name="H100 SXM", slug="h100-sxm", vram_gb=80, bf16_dense_tflops=D("989.4"))
    mi300 = GpuFactory(name="MI300X", slug="mi300x", vendor="amd", architecture="CDNA 3", vram_gb=192)
    aws, lam, vast = (
        ProviderFactory(name="AWS", slug="aws"),
        ProviderFactory(name="Lambda", slug="lambda"),
        ProviderFactory(name="Vast", slug="vast"),
    )
    gpu_offer(h100, aws, "6.88", per_instance=8, instance_name="p5.48xlarge")
    gpu_offer(h100, lam, "2.99", instance_name="gpu_1x_h100")
    gpu_offer(h100, lam, "2.49", per_instance=8, instance_name="gpu_8x_h100")
    gpu_offer(h100, vast, "1.90", pricing_type=PricingType.SPOT, instance_name="spot-1")
    gpu_offer(h100, vast, "2.10", days_ago=5, instance_name="old-1")
    gpu_offer(h100, aws, "3.10", days_ago=3, instance_name="yesterday")
    gpu_offer(mi300, vast, "1.99", instance_name="mi-1")
    refresh_gpu_daily_stats()
    llama = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b", creator="Meta")
    token_offer(llama, lam, "0.12", "0.30")
    token_offer(llama, vast, "0.59", "0.79", quantization="bf16")
    token_offer(llama, aws, "0.72", "0.72", days_ago=6)
    token_offer(llama, aws, "0.71", "0.71", days_ago=40, quantization="int4")  # history only: delisted
    return {"h100": h100, "mi300": mi300, "llama": llama}


def get(client, path, params=None, status=200, **headers):
    response = client.get(f"/api/v1/{path}", params or {}, **headers)
    assert response.status_code == status, response.content
    return response.json() if response.status_code != 304 else None


# --- every figure equals the page's -----------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"pricing_type": "spot"}, {"vendor": "amd"}, {"min_vram": "100"}])
def test_gpu_list_figures_equal_the_page(client, market, params):
    page = client.get(reverse("providers:gpu_list"), params).context["rows"]
    api = get(client, "gpus", params)
    assert api["count"] == len(page) == len(api["items"])
    by_slug = {item["slug"]: item for item in api["items"]}
    for row in page:
        item = by_slug[row.gpu.slug]
        assert item["cheapest_usd_per_gpu_hour"] == plain(row.cheapest)
        assert item["median_usd_per_gpu_hour"] == plain(row.median)
        assert item["cheapest_spot_usd_per_gpu_hour"] == plain(row.cheapest_spot)
        assert item["provider_count"] == row.provider_count
        assert item["usd_per_gb_vram_hour"] == plain(row.usd_per_gb_hour)


def test_gpu_figures_are_the_market_in_canonical_units(client, market):
    h100 = get(client, "gpus/h100-sxm")
    # Current on-demand providers: AWS (6.88 and 3.10: cheapest 3.10), Lambda (2.49): median of 3.10 and 2.49.
    assert D(h100["cheapest_usd_per_gpu_hour"]) == D("2.49")
    assert D(h100["median_usd_per_gpu_hour"]) == D("2.795")
    assert D(h100["cheapest_spot_usd_per_gpu_hour"]) == D("1.90")
    assert [m["pricing_type"] for m in h100["markets"]] == ["on_demand", "spot"]


def test_gpu_offerings_equal_the_page_and_filter_like_it(client, market):
    for params in ({}, {"pricing_type": "on_demand", "gpus": "8"}, {"provider": "lambda"}):
        page = client.get(market["h100"].get_absolute_url(), params).context["offerings"]
        api = get(client, "gpus/h100-sxm/offerings", params)
        assert [(o["instance"], o["usd_per_gpu_hour"], o["status"]) for o in api["items"]] == [
            (o.instance_name, plain(o.latest_usd_per_gpu_hour), o.status) for o in page
        ]
    eight = get(client, "gpus/h100-sxm/offerings", {"gpus": 8, "provider": "lambda"})["items"][0]
    assert (eight["usd_per_gpu_hour"], eight["usd_per_instance_hour"]) == ("2.4900", "19.9200")
    # The factories' observations come from a scraped source.
    assert eight["price_date"] == today_utc().isoformat() and eight["source"] == "test:scraper"


def test_gpu_history_is_the_daily_statistics_between_start_and_end(client, market):
    today = today_utc()
    everything = get(client, "gpus/h100-sxm/history")["items"]
    assert {i["pricing_type"] for i in everything} == {"on_demand", "spot"}
    page_stats = client.get(market["h100"].get_absolute_url()).context["history"].stats
    on_demand = [i for i in everything if i["pricing_type"] == "on_demand"]
    assert [(i["day"], i["cheapest_usd_per_gpu_hour"], i["median_usd_per_gpu_hour"]) for i in on_demand] == [
        (s.day.isoformat(), plain(s.cheapest_usd_per_gpu_hour), plain(s.median_usd_per_gpu_hour)) for s in page_stats
    ]
    start = (today - timedelta(days=1)).isoformat()
    window = get(
        client, "gpus/h100-sxm/history", {"start": start, "end": today.isoformat(), "pricing_type": "on_demand"}
    )
    assert window["count"] == 2 and all(i["day"] >= start for i in window["items"])


def test_provider_figures_equal_the_pages(client, market):
    page = {r.provider.slug: r for r in client.get(reverse("providers:provider_list")).context["rows"]}
    api = get(client, "providers")
    assert api["count"] == len(page)
    for item in api["items"]:
        row = page[item["slug"]]
        assert (item["gpu_type_count"], item["model_count"]) == (row.gpu_type_count, row.model_count)
        assert item["median_vs_market"] == plain(row.market_position)
    assert [p["slug"] for p in get(client, "providers", {"offers": "both"})["items"]] == ["aws", "lambda", "vast"]

    context = client.get(reverse("providers:provider_detail", args=["lambda"])).context
    detail = get(client, "providers/lambda")
    assert [(o["gpu"], o["usd_per_gpu_hour"], o["vs_median"]) for o in detail["gpu_offerings"]] == [
        (o.gpu.slug, plain(o.latest_usd_per_gpu_hour), plain(o.vs_median)) for o in context["offerings"]
    ]
    assert [(o["model"], o["usd_per_mtok_blended_3to1"], o["vs_cheapest"]) for o in detail["inference_offerings"]] == [
        (o.model.slug, plain(o.blended), plain(o.vs_cheapest)) for o in context["inference"]
    ]


@pytest.mark.parametrize("blend", ["3:1", "10:1"])
def test_model_figures_equal_the_pages_at_any_blend(client, market, blend):
    page = client.get(reverse("inference:model_list"), {"blend": blend}).context["summaries"]
    api = get(client, "models", {"blend": blend})
    assert [i["slug"] for i in api["items"]] == [s.model.slug for s in page]
    item, summary = api["items"][0], page[0]
    assert item["blend"] == blend
    assert item["cheapest_blended_usd_per_mtok"] == plain(summary.cheapest)
    assert item["median_blended_usd_per_mtok"] == plain(summary.median)
    assert item["cheapest_provider"] == "lambda"

    context = client.get(market["llama"].get_absolute_url(), {"blend": blend}).context
    offerings = get(client, "models/llama-3-3-70b/offerings", {"blend": blend})
    assert [(o["provider"], o["blended_usd_per_mtok"], o["status"]) for o in offerings["items"]] == [
        (r.offering.provider.slug, plain(r.blended), r.freshness) for r in context["rows"]
    ]
    one = get(client, "models/llama-3-3-70b", {"blend": blend})
    assert one["cheapest_blended_usd_per_mtok"] == plain(context["summary"].cheapest)


def test_model_list_filters_like_the_page(client, market):
    LanguageModelFactory(name="Closed", slug="closed", creator="Acme", open_weights=False)
    assert [m["slug"] for m in get(client, "models", {"creator": "acme"})["items"]] == ["closed"]
    assert "closed" not in [m["slug"] for m in get(client, "models", {"open": "true"})["items"]]


def test_model_history_is_one_price_per_offering_and_day_in_range(client, market):
    history = get(client, "models/llama-3-3-70b/history")["items"]
    assert len(history) == 4  # the delisted int4 offering's old price included
    assert history[0]["day"] == (today_utc() - timedelta(days=40)).isoformat()
    assert D(history[0]["blended_usd_per_mtok"]) == D("0.71")
    recent = get(client, "models/llama-3-3-70b/history", {"start": (today_utc() - timedelta(days=7)).isoformat()})
    assert recent["count"] == 3


def test_sources_are_the_sources_page_rows(client, market):
    ScrapeRun.objects.create(source="runpod", observed_on=today_utc(), status=ScrapeRun.Status.OK, rows_new=3)
    ScrapeRun.objects.create(
        source="skypilot:aws", observed_on=today_utc(), status=ScrapeRun.Status.FAILED, error="boom"
    )
    page = {row.name: row for row in client.get(reverse("scrapers:sources")).context["report"].sources}
    api = {row["name"]: row for row in get(client, "sources")}
    assert set(api) == set(page)
    assert api["runpod"]["status"] == "ok" and api["runpod"]["last_successful_run"]["rows_published"] == 3
    assert api["skypilot:aws"]["status"] == "failing" and api["skypilot:aws"]["failing_since"]["error"] == "boom"
    assert all(api[name]["current_prices"] == row.published for name, row in page.items())


# --- bad parameters, unknown slugs, pagination --------------------------------------------------------


@pytest.mark.parametrize(
    "path, params, name",
    [
        ("gpus", {"pricing_type": "hourly"}, "pricing_type"),
        ("gpus", {"vendor": "acme"}, "vendor"),
        ("gpus", {"architecture": "Nope"}, "architecture"),
        ("gpus", {"min_vram": "lots"}, "min_vram"),
        ("gpus", {"limit": "0"}, "limit"),
        ("gpus", {"offset": "-1"}, "offset"),
        ("gpus/h100-sxm/offerings", {"gpus": "0"}, "gpus"),
        ("gpus/h100-sxm/offerings", {"provider": "nobody"}, "provider"),
        ("gpus/h100-sxm/history", {"start": "2026-13-01"}, "start"),
        ("gpus/h100-sxm/history", {"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ("providers", {"offers": "cheese"}, "offers"),
        ("models", {"blend": "three"}, "blend"),
        ("models", {"creator": "Nobody"}, "creator"),
        ("models", {"min_params": "9", "max_params": "1"}, "max_params"),
        ("models", {"sort": "colour"}, "sort"),
        ("models/llama-3-3-70b/offerings", {"blend": "0:0"}, "blend"),
        ("models/llama-3-3-70b/history", {"end": "yesterday"}, "end"),
    ],
)
def test_bad_parameter_is_a_422_naming_it(client, market, path, params, name):
    body = get(client, path, params, status=422)
    assert name in [error["loc"][-1] for error in body["detail"]]


@pytest.mark.parametrize(
    "path", ["gpus/nope", "gpus/nope/offerings", "gpus/nope/history", "providers/nope", "models/nope/offerings"]
)
def test_unknown_slug_is_a_404(client, market, path):
    assert get(client, path, status=404) == {"detail": "Not Found"}


def test_lists_are_paginated_with_items_and_count(client, market):
    first = get(client, "gpus/h100-sxm/offerings", {"limit": 2})
    second = get(client, "gpus/h100-sxm/offerings", {"limit": 2, "offset": 2})
    everything = get(client, "gpus/h100-sxm/offerings")
    assert first["count"] == second["count"] == len(everything["items"]) == 6
    assert first["items"] + second["items"] == everything["items"][:4]


# --- caching headers and rate limit -----------------------------------------------------------------


def test_answers_carry_an_etag_and_cache_control_and_304_when_unchanged(client, market):
    response = client.get("/api/v1/gpus")
    etag = response["ETag"]
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    again = client.get("/api/v1/gpus", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    gpu_offer(market["mi300"], ProviderFactory(slug="new"), "0.50", instance_name="new-1")
    changed = client.get("/api/v1/gpus", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_each_client_is_rate_limited_with_429_and_retry_after(client, market, settings):
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert client.get("/api/v1/providers").status_code == 200
    refused = client.get("/api/v1/gpus")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get("/api/v1/gpus", REMOTE_ADDR="10.0.0.9").status_code == 200  # another client


def test_a_dead_cache_lifts_the_rate_limit_rather_than_failing(client, market, monkeypatch):
    def dead(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr("ninja.throttling.SimpleRateThrottle.cache.get", dead)
    assert client.get("/api/v1/gpus").status_code == 200


# --- schema, docs, breakeven ---------------------------------------------------------------------------


def test_openapi_schema_describes_every_operation_with_units(client):
    schema = get(client, "openapi.json")
    paths = set(schema["paths"])
    assert {
        "/api/v1/gpus",
        "/api/v1/gpus/{slug}",
        "/api/v1/gpus/{slug}/offerings",
        "/api/v1/gpus/{slug}/history",
        "/api/v1/providers",
        "/api/v1/providers/{slug}",
        "/api/v1/models",
        "/api/v1/models/{slug}/offerings",
        "/api/v1/models/{slug}/history",
        "/api/v1/sources",
        "/api/v1/breakeven",
    } <= paths
    text = json.dumps(schema)
    assert "USD per GPU-hour" in text and "USD per 1M tokens" in text
    breakeven_params = {p["name"] for p in schema["paths"]["/api/v1/breakeven"]["get"]["parameters"]}
    assert {"model", "tokens_per_day", "utilization"} <= breakeven_params


def test_docs_are_served_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert "http://" not in html and "https://" not in html


def test_breakeven_answer_through_the_api_is_the_plain_views(client, rf):
    from selfhost.views import breakeven_api

    params = {
        "input_tokens_per_day": "100000000",
        "output_tokens_per_day": "20000000",
        "api_input_price": "0.6",
        "api_output_price": "0.8",
        "gpu_hourly_price": "2",
        "gpus_per_replica": "2",
        "prefill_tokens_per_second": "20000",
        "decode_tokens_per_second": "2000",
        "utilization": "0.5",
    }
    plain_view = breakeven_api(rf.get("/api/v1/breakeven", params))
    through_api = client.get("/api/v1/breakeven", params)
    assert through_api.status_code == plain_view.status_code == 200
    assert through_api.json() == json.loads(plain_view.content)
    assert client.get("/api/v1/breakeven", params | {"utilization": "2"}).json()["errors"].keys() == {"utilization"}


# --- queries constant in the size of the data --------------------------------------------------------

API_QUERIES = {
    "gpus": 2,
    "gpus/accel-0": 3,
    "gpus/accel-0/offerings": 2,
    "gpus/accel-0/history": 2,
    "providers": 3,
    "providers/cloud-0": 7,
    "models": 3,
    "models/llama-0": 2,
    "models/llama-0/offerings": 3,  # + the latest speed measurements
    "models/llama-0/history": 2,
    "sources": 8,  # scrapers.report.data_report, the same report as /sources/
}


@pytest.mark.parametrize("size", [10, 400])
def test_query_count_is_constant_in_the_size_of_the_data(client, size, django_assert_max_num_queries):
    build_market(size)
    for path, budget in API_QUERIES.items():
        # + 1: the data version the page stamp reads for ETag and Last-Modified (computeprices.middleware).
        with django_assert_max_num_queries(budget + 1, info=path):
            response = client.get(f"/api/v1/{path}", {"limit": 1000})
            assert response.status_code == 200, (path, response.content)
    assert get(client, "gpus/accel-0/offerings")["count"] >= size // 20


# --- the /api/ page ----------------------------------------------------------------------------------


def test_api_page_gives_curl_examples_that_answer(client, market, settings):
    from computeprices.api import EXAMPLES

    GpuFactory(slug="h100-sxm")
    LanguageModelFactory(slug="gpt-oss-120b")
    ProviderFactory(slug="lambda")
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"curl -s 'http://testserver(/api/v1/[^']*)'", html)
    assert len(urls) == len(EXAMPLES)
    for url in urls:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url
    assert "120/m" in html and "Retry-After" in html
    assert 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
    assert client.get("/api/v1/")["Location"] == "/api/"
    home = client.get("/").content.decode()
    assert 'href="/api/"' in home
    cheapest = get(client, "gpus/h100-sxm/offerings", {"pricing_type": "on_demand", "gpus": 8, "status": "current"})
    assert [(o["provider"], o["usd_per_gpu_hour"]) for o in cheapest["items"]] == [
        ("lambda", "2.4900"),
        ("aws", "6.8800"),
    ]
