"""Fetching: one client, retries with backoff on network errors, 5xx and 429 (Retry-After), and what a
run records when a source cannot be fetched or answers with the wrong thing. Payloads are fed at the
HTTP boundary with respx."""

import json
from datetime import date
from pathlib import Path

import httpx
import pytest
import respx

from providers.models import GpuOffering, GpuPriceObservation
from scrapers import http
from scrapers.ingest import run_source
from scrapers.models import ScrapeRun
from scrapers.sources import get_source
from scrapers.sources.azure import API_URL
from tests.test_scrapers_ingest import make_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"
DAY = date(2026, 11, 23)
LITELLM_URL = get_source("litellm").url


@pytest.fixture
def waits(monkeypatch):
    """Record the backoff waits instead of sleeping."""
    recorded = []
    monkeypatch.setattr(http, "sleep", recorded.append)
    return recorded


def test_client_names_the_site_and_has_timeouts():
    with http.make_client() as client:
        assert "ComputePrices" in client.headers["User-Agent"]
        assert client.timeout.connect == 10.0 and client.timeout.read == 30.0


@respx.mock
def test_500_then_success_is_retried(waits):
    route = respx.get("https://example.test/x").mock(side_effect=[httpx.Response(500), httpx.Response(200, text="ok")])
    with http.make_client() as client:
        assert http.get(client, "https://example.test/x").text == "ok"
    assert route.call_count == 2 and waits == [1.0]


@respx.mock
def test_429_honours_retry_after(waits):
    respx.get("https://example.test/x").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, text="ok")]
    )
    with http.make_client() as client:
        http.get(client, "https://example.test/x")
    assert waits == [7.0]


@respx.mock
def test_retry_after_is_capped(waits):
    respx.get("https://example.test/x").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "86400"}), httpx.Response(200)]
    )
    with http.make_client() as client:
        http.get(client, "https://example.test/x")
    assert waits == [http.MAX_RETRY_AFTER_SECONDS]


@respx.mock
def test_timeouts_are_retried_with_backoff_then_fail(waits):
    route = respx.get("https://example.test/x").mock(side_effect=httpx.ReadTimeout("slow"))
    with http.make_client() as client, pytest.raises(http.FetchError, match="ReadTimeout"):
        http.get(client, "https://example.test/x")
    assert route.call_count == http.MAX_ATTEMPTS and waits == [1.0, 2.0, 4.0]


@respx.mock
def test_404_is_not_retried(waits):
    route = respx.get("https://example.test/x").mock(return_value=httpx.Response(404))
    with http.make_client() as client, pytest.raises(http.FetchError, match="404"):
        http.get(client, "https://example.test/x")
    assert route.call_count == 1 and waits == []


@pytest.mark.django_db
def test_connection_refused_fails_the_run_and_writes_nothing(waits):
    make_catalogue()

    def refuse(request):
        raise httpx.ConnectError("Connection refused")

    client = http.make_client(transport=httpx.MockTransport(refuse))
    run = run_source(get_source("litellm"), day=DAY, client=client)
    assert run.status == ScrapeRun.Status.FAILED and "Connection refused" in run.error
    assert not GpuPriceObservation.objects.exists()


@pytest.mark.django_db
@respx.mock
def test_a_source_that_times_out_fails_the_run_and_says_why(waits):
    make_catalogue()
    respx.get(LITELLM_URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    run = run_source(get_source("litellm"), day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "ConnectTimeout" in run.error and "4 attempts" in run.error
    assert ScrapeRun.objects.get().error == run.error


@pytest.mark.django_db
@respx.mock
def test_fetch_then_ingest_end_to_end(waits):
    make_catalogue()
    respx.get(LITELLM_URL).mock(
        side_effect=[httpx.Response(502), httpx.Response(200, text=(FIXTURES / "litellm_small.json").read_text())]
    )
    run = run_source(get_source("litellm"), day=DAY)
    assert run.status == ScrapeRun.Status.PARTIAL and run.rows_new == 2


@pytest.mark.django_db
@respx.mock
def test_html_where_json_was_expected(waits):
    respx.get(LITELLM_URL).mock(return_value=httpx.Response(200, text="<html><body>Rate limited</body></html>"))
    run = run_source(get_source("litellm"), day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "HTML" in run.error


@pytest.mark.django_db
@respx.mock
def test_truncated_json(waits):
    text = (FIXTURES / "litellm_small.json").read_text()
    respx.get(LITELLM_URL).mock(return_value=httpx.Response(200, text=text[: len(text) // 2]))
    run = run_source(get_source("litellm"), day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "truncated" in run.error


def _azure_page(sku, next_link):
    item = {
        "armSkuName": sku,
        "armRegionName": "eastus",
        "currencyCode": "USD",
        "productName": "NCads A100 v4 Series Linux",
        "retailPrice": 3.673,
        "serviceName": "Virtual Machines",
        "skuName": sku,
        "meterName": sku,
        "type": "Consumption",
        "unitOfMeasure": "1 Hour",
    }
    return {"BillingCurrency": "USD", "Items": [item], "NextPageLink": next_link, "Count": 1}


@pytest.mark.django_db
@respx.mock
def test_azure_follows_next_page_link(waits):
    make_catalogue()
    respx.get(API_URL, params={"$skip": "1"}).mock(
        return_value=httpx.Response(200, json=_azure_page("Standard_NC48ads_A100_v4", None))
    )
    respx.get(API_URL).mock(
        return_value=httpx.Response(200, json=_azure_page("Standard_NC24ads_A100_v4", f"{API_URL}?$skip=1"))
    )
    run = run_source(get_source("azure"), day=DAY)
    assert run.rows_new == 2 and GpuOffering.objects.count() == 2


@pytest.mark.django_db
@respx.mock
def test_azure_third_page_failing_writes_nothing_of_the_run(waits):
    make_catalogue()
    respx.get(API_URL, params={"$skip": "2"}).mock(return_value=httpx.Response(500))
    respx.get(API_URL, params={"$skip": "1"}).mock(
        return_value=httpx.Response(200, json=_azure_page("Standard_NC48ads_A100_v4", f"{API_URL}?$skip=2"))
    )
    respx.get(API_URL).mock(
        return_value=httpx.Response(200, json=_azure_page("Standard_NC24ads_A100_v4", f"{API_URL}?$skip=1"))
    )
    run = run_source(get_source("azure"), day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "500" in run.error
    assert not GpuOffering.objects.exists() and not GpuPriceObservation.objects.exists()


@pytest.mark.django_db
@respx.mock
def test_runpod_posts_the_graphql_query(waits, monkeypatch):
    make_catalogue()
    route = respx.post("https://api.runpod.io/graphql").mock(
        return_value=httpx.Response(200, text=(FIXTURES / "runpod_small.json").read_text())
    )
    monkeypatch.setenv("RUNPOD_API_KEY", "k-123")
    run = run_source(get_source("runpod"), day=DAY)
    assert "gpuTypes" in json.loads(route.calls[0].request.content)["query"]
    assert route.calls[0].request.headers["Authorization"] == "Bearer k-123"
    assert run.rows_new == 2  # H100 secure + community


@pytest.mark.django_db
@respx.mock
def test_openrouter_fetches_endpoints_of_known_models_only(waits):
    make_catalogue()
    respx.get("https://openrouter.ai/api/v1/models").mock(
        return_value=httpx.Response(200, text=(FIXTURES / "openrouter_models_small.json").read_text())
    )
    endpoints = respx.get("https://openrouter.ai/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").mock(
        return_value=httpx.Response(200, text=(FIXTURES / "openrouter_endpoints.json").read_text())
    )
    run = run_source(get_source("openrouter"), day=DAY)
    assert endpoints.call_count == 1
    # OpenRouter's own + DeepInfra + Together (Groq is not in the catalogue), plus OpenRouter's own price of each
    # model its list states facts about that the catalogue lacked (created unreviewed, scrapers.ingest.grow_models).
    assert run.models_created >= 1 and run.rows_new == 3 + run.models_created
