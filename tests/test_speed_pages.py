"""Speed beside price on model and provider pages: p50 speed and TTFT with their date and stale badge,
the price-speed frontier and its scatter, sorting by speed, and the cheapest offering at a speed target
(the page's ?min_tps= and inference.speed.cheapest_at_speed for the breakeven advisor)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from computeprices.freshness import today_utc
from inference.models import MeasurementStatus, ServingKind
from inference.speed import NO_MEASUREMENT, cheapest_at_speed, frontier
from tests.charts import assert_valid_plotly, page_figures
from tests.factories import LanguageModelFactory, ProviderFactory
from tests.speed_factories import EndpointMeasurementFactory
from tests.test_model_pages import offer

pytestmark = pytest.mark.django_db

D = Decimal


def measure(offering, tps, ttft=400, days_ago=0, **extra):
    return EndpointMeasurementFactory(
        offering=offering,
        measured_on=today_utc() - timedelta(days=days_ago),
        tokens_per_second_p50=D(tps),
        ttft_ms_p50=D(ttft),
        **extra,
    )


@pytest.fixture
def market():
    """Cheap-slow, dear-fast, dear-slow (beaten on both), and one never measured."""
    model = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    offerings = {
        "cheap": offer(model, ProviderFactory(name="Cheap", slug="cheap"), "0.10", "0.30"),
        "fast": offer(model, ProviderFactory(name="Fast", slug="fast"), "0.60", "0.80"),
        "beaten": offer(model, ProviderFactory(name="Beaten", slug="beaten"), "0.70", "0.90"),
        "unmeasured": offer(model, ProviderFactory(name="Unmeasured", slug="unmeasured"), "0.05", "0.05"),
    }
    measure(offerings["cheap"], "25.5", 900)
    measure(offerings["fast"], "180", 250)
    measure(offerings["beaten"], "40", 600, days_ago=6)
    return model, offerings


def speed_row(response, slug):
    body = response.content.decode().split('id="speed"')[1]
    return body.split(f'data-provider="{slug}"')[1].split("</tr>")[0]


def test_model_page_shows_p50_speed_and_ttft_beside_price_with_date_and_stale_badge(client, market):
    model, _ = market
    response = client.get(model.get_absolute_url())
    fast = speed_row(response, "fast")
    assert "$0.65" in fast and ">180<" in fast and "250 ms" in fast and today_utc().isoformat() in fast
    assert "stale" not in fast
    beaten = speed_row(response, "beaten")
    assert (today_utc() - timedelta(days=6)).isoformat() in beaten and "badge stale" in beaten
    assert "not measured" in speed_row(response, "unmeasured")


def test_frontier_marks_offerings_nothing_beats_on_both(client, market):
    model, _ = market
    response = client.get(model.get_absolute_url())
    assert "frontier" in speed_row(response, "cheap") and "frontier" in speed_row(response, "fast")
    assert "frontier" not in speed_row(response, "beaten")
    figure = page_figures(response)["price-speed-figure"]
    assert_valid_plotly({"speed": figure})
    frontier_trace = next(t for t in figure["data"] if t["name"].startswith("frontier"))
    assert frontier_trace["x"] == [25.5, 180.0]  # joined slowest to fastest
    assert frontier_trace["text"] == ["Cheap fp8", "Fast fp8"]


def test_frontier_function_ties_and_missing_figures():
    points = [(D(1), D(10)), (D(1), D(10)), (D(2), D(5)), (None, D(99)), (D(3), None), (D(3), D(30))]
    assert frontier(points) == {0, 1, 5}


def test_sort_by_speed_price_and_ttft(client, market):
    model, _ = market
    url = model.get_absolute_url()
    order = lambda r: [row.offering.provider.slug for row in r.context["speed_rows"]]  # noqa: E731
    assert order(client.get(url)) == ["fast", "beaten", "cheap", "unmeasured"]
    assert order(client.get(url, {"speed_sort": "price"})) == ["unmeasured", "cheap", "fast", "beaten"]
    assert order(client.get(url, {"speed_sort": "ttft"})) == ["fast", "beaten", "cheap", "unmeasured"]
    response = client.get(url, {"speed_sort": "loudest"})
    assert order(response) == ["fast", "beaten", "cheap", "unmeasured"]
    assert "Ignored speed_sort “loudest”" in response.content.decode()


def test_min_tps_names_the_cheapest_offering_fast_enough(client, market):
    model, _ = market
    response = client.get(model.get_absolute_url(), {"min_tps": "30"})
    answer = response.context["speed_answer"]
    assert (
        answer.offering.provider.slug == "fast"
    )  # Beaten (40) is stale-measured but its offering is current and dearer
    card = response.content.decode().split('id="speed-answer"')[1].split("</div>\n</div>")[0]
    assert "$0.65" in card and "Fast" in card and "180" in card
    assert (
        client.get(model.get_absolute_url(), {"min_tps": "20"}).context["speed_answer"].offering.provider.slug
        == "cheap"
    )


def test_min_tps_above_every_measurement_says_so_and_names_the_fastest(client, market):
    model, _ = market
    response = client.get(model.get_absolute_url(), {"min_tps": "500"})
    assert not response.context["speed_answer"]
    assert "No offering measured at or above 500 tokens/s" in response.content.decode()
    assert "the fastest is Fast at 180" in response.content.decode()


@pytest.mark.parametrize("raw", ["abc", "-5", "0", "1e309", "NaN", "20000"])
def test_bad_min_tps_is_ignored_and_said(client, market, raw):
    model, _ = market
    response = client.get(model.get_absolute_url(), {"min_tps": raw})
    assert response.status_code == 200 and response.context["speed_answer"] is None
    assert "Ignored min_tps “" in response.content.decode()


def test_cheapest_at_speed_returns_offering_speed_and_date_in_one_query(market, django_assert_num_queries):
    model, offerings = market
    with django_assert_num_queries(1):
        answer = cheapest_at_speed(model, 30)
    assert answer.offering == offerings["fast"]
    assert answer.tokens_per_second == D("180") and answer.measured_on == today_utc()
    assert answer.usd_per_mtok_blended == D("0.65") and answer.measurement_freshness == "current"
    assert answer.source == "openrouter:endpoints"


def test_cheapest_at_speed_without_any_measurement_says_no_measurement():
    model = LanguageModelFactory()
    offer(model, ProviderFactory(), "0.1", "0.2")
    answer = cheapest_at_speed(model, 10)
    assert not answer and answer.offering is None and answer.reason == NO_MEASUREMENT


def test_cheapest_at_speed_ignores_held_measurements_batch_and_stale_offerings():
    model = LanguageModelFactory()
    held = offer(model, ProviderFactory(), "0.1", "0.1")
    measure(held, "500", status=MeasurementStatus.PENDING, review_reason="moved more than 5x")
    batch = offer(model, ProviderFactory(), "0.1", "0.1", serving_kind=ServingKind.BATCH)
    measure(batch, "500")
    old = offer(model, ProviderFactory(), "0.1", "0.1", days_ago=10)
    measure(old, "500")
    assert cheapest_at_speed(model, 10).reason == NO_MEASUREMENT


def test_held_measurements_never_reach_the_page(client):
    model = LanguageModelFactory()
    offering = offer(model, ProviderFactory(slug="p"), "0.1", "0.2")
    measure(offering, "30", days_ago=1)
    measure(offering, "900", status=MeasurementStatus.PENDING, review_reason="moved more than 5x")
    row = speed_row(client.get(model.get_absolute_url()), "p")
    assert ">30.0<" in row and "900" not in row


def test_page_without_measurements_says_so(client):
    model = LanguageModelFactory()
    offer(model, ProviderFactory(), "0.1", "0.2")
    response = client.get(model.get_absolute_url())
    assert "No offering of this model has a speed measurement yet." in response.content.decode()
    assert "price-speed-figure" not in page_figures(response)


@pytest.mark.parametrize("providers", [2, 12])
def test_speed_adds_one_query_whatever_the_number_of_offerings(client, django_assert_max_num_queries, providers):
    model = LanguageModelFactory()
    for n in range(providers):
        offering = offer(model, ProviderFactory(), "0.1", "0.2")
        measure(offering, 10 + n, days_ago=1)
        measure(offering, 12 + n)
    with django_assert_max_num_queries(9):  # the page's 8 (test_model_pages) + the latest measurements
        response = client.get(model.get_absolute_url(), {"min_tps": "15", "speed_sort": "ttft"})
    assert response.context["speed_measured"] == providers


def test_provider_page_carries_measured_speed_with_date_and_stale_badge(client, market):
    _, offerings = market
    body = client.get(offerings["fast"].provider.get_absolute_url()).content.decode()
    row = (
        body.split('id="provider-speed"')[1].split(f'data-speed-offering="{offerings["fast"].pk}"')[1].split("</tr>")[0]
    )
    assert "180" in row and "250 ms" in row and today_utc().isoformat() in row and "stale" not in row
    stale = client.get(offerings["beaten"].provider.get_absolute_url()).content.decode().split('id="provider-speed"')[1]
    assert "badge stale" in stale.split("</tr>")[1]
    unmeasured = client.get(offerings["unmeasured"].provider.get_absolute_url()).content.decode()
    assert "has a speed measurement yet" in unmeasured and 'id="provider-speed"' not in unmeasured


def test_about_page_says_what_the_speed_figures_are(client):
    body = client.get(reverse("methodology")).content.decode()
    section = body.split('id="speed"')[1]
    for phrase in ("OpenRouter", "30 minutes", "A median, not a guarantee", "Per request", "throughput profiles"):
        assert phrase in section, phrase


def test_recorded_stats_file_loads_through_the_scraper_into_the_pages_and_the_advisor_function(client, shared_data):
    """The shipped curated catalogue + the recorded OpenRouter stats (test input only) -> pages and answer."""
    from django.core.management import call_command

    from inference.models import EndpointMeasurement, LanguageModel
    from scrapers.sources import RECORDED_PAYLOADS

    call_command("load_curated", verbosity=0)
    path = shared_data / RECORDED_PAYLOADS["openrouter:stats"]
    call_command("scrape", "openrouter:stats", "--from-file", str(path), "--date", today_utc().isoformat())
    assert EndpointMeasurement.objects.filter(source="openrouter:stats").count() > 50
    model = LanguageModel.objects.get(slug="gpt-oss-120b")
    response = client.get(model.get_absolute_url(), {"min_tps": "300"})
    rows = {r.offering.provider.slug: r for r in response.context["speed_rows"]}
    assert any(r.on_frontier for r in rows.values()) and response.context["speed_figure"]
    answer = cheapest_at_speed(model, 300)
    assert answer and answer.tokens_per_second >= 300 and answer.measured_on == today_utc()
    assert response.context["speed_answer"].offering == answer.offering
    assert cheapest_at_speed(model, 5000).reason.startswith("no offering measured at or above 5000")


def test_the_route_advisor_prices_api_routes_at_the_users_speed_from_measurements(client, shared_data):
    """With measured endpoint speeds, the per-token route at tokens_per_second_per_user is the cheapest offering
    measured at or above it (not the cheapest overall); without measurements the advisor says so."""
    from django.core.management import call_command
    from django.http import QueryDict

    from inference.models import LanguageModel
    from scrapers.sources import RECORDED_PAYLOADS
    from selfhost.contract import breakeven_response

    call_command("load_curated", verbosity=0)
    query = QueryDict("model=gpt-oss-120b&tokens_per_day=100M&tokens_per_second_per_user=150")
    _, before = breakeven_response(query)
    assert any("unknown" in reason for reason in before["route"]["reasons"])

    path = shared_data / RECORDED_PAYLOADS["openrouter:stats"]
    call_command("scrape", "openrouter:stats", "--from-file", str(path), "--date", today_utc().isoformat())
    model = LanguageModel.objects.get(slug="gpt-oss-120b")
    at_speed = cheapest_at_speed(model, 150)
    assert at_speed and at_speed.tokens_per_second >= 150
    _, after = breakeven_response(query)
    serverless = next(r for r in after["route"]["routes"] if r["route"] == "open_weight_serverless")
    assert serverless["eligible"]
    assert any(at_speed.offering.provider.name in why and "150 tokens/s" in why for why in serverless["why"])
    # Priced at the offering that reaches the speed: dearer than the cheapest offering overall here.
    assert serverless["monthly_cost"] > after["api_monthly_cost"]


def test_the_api_offerings_carry_the_model_pages_speed_figures(client, market):
    """/api/v1/models/<slug>/offerings: each offering's latest measured p50 speed, TTFT and date, as the page."""
    model, _ = market
    page = {r.offering.pk: r for r in client.get(model.get_absolute_url()).context["speed_rows"]}
    items = client.get(f"/api/v1/models/{model.slug}/offerings", {"limit": 100}).json()["items"]
    measured = [i for i in items if i["tokens_per_second_p50"] is not None]
    assert measured and len(measured) == sum(1 for r in page.values() if r.tokens_per_second is not None)
    by_speed = {float(r.tokens_per_second): r for r in page.values() if r.tokens_per_second is not None}
    for item in measured:
        row = by_speed[item["tokens_per_second_p50"]]
        assert item["measured_on"] == row.measurement.measured_on.isoformat()
        assert item["provider"] == row.offering.provider.slug
        assert item["measurement_status"] == row.measurement_freshness
    assert [i for i in items if i["provider"] == "unmeasured"][0]["tokens_per_second_p50"] is None
