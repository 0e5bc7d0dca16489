"""The two speed sources (openrouter:endpoints, openrouter:stats) through the one run: parsing, matching
offerings by quantization, validation, the review queue for a 5x jump, idempotent reruns, history, and
the same faults the price sources are tested against (nothing written by a failed run)."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inference.models import EndpointMeasurement, MeasurementStatus
from scrapers import http
from scrapers.ingest import run_source
from scrapers.models import ScrapeRun, UnmatchedName
from scrapers.sources import RECORDED_PAYLOADS, get_source
from scrapers.sources.openrouter_endpoints import PACE_SECONDS
from scrapers.sources.openrouter_endpoints import parse as parse_endpoints
from scrapers.sources.openrouter_stats import parse as parse_stats
from tests.factories import InferenceOfferingFactory, LanguageModelFactory, ModelAliasFactory
from tests.speed_factories import EndpointMeasurementFactory
from tests.test_scrapers_ingest import make_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"
ENDPOINTS = (FIXTURES / "openrouter_endpoints_speed.json").read_text()
DAY = date(2026, 8, 8)
STATS_FILE = RECORDED_PAYLOADS["openrouter:stats"]


@pytest.fixture
def waits(monkeypatch):
    recorded = []
    monkeypatch.setattr(http, "sleep", recorded.append)
    return recorded


@pytest.fixture
def catalogue(db):
    cat = make_catalogue()
    llama = cat["models"]["llama-3-3-70b"]
    cat["deepinfra"] = InferenceOfferingFactory(provider=cat["providers"]["deepinfra"], model=llama, quantization="fp8")
    cat["together"] = InferenceOfferingFactory(provider=cat["providers"]["together"], model=llama, quantization="fp8")
    return cat


def scrape(name, payload, day=DAY, **kw):
    return run_source(get_source(name), payload=payload, day=day, **kw)


def endpoints_payload(**changes):
    """The fixture with one endpoint's fields changed: changes = {provider_name: {field: value}}."""
    data = json.loads(ENDPOINTS)
    for endpoint in data["data"]["endpoints"]:
        endpoint.update(changes.get(endpoint["provider_name"], {}))
    return json.dumps(data)


# --- parsing ------------------------------------------------------------------------------------------


def test_documented_endpoints_format_gives_p50_p90_p99_uptime_and_a_30_minute_window():
    parsed = parse_endpoints(ENDPOINTS)
    by_provider = {r.provider: r for r in parsed.records}
    deepinfra = by_provider["DeepInfra"]
    assert deepinfra.tokens_per_second_p50 == Decimal("45.2") and deepinfra.tokens_per_second_p99 == Decimal("15.1")
    assert deepinfra.ttft_ms_p50 == Decimal("480") and deepinfra.ttft_ms_p90 == Decimal("910")
    assert deepinfra.uptime_percent == Decimal("99.5") and deepinfra.window_minutes == 30
    assert deepinfra.quantization == "fp8" and deepinfra.endpoint == "deepinfra/fp8"
    # Groq: latency/throughput null (OpenRouter hides them from anonymous callers), uptime kept; "unknown" = unstated.
    groq = by_provider["Groq"]
    assert groq.tokens_per_second_p50 is None and groq.uptime_percent == Decimal("100") and groq.quantization == ""


def test_recorded_frontend_stats_parse_every_endpoint(shared_data):
    parsed = parse_stats((shared_data / STATS_FILE).read_text())
    assert len(parsed.records) == 107  # 111 endpoints, 4 without traffic in the window
    skipped = {s.reason for s in parsed.skipped}
    assert {"no endpoints (delisted)", "no traffic measured in the window"} <= skipped  # 405B, Mixtral; 4 endpoints
    groq = next(r for r in parsed.records if r.provider == "Groq" and r.model == "meta-llama/llama-3.3-70b-instruct")
    assert groq.tokens_per_second_p50 == Decimal("179") and groq.ttft_ms_p50 == Decimal("289")
    assert groq.request_count == 2701 and groq.window_minutes == 30 and groq.quantization == ""


def test_the_endpoints_source_replays_the_recorded_stats_lines_too(shared_data):
    text = (shared_data / STATS_FILE).read_text()
    assert len(parse_endpoints(text).records) == len(parse_stats(text).records)


def test_the_stats_source_refuses_the_documented_format():
    from scrapers.sources.base import PayloadError

    with pytest.raises(PayloadError, match="frontend stats"):
        parse_stats(ENDPOINTS)


# --- matching, publishing, history ---------------------------------------------------------------------


def test_endpoints_attach_to_offerings_of_the_same_quantization(catalogue):
    run = scrape("openrouter:endpoints", ENDPOINTS)
    assert run.status == ScrapeRun.Status.PARTIAL  # NewCloud and Groq are unknown providers
    latest = EndpointMeasurement.objects.latest_by_offering([catalogue["deepinfra"].pk, catalogue["together"].pk])
    assert latest[catalogue["deepinfra"].pk].tokens_per_second_p50 == Decimal("45.20")
    assert latest[catalogue["together"].pk].ttft_ms_p50 == Decimal("520.0")
    assert latest[catalogue["together"].pk].source == "openrouter:endpoints"
    assert set(UnmatchedName.objects.values_list("kind", "raw_name")) == {
        ("provider", "NewCloud"),
        ("provider", "Groq"),
    }
    assert run.rows_new == 2 and run.rows_unmatched == 2


def test_a_known_provider_without_an_offering_of_that_quantization_is_unmatched_not_created(catalogue):
    run = scrape("openrouter:endpoints", endpoints_payload(DeepInfra={"quantization": "bf16"}))
    assert [k for k, name, n in run.unmatched_names if "DeepInfra" in name] == ["offering"]
    assert not EndpointMeasurement.objects.filter(offering=catalogue["deepinfra"]).exists()
    assert EndpointMeasurement.objects.count() == 1


def test_an_offering_without_a_stated_quantization_takes_its_providers_only_endpoint(catalogue):
    catalogue["deepinfra"].quantization = ""
    catalogue["deepinfra"].save()
    scrape("openrouter:endpoints", ENDPOINTS)
    assert EndpointMeasurement.objects.filter(offering=catalogue["deepinfra"]).exists()


def test_two_endpoints_of_one_offering_fold_into_the_cheaper(catalogue):
    data = json.loads(ENDPOINTS)
    turbo = dict(
        data["data"]["endpoints"][0], tag="deepinfra/turbo", pricing={"prompt": "0.0000001", "completion": "0.0000002"}
    )
    turbo["throughput_last_30m"] = {"p50": 12, "p90": 9, "p99": 5}
    data["data"]["endpoints"].append(turbo)
    run = scrape("openrouter:endpoints", json.dumps(data))
    assert run.rows_collapsed == 1
    kept = EndpointMeasurement.objects.get(offering=catalogue["deepinfra"])
    assert kept.endpoint == "deepinfra/turbo" and kept.tokens_per_second_p50 == Decimal("12.00")


def test_rerun_same_day_changes_nothing_and_next_day_adds_history(catalogue):
    scrape("openrouter:endpoints", ENDPOINTS)
    again = scrape("openrouter:endpoints", ENDPOINTS)
    assert again.rows_new == 0 and again.rows_unchanged == 2 and EndpointMeasurement.objects.count() == 2
    changed = scrape("openrouter:endpoints", endpoints_payload(Together={"uptime_last_30m": 97}))
    assert changed.rows_changed == 1 and EndpointMeasurement.objects.count() == 2
    scrape("openrouter:endpoints", ENDPOINTS, day=DAY + timedelta(days=1))
    assert EndpointMeasurement.objects.filter(offering=catalogue["together"]).count() == 2
    latest = EndpointMeasurement.objects.latest_by_offering([catalogue["together"].pk])[catalogue["together"].pk]
    assert latest.measured_on == DAY + timedelta(days=1)


@pytest.mark.parametrize("p50, direction", [(500, "up"), (8, "down")])
def test_a_5x_jump_in_speed_goes_to_review_not_to_the_pages(catalogue, p50, direction):
    EndpointMeasurementFactory(
        offering=catalogue["together"], measured_on=DAY - timedelta(days=1), tokens_per_second_p50=Decimal("95")
    )
    run = scrape("openrouter:endpoints", endpoints_payload(Together={"throughput_last_30m": {"p50": p50}}))
    assert run.rows_flagged == 1 and run.status == ScrapeRun.Status.PARTIAL
    held = EndpointMeasurement.objects.get(offering=catalogue["together"], measured_on=DAY)
    assert held.status == MeasurementStatus.PENDING and "5x" in held.review_reason
    assert held.reference_tokens_per_second == Decimal("95")
    shown = EndpointMeasurement.objects.latest_by_offering([catalogue["together"].pk])[catalogue["together"].pk]
    assert shown.measured_on == DAY - timedelta(days=1)
    held.approve()
    shown = EndpointMeasurement.objects.latest_by_offering([catalogue["together"].pk])[catalogue["together"].pk]
    assert shown.pk == held.pk


def test_a_5x_jump_in_time_to_first_token_goes_to_review(catalogue):
    EndpointMeasurementFactory(
        offering=catalogue["together"],
        measured_on=DAY - timedelta(days=1),
        ttft_ms_p50=Decimal("500"),
        tokens_per_second_p50=Decimal("95"),
    )
    run = scrape("openrouter:endpoints", endpoints_payload(Together={"latency_last_30m": {"p50": 4000}}))
    assert run.rows_flagged == 1
    assert (
        "time to first token"
        in EndpointMeasurement.objects.get(offering=catalogue["together"], measured_on=DAY).review_reason
    )


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"throughput_last_30m": {"p50": -3}}, "zero or negative"),
        ({"throughput_last_30m": {"p50": 0}}, "zero or negative"),
        ({"throughput_last_30m": {"p50": 250000}}, "above 10000"),
        ({"latency_last_30m": {"p50": 0.25}}, "seconds given as ms"),
        ({"latency_last_30m": {"p50": 9_000_000}}, "above 600000"),
        ({"uptime_last_30m": 140}, "uptime outside"),
    ],
)
def test_negative_zero_and_absurd_figures_are_refused_with_the_reason(catalogue, change, reason):
    run = scrape("openrouter:endpoints", endpoints_payload(DeepInfra=change))
    assert run.rows_refused == 1 and any(reason in r for r in run.refusal_reasons)
    assert not EndpointMeasurement.objects.filter(offering=catalogue["deepinfra"]).exists()
    assert EndpointMeasurement.objects.filter(offering=catalogue["together"]).exists()


# --- faults: the same as the price sources --------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, error",
    [
        ("<html><body>502 Bad Gateway</body></html>", "HTML"),
        (ENDPOINTS[: len(ENDPOINTS) // 2], "truncated"),
        ('{"data": {"id": "x"}}', "data.endpoints"),
    ],
)
def test_wrong_payloads_fail_the_run_and_write_nothing(catalogue, payload, error):
    run = scrape("openrouter:endpoints", payload)
    assert run.status == ScrapeRun.Status.FAILED and error in run.error
    assert not EndpointMeasurement.objects.exists()


def test_an_empty_stats_file_fails_the_run(catalogue):
    run = scrape("openrouter:stats", "")
    assert run.status == ScrapeRun.Status.FAILED and "no endpoints at all" in run.error


def test_a_broken_line_in_the_stats_file_fails_the_run_naming_it(catalogue, shared_data):
    lines = (shared_data / STATS_FILE).read_text().splitlines()
    lines[3] = lines[3][:100]
    run = scrape("openrouter:stats", "\n".join(lines))
    assert run.status == ScrapeRun.Status.FAILED and "line 4" in run.error
    assert not EndpointMeasurement.objects.exists()


def test_a_run_that_fails_part_way_writes_nothing(catalogue, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(EndpointMeasurement.objects, "bulk_create", explode)
    run = scrape("openrouter:endpoints", ENDPOINTS)
    assert run.status == ScrapeRun.Status.FAILED and "disk full" in run.error and run.rows_new == 0
    assert not EndpointMeasurement.objects.exists() and not UnmatchedName.objects.exists()


def test_dry_run_reports_and_writes_nothing(catalogue):
    run = scrape("openrouter:endpoints", ENDPOINTS, dry_run=True)
    assert run.rows_new == 2 and run.pk is None
    assert not EndpointMeasurement.objects.exists() and not ScrapeRun.objects.exists()


def test_the_stats_source_never_fetches_the_undocumented_api(catalogue, waits):
    with respx.mock(assert_all_called=False) as mock:
        run = run_source(get_source("openrouter:stats"), day=DAY)
        assert not mock.calls
    assert run.status == ScrapeRun.Status.FAILED and "--from-file" in run.error


@respx.mock
def test_fetch_asks_once_per_tracked_model_paced_and_retries_a_500(catalogue, waits):
    models = {
        "data": [{"id": "meta-llama/llama-3.3-70b-instruct"}, {"id": "someone/untracked-model"}, {"id": "gpt-4o"}]
    }
    respx.get("https://openrouter.ai/api/v1/models").mock(return_value=httpx.Response(200, json=models))
    llama = respx.get("https://openrouter.ai/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").mock(
        side_effect=[httpx.Response(500), httpx.Response(200, text=ENDPOINTS)]
    )
    gpt = respx.get("https://openrouter.ai/api/v1/models/gpt-4o/endpoints").mock(
        return_value=httpx.Response(200, json={"data": {"id": "gpt-4o", "endpoints": []}})
    )
    run = run_source(get_source("openrouter:endpoints"), day=DAY)
    assert run.status == ScrapeRun.Status.PARTIAL and run.rows_new == 2
    assert llama.call_count == 2 and gpt.call_count == 1  # the untracked model is never asked for
    assert waits == [PACE_SECONDS, http.BACKOFF_SECONDS, PACE_SECONDS]  # a pause before each model, one retry
    assert all("ComputePrices" in c.request.headers["User-Agent"] for c in respx.calls)


@respx.mock
def test_a_model_that_keeps_failing_fails_the_run_and_writes_nothing(catalogue, waits):
    respx.get("https://openrouter.ai/api/v1/models").mock(
        return_value=httpx.Response(200, json={"data": [{"id": "meta-llama/llama-3.3-70b-instruct"}]})
    )
    respx.get("https://openrouter.ai/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").mock(
        side_effect=httpx.ConnectError("refused")
    )
    run = run_source(get_source("openrouter:endpoints"), day=DAY)
    assert run.status == ScrapeRun.Status.FAILED and "ConnectError" in run.error
    assert not EndpointMeasurement.objects.exists()


# --- the command and the recorded file ------------------------------------------------------------------


def test_scrape_command_from_file_with_a_date(catalogue, tmp_path, capsys):
    path = tmp_path / "endpoints.json"
    path.write_text(ENDPOINTS)
    call_command("scrape", "openrouter:endpoints", "--from-file", str(path), "--date", "2026-08-08", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["observed_on"] == "2026-08-08" and summary["rows_new"] == 2
    assert set(EndpointMeasurement.objects.values_list("measured_on", flat=True)) == {DAY}


def test_recorded_stats_file_loads_through_both_sources_onto_matching_offerings(db, shared_data):
    cat = make_catalogue()
    llama = cat["models"]["llama-3-3-70b"]
    groq = cat["providers"]["deepinfra"].__class__.objects.create(name="Groq", slug="groq")
    offerings = {
        "groq": InferenceOfferingFactory(provider=groq, model=llama, quantization=""),
        "together": InferenceOfferingFactory(provider=cat["providers"]["together"], model=llama, quantization="fp8"),
        # DeepInfra sells Llama 3.3 70B as "turbo" and "fp8", both fp8 on OpenRouter: one offering.
        "deepinfra": InferenceOfferingFactory(provider=cat["providers"]["deepinfra"], model=llama, quantization="fp8"),
    }
    path = str(shared_data / STATS_FILE)
    call_command("scrape", "openrouter:stats", "--from-file", path, "--date", "2026-08-08")
    call_command("scrape", "openrouter:endpoints", "--from-file", path, "--date", "2026-08-08")
    latest = EndpointMeasurement.objects.latest_by_offering([o.pk for o in offerings.values()])
    assert latest[offerings["groq"].pk].tokens_per_second_p50 == Decimal("179.00")
    assert latest[offerings["together"].pk].ttft_ms_p50 == Decimal("1060.0")
    assert latest[offerings["deepinfra"].pk].endpoint in ("deepinfra/turbo", "deepinfra/fp8")
    assert EndpointMeasurement.objects.filter(source="openrouter:stats").count() == 3
    assert EndpointMeasurement.objects.filter(source="openrouter:endpoints").count() == 3
    runs = {r.source: r for r in ScrapeRun.objects.all()}
    assert runs["openrouter:stats"].rows_unmatched > 0  # the other 24 models are not in this catalogue


@pytest.mark.parametrize("models", [2, 40])
def test_queries_per_run_do_not_grow_with_endpoints(db, models):
    cat = make_catalogue()
    lines = []
    for i in range(models):
        model = LanguageModelFactory(slug=f"m-{i}", name=f"m-{i}")
        ModelAliasFactory(model=model, alias=f"org/m-{i}")
        for slug in ("deepinfra", "together"):
            InferenceOfferingFactory(provider=cat["providers"][slug], model=model, quantization="fp8")
        lines.append(
            json.dumps(
                {
                    "model_slug": f"org/m-{i}",
                    "permaslug": f"org/m-{i}",
                    "variant": "standard",
                    "endpoints": [
                        {
                            "provider_name": name,
                            "quantization": "fp8",
                            "stats": {"p50_throughput": 40 + i, "p50_latency": 300},
                        }
                        for name in ("DeepInfra", "Together", "Nowhere")
                    ],
                }
            )
        )
    with CaptureQueriesContext(connection) as queries:
        run = scrape("openrouter:stats", "\n".join(lines))
    assert run.rows_new == 2 * models
    assert len(queries) <= 16


@pytest.mark.live
def test_live_endpoints_api_still_parses():
    """Opt-in (pytest -m live): one tracked model's endpoints from the real API."""
    from scrapers.sources.openrouter_endpoints import ENDPOINTS_URL

    with http.make_client() as client:
        text = http.get(client, ENDPOINTS_URL.format(id="meta-llama/llama-3.3-70b-instruct")).text
    parsed = parse_endpoints(text)
    assert parsed.records, [s.reason for s in parsed.skipped]


def test_sources_page_lists_the_speed_sources_as_speed(client, db):
    from django.urls import reverse

    body = client.get(reverse("scrapers:sources")).content.decode()
    for anchor in ("openrouter-endpoints", "openrouter-stats"):
        assert "Endpoint speed" in body.split(f'id="{anchor}"')[1].split("</tr>")[0]


@respx.mock
def test_an_api_key_when_configured_goes_with_the_endpoints_requests_only(catalogue, waits, settings):
    settings.OPENROUTER_API_KEY = "sk-or-test"
    models = respx.get("https://openrouter.ai/api/v1/models").mock(
        return_value=httpx.Response(200, json={"data": [{"id": "meta-llama/llama-3.3-70b-instruct"}]})
    )
    endpoints = respx.get("https://openrouter.ai/api/v1/models/meta-llama/llama-3.3-70b-instruct/endpoints").mock(
        return_value=httpx.Response(200, text=ENDPOINTS)
    )
    run_source(get_source("openrouter:endpoints"), day=DAY)
    assert endpoints.calls.last.request.headers["Authorization"] == "Bearer sk-or-test"
    assert "Authorization" not in models.calls.last.request.headers


@pytest.mark.parametrize(
    "stats, reason",
    [
        ({"request_count": -1}, "request count"),
        ({"request_count": 2**40}, "request count"),
        ({"window_minutes": 2**40}, "window minutes"),
    ],
)
def test_counts_outside_the_columns_range_are_refused_not_a_crash(catalogue, stats, reason):
    line = {
        "model_slug": "meta-llama/llama-3.3-70b-instruct",
        "endpoints": [
            {"provider_name": "Together", "quantization": "fp8", "stats": {"p50_throughput": 50, **stats}},
            {"provider_name": "DeepInfra", "quantization": "fp8", "stats": {"p50_throughput": 40}},
        ],
    }
    run = scrape("openrouter:stats", json.dumps(line))
    assert run.status == ScrapeRun.Status.PARTIAL and run.rows_refused == 1 and run.rows_new == 1
    assert any(reason in r for r in run.refusal_reasons)
