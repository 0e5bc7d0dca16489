"""/providers/, /providers/<slug>/ and /compare/<a>-vs-<b>/: content against the database, CSV, 404s, queries."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from computeprices.freshness import today_utc
from inference.models import ServingKind
from providers.models import PricingType, Provider
from providers.stats import refresh_gpu_daily_stats
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


def offer(gpu, provider, price, pricing_type=PricingType.ON_DEMAND, per_instance=1, days_ago=0, **kwargs):
    offering = GpuOfferingFactory(
        gpu=gpu, provider=provider, pricing_type=pricing_type, gpus_per_instance=per_instance, **kwargs
    )
    GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=Decimal(price), observed_on=today_utc() - timedelta(days=days_ago)
    )
    return offering


def serve(provider, model, price_in, price_out, **kwargs):
    offering = InferenceOfferingFactory(provider=provider, model=model, **kwargs)
    InferencePriceObservationFactory(
        offering=offering,
        usd_per_mtok_input=Decimal(price_in),
        usd_per_mtok_output=Decimal(price_out),
        usd_per_mtok_cached_input=Decimal("0.1"),
        batch_discount=Decimal("0.5"),
    )
    return offering


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def market():
    h100 = GpuFactory(name="H100 SXM", slug="h100-sxm")
    a100 = GpuFactory(name="A100 80GB", slug="a100-80gb")
    l4 = GpuFactory(name="L4", slug="l4", vram_gb=24)
    aws = ProviderFactory(name="AWS", slug="aws", offers=Provider.Offers.GPU_RENTAL)
    lam = ProviderFactory(name="Lambda", slug="lambda", offers=Provider.Offers.BOTH)
    run = ProviderFactory(name="RunPod", slug="runpod", offers=Provider.Offers.GPU_RENTAL)
    together = ProviderFactory(name="Together", slug="together", offers=Provider.Offers.INFERENCE_API)
    offer(h100, aws, "6.00", instance_name="p5")
    offer(h100, lam, "3.00", instance_name="lam-h100")
    offer(h100, run, "2.00", instance_name="run-h100")
    offer(a100, aws, "4.00", instance_name="p4")
    offer(a100, lam, "1.50", instance_name="lam-a100")
    offer(l4, aws, "0.80", instance_name="g6")
    offer(h100, aws, "2.50", pricing_type=PricingType.SPOT, instance_name="p5-spot")
    offer(a100, lam, "1.80", days_ago=6, instance_name="lam-a100-old")  # stale
    llama = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    serve(lam, llama, "0.60", "0.80")
    serve(together, llama, "0.40", "0.40")
    refresh_gpu_daily_stats()
    return {"h100": h100, "a100": a100, "l4": l4, "aws": aws, "lambda": lam, "runpod": run, "together": together}


# /providers/


def test_provider_list_shows_offers_counts_and_market_position(client, market):
    response = client.get(reverse("providers:provider_list"))
    assert response.status_code == 200
    rows = {r.provider.slug: r for r in response.context["rows"]}
    assert rows["aws"].gpu_type_count == 3 and rows["aws"].model_count == 0
    assert rows["lambda"].gpu_type_count == 2 and rows["lambda"].model_count == 1
    assert rows["together"].model_count == 1 and rows["together"].market_position is None
    # H100 on-demand median across providers is 3.00; A100's is 2.75. AWS: 6/3-1 = 1.0, 4/2.75-1 = 0.4545...;
    # its L4 and spot H100 have no other provider, so do not count. Median of the two ratios:
    expected = ((Decimal(6) / 3 - 1) + (Decimal(4) / Decimal("2.75") - 1)) / 2
    assert rows["aws"].market_position == expected
    assert rows["aws"].compared_count == 2
    assert rows["runpod"].market_position == Decimal(2) / 3 - 1
    html = response.content.decode()
    assert "−33%" in html  # RunPod
    assert 'action="/compare/"' in html


def test_provider_list_filters_and_sorts(client, market):
    def slugs(**params):
        response = client.get(reverse("providers:provider_list"), params)
        assert response.status_code == 200
        return [r.provider.slug for r in response.context["rows"]]

    assert slugs(offers="inference") == ["lambda", "together"]
    assert slugs(offers="gpu") == ["aws", "lambda", "runpod"]
    assert slugs(offers="both") == ["lambda"]
    assert slugs(sort="position") == ["runpod", "lambda", "aws", "together"]
    assert slugs(sort="-gpus")[0] == "aws"


def test_provider_list_bad_filter_is_ignored_and_told(client, market):
    response = client.get(reverse("providers:provider_list"), {"offers": "gpus!", "sort": "zzz"})
    assert response.status_code == 200
    assert len(response.context["filters"].notices) == 2
    assert len(response.context["rows"]) == 4


def test_provider_list_csv_matches_table(client, market):
    shown = client.get(reverse("providers:provider_list"), {"offers": "gpu"}).context["rows"]
    rows = csv_rows(client.get(reverse("providers:provider_list"), {"offers": "gpu", "format": "csv"}))
    assert [r[1] for r in rows[1:]] == [r.provider.slug for r in shown]
    runpod = next(r for r in rows if r[1] == "runpod")
    assert runpod[5] == "-0.333333"  # a number, not quoted as a formula


def test_compare_form_redirects_to_pair_or_back(client, market):
    response = client.get(reverse("providers:compare_pick"), {"a": "aws", "b": "lambda"})
    assert response.status_code == 302 and response["Location"] == "/compare/aws-vs-lambda/"
    for params in ({"a": "aws", "b": "aws"}, {"a": "aws"}, {"a": "aws", "b": "nope"}):
        response = client.get(reverse("providers:compare_pick"), params)
        assert response.status_code == 302 and "compare=invalid" in response["Location"]
    assert "Pick two different providers" in client.get("/providers/?compare=invalid").content.decode()


# /providers/<slug>/


def test_provider_detail_gpu_offerings_against_market_median(client, market):
    response = client.get(market["aws"].get_absolute_url())
    assert response.status_code == 200
    rows = {o.instance_name: o for o in response.context["offerings"]}
    assert set(rows) == {"p5", "p4", "g6", "p5-spot"}
    assert rows["p5"].market.median == Decimal("3.00")
    assert rows["p5"].diff_from_median == Decimal("3.00")
    assert rows["p5"].vs_median == Decimal("1")
    assert rows["p4"].market.median == Decimal("2.75")  # stale Lambda offering is not in the market
    assert rows["g6"].vs_median == 0  # alone in its market
    html = response.content.decode()
    assert "+$3.00 (+100%)" in html


def test_provider_detail_shows_stale_offering_with_badge(client, market):
    html = client.get(market["lambda"].get_absolute_url()).content.decode()
    assert "lam-a100-old" in html and 'class="badge stale"' in html


def test_provider_detail_inference_table_compares_with_cheapest_provider(client, market):
    response = client.get(market["lambda"].get_absolute_url())
    (row,) = response.context["inference"]
    assert row.blended == (3 * Decimal("0.60") + Decimal("0.80")) / 4
    assert row.cheapest_blended == Decimal("0.40") and row.cheapest_provider == "Together"
    assert row.vs_cheapest == Decimal("0.65") / Decimal("0.40") - 1
    assert row.batch_blended == row.blended / 2
    html = response.content.decode()
    assert f'href="{row.model.get_absolute_url()}"' in html
    assert "+63%" in html and "50% off" in html
    # Every price says where it came from and when.
    gpu_table, inference_table = html.split('id="inference-offerings"')
    assert f'href="{row.latest_source_url}"' in inference_table
    assert row.latest_observed_on.isoformat() in inference_table
    gpu_offering = response.context["offerings"][0]
    assert f'href="{gpu_offering.latest_source_url}"' in gpu_table.split("<table", 1)[1]
    (cheapest,) = client.get(market["together"].get_absolute_url()).context["inference"]
    assert cheapest.vs_cheapest == 0
    # A dedicated endpoint is compared only with other dedicated endpoints.
    dedicated = serve(market["aws"], row.model, "5", "5", serving_kind=ServingKind.DEDICATED)
    (aws_row,) = client.get(market["aws"].get_absolute_url()).context["inference"]
    assert aws_row.pk == dedicated.pk and aws_row.vs_cheapest == 0


def test_provider_detail_filters_and_csvs(client, market):
    url = market["aws"].get_absolute_url()
    shown = client.get(url, {"pricing_type": "on_demand", "gpu": "h100-sxm"}).context["offerings"]
    assert [o.instance_name for o in shown] == ["p5"]
    rows = csv_rows(client.get(url, {"pricing_type": "on_demand", "gpu": "h100-sxm", "format": "csv"}))
    assert [r[2] for r in rows[1:]] == ["p5"]
    assert rows[1][8:11] == ["3", "3", "1"]  # plain decimals
    rows = csv_rows(client.get(market["lambda"].get_absolute_url(), {"format": "csv", "table": "inference"}))
    assert rows[1][0] == "Llama 3.3 70B" and rows[1][10] == "Together"
    response = client.get(url, {"gpu": "z100", "pricing_type": "cheap"})
    assert response.status_code == 200 and len(response.context["filters"].notices) == 2


def test_provider_detail_history_chart(client, market):
    response = client.get(market["aws"].get_absolute_url())
    go.Figure(response.context["figure"])  # a valid plotly figure
    names = [t["name"] for t in response.context["figure"]["data"]]
    assert {"H100 SXM", "A100 80GB", "L4", "H100 SXM market median"} <= set(names)
    assert 'src="/static/vendor/plotly-basic.min.js" defer' in response.content.decode()


def test_provider_detail_unknown_slug_is_404(client):
    assert client.get(reverse("providers:provider_detail", args=["nope"])).status_code == 404


# /compare/<a>-vs-<b>/


def test_compare_shows_shared_gpus_with_difference_and_exclusives(client, market):
    response = client.get(reverse("providers:compare", args=["aws-vs-lambda"]))
    assert response.status_code == 200
    shared = response.context["shared"]
    assert [(s.gpu.slug, s.pricing_type) for s in shared] == [("a100-80gb", "on_demand"), ("h100-sxm", "on_demand")]
    h100 = shared[1]
    assert (h100.a.latest_usd_per_gpu_hour, h100.b.latest_usd_per_gpu_hour) == (Decimal("6.00"), Decimal("3.00"))
    assert h100.diff == Decimal("-3.00") and h100.diff_relative == Decimal("-0.5")
    only = {(e.provider.slug, e.offering.instance_name) for e in response.context["exclusive"]}
    assert only == {("aws", "g6"), ("aws", "p5-spot")}
    html = response.content.decode()
    assert "−$3.00" in html and "−50.0%" in html


def test_compare_csv_and_filter(client, market):
    url = reverse("providers:compare", args=["aws-vs-lambda"])
    rows = csv_rows(client.get(url, {"format": "csv", "sort": "diff"}))
    assert rows[0][2] == "aws_usd_per_gpu_hour"
    assert [(r[0], r[6], r[7]) for r in rows[1:]] == [
        ("H100 SXM", "-3", "-0.5"),  # plain decimals
        ("A100 80GB", "-2.5", "-0.625"),
    ]
    rows = csv_rows(client.get(url, {"format": "csv", "table": "exclusive", "pricing_type": "spot"}))
    assert [r[3] for r in rows[1:]] == ["p5-spot"]
    response = client.get(url, {"pricing_type": "bogus"})
    assert response.status_code == 200 and response.context["filters"].notices


@pytest.mark.parametrize("pair", ["aws-vs-nope", "aws-vs-aws", "aws", "aws-lambda", "-vs-aws"])
def test_compare_unknown_or_bad_pair_is_404(client, market, pair):
    assert client.get(reverse("providers:compare", args=[pair])).status_code == 404


def test_compare_handles_slugs_containing_vs(client, market):
    ProviderFactory(name="Cloud vs Cloud", slug="cloud-vs-cloud")
    assert client.get(reverse("providers:compare", args=["cloud-vs-cloud-vs-aws"])).status_code == 200
    response = client.get(reverse("providers:compare", args=["aws-vs-cloud-vs-cloud"]))
    assert response.context["b"].slug == "cloud-vs-cloud"


# Query counts: the same bound at 10 and 500 offerings.

PROVIDER_LIST_QUERIES = 5  # footer x2, providers, current GPU offerings, model counts
PROVIDER_DETAIL_QUERIES = 10  # footer x2, provider, its GPU offerings, their market, its inference offerings,
# their market, its daily prices, its GPUs' daily statistics, its offerings' latest speed measurements
COMPARE_QUERIES = 5  # footer x2, the two providers, their current GPU offerings, their current inference offerings


@pytest.mark.parametrize("size", [10, 500])
def test_provider_pages_query_count_is_constant(client, size, django_assert_max_num_queries):
    providers, _ = build_market(size)
    a, b = providers[0], providers[1]
    for params in ({}, {"sort": "-position"}, {"format": "csv"}):
        with django_assert_max_num_queries(PROVIDER_LIST_QUERIES):
            assert client.get(reverse("providers:provider_list"), params).status_code == 200
    for params in ({}, {"pricing_type": "spot"}, {"format": "csv"}, {"format": "csv", "table": "inference"}):
        with django_assert_max_num_queries(PROVIDER_DETAIL_QUERIES):
            assert client.get(a.get_absolute_url(), params).status_code == 200
    detail = client.get(a.get_absolute_url()).context
    assert len(detail["offerings"]) == a.gpu_offerings.count() >= size // 50  # the data really grew
    assert len(detail["inference"]) == max(2, size // 25)
    assert len(client.get(reverse("providers:provider_list")).context["rows"]) == max(2, size // 10)
    for params in ({}, {"format": "csv"}, {"format": "csv", "table": "exclusive"}):
        with django_assert_max_num_queries(COMPARE_QUERIES):
            assert client.get(reverse("providers:compare", args=[f"{a.slug}-vs-{b.slug}"]), params).status_code == 200


def test_csv_quotes_a_name_that_a_spreadsheet_would_run_as_a_formula(client, market):
    ProviderFactory(name='=HYPERLINK("http://evil.example","x")', slug="formula")
    rows = csv_rows(client.get(reverse("providers:provider_list"), {"format": "csv"}))
    assert ['\'=HYPERLINK("http://evil.example","x")', "formula"] == next(r for r in rows if r[1] == "formula")[:2]


def test_token_position_blends_whole_prices_exactly():
    """The database blends (3 x input + output) / 4; SQLite keeps a whole price as an integer, and the division
    must still not be an integer one: 3 x 1 + 2 = 5 over 4 is 1.25, 25% above a provider at 1."""
    from providers.queries import provider_rows

    model = LanguageModelFactory()
    dear, cheap = ProviderFactory(name="Dear"), ProviderFactory(name="Cheap")
    for provider, (price_in, price_out) in ((dear, ("1", "2")), (cheap, ("1", "1"))):
        InferencePriceObservationFactory(
            offering=InferenceOfferingFactory(model=model, provider=provider),
            usd_per_mtok_input=Decimal(price_in),
            usd_per_mtok_output=Decimal(price_out),
        )
    rows = {row.provider.name: row for row in provider_rows([dear, cheap])}
    assert rows["Dear"].token_position == Decimal("0.25") and rows["Cheap"].token_position == 0
    assert rows["Dear"].model_count == 1 and rows["Dear"].token_compared_count == 1
