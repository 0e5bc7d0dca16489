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


# --- bounded whatever the server does: a real loopback server that drips, loops and floods -----------


class _Hostile(__import__("http.server").server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path == "/drip":  # one byte every 0.2 s, forever (the 87 s over 4 attempts)
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    __import__("time").sleep(0.2)
            except OSError:
                return
        elif self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop-again" if self.path == "/loop" else "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/flood":  # no Content-Length: only the running count can stop it
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b"y" * 65536)
            except OSError:
                return

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile_server():
    import threading
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_dripping_server_is_cut_at_the_total_deadline(hostile_server, monkeypatch, waits):
    import time

    monkeypatch.setattr(http, "TOTAL_DEADLINE_SECONDS", 1.0)
    started = time.monotonic()
    with http.make_client() as client, pytest.raises(http.FetchError, match="deadline"):
        http.get(client, f"{hostile_server}/drip")
    assert time.monotonic() - started < 3  # not 20 s per attempt, not 87 s in all


def test_a_redirect_loop_ends_with_a_clear_error(hostile_server, waits):
    with http.make_client() as client, pytest.raises(http.FetchError, match="redirects"):
        http.get(client, f"{hostile_server}/loop")
    assert waits == []  # a loop is not retried


def test_a_body_over_the_size_cap_is_refused(hostile_server, monkeypatch, waits):
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 1024 * 1024)
    with http.make_client() as client, pytest.raises(http.FetchError, match="byte cap"):
        http.get(client, f"{hostile_server}/flood")


@respx.mock
def test_a_declared_length_over_the_cap_is_refused_before_reading(monkeypatch, waits):
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 10)
    respx.get("https://example.test/x").mock(return_value=httpx.Response(200, headers={"Content-Length": "11"}))
    with http.make_client() as client, pytest.raises(http.FetchError, match="11 bytes declared"):
        http.get(client, "https://example.test/x")


@respx.mock
def test_a_gzip_body_is_read_decoded(waits):
    import gzip

    respx.get("https://example.test/x").mock(
        return_value=httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(b'{"a": 1}'))
    )
    with http.make_client() as client:
        assert http.get(client, "https://example.test/x").json() == {"a": 1}


@pytest.mark.django_db
def test_a_source_behind_a_dripping_server_is_a_failed_run(hostile_server, monkeypatch, waits):
    monkeypatch.setattr(http, "TOTAL_DEADLINE_SECONDS", 1.0)
    source = get_source("litellm")
    monkeypatch.setattr(source, "url", f"{hostile_server}/drip")
    run = run_source(source, day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "deadline" in run.error
