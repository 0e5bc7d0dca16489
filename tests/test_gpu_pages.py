"""/gpus/ and /gpus/<slug>/: what they show matches the database; filters, sorting, CSV, 404s, queries."""

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from django.conf import settings
from django.urls import reverse

from computeprices.freshness import today_utc
from providers.models import Gpu, PricingType
from providers.stats import refresh_gpu_daily_stats
from tests.factories import GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory, ProviderFactory
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


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def h100():
    gpu = GpuFactory(name="H100 SXM", slug="h100-sxm", vram_gb=80, bf16_dense_tflops=Decimal("989.4"))
    aws, lambda_, vast = (
        ProviderFactory(name="AWS", slug="aws"),
        ProviderFactory(name="Lambda", slug="lambda"),
        ProviderFactory(name="Vast", slug="vast"),
    )
    offer(gpu, aws, "6.88", per_instance=8, instance_name="p5.48xlarge")
    offer(gpu, lambda_, "2.99", instance_name="gpu_1x_h100")
    offer(gpu, lambda_, "2.49", per_instance=8, instance_name="gpu_8x_h100")
    offer(gpu, vast, "1.90", pricing_type=PricingType.SPOT, instance_name="spot-1")
    offer(gpu, vast, "2.10", days_ago=5, instance_name="old-1")  # stale: listed with a badge, not in the market
    offer(gpu, aws, "1.00", days_ago=20, instance_name="gone-1")  # delisted: not shown
    refresh_gpu_daily_stats()
    return gpu


# /gpus/


def test_gpu_list_shows_cheapest_median_spot_and_value_columns(client, h100):
    GpuFactory(name="MI300X", slug="mi300x", vendor=Gpu.Vendor.AMD, architecture="CDNA3", vram_gb=192)
    response = client.get(reverse("providers:gpu_list"))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r.gpu == h100)
    assert row.cheapest == Decimal("2.49")  # Lambda's 8x, the cheapest current on-demand
    assert row.median == (Decimal("2.49") + Decimal("6.88")) / 2  # AWS and Lambda, each at its cheapest
    assert row.cheapest_spot == Decimal("1.90")
    assert row.provider_count == 3
    assert row.usd_per_gb_hour == Decimal("2.49") / 80
    assert row.usd_per_pflop_hour == Decimal("2.49") / Decimal("0.9894")
    html = response.content.decode()
    assert "$2.49" in html and "$4.69" in html and "$1.90" in html
    assert "MI300X" in html  # every GPU type, even one nobody rents
    assert '<th scope="col"' in html


def test_gpu_list_filters_by_vendor_architecture_vram_and_pricing_type(client, h100):
    GpuFactory(name="MI300X", slug="mi300x", vendor=Gpu.Vendor.AMD, architecture="CDNA3", vram_gb=192)
    GpuFactory(name="L4", slug="l4", vendor=Gpu.Vendor.NVIDIA, architecture="Ada", vram_gb=24)

    def names(**params):
        response = client.get(reverse("providers:gpu_list"), params)
        assert response.status_code == 200
        return {r.gpu.name for r in response.context["rows"]}

    assert names(vendor="amd") == {"MI300X"}
    assert names(architecture="ada") == {"L4"}
    assert names(min_vram="100") == {"MI300X"}
    assert names(pricing_type="spot") == {"H100 SXM"}
    assert names(vendor="nvidia", min_vram="50") == {"H100 SXM"}


def test_gpu_list_sorts_by_query_string_with_unknown_prices_last(client, h100):
    cheap = GpuFactory(name="A10", slug="a10", vram_gb=24)
    offer(cheap, ProviderFactory(), "0.60")
    GpuFactory(name="Unrented", slug="unrented", vram_gb=16)
    rows = client.get(reverse("providers:gpu_list"), {"sort": "cheapest"}).context["rows"]
    assert [r.gpu.slug for r in rows] == ["a10", "h100-sxm", "unrented"]
    rows = client.get(reverse("providers:gpu_list"), {"sort": "-cheapest"}).context["rows"]
    assert [r.gpu.slug for r in rows] == ["h100-sxm", "a10", "unrented"]
    rows = client.get(reverse("providers:gpu_list"), {"sort": "-vram"}).context["rows"]
    assert rows[0].gpu.slug == "h100-sxm"


@pytest.mark.parametrize(
    "params",
    [
        {"vendor": "nvidiaa"},
        {"min_vram": "lots"},
        {"min_vram": "-5"},
        {"pricing_type": "free"},
        {"architecture": "<script>"},
        {"sort": "price; DROP TABLE"},
    ],
)
def test_gpu_list_ignores_bad_filters_and_says_so(client, h100, params):
    response = client.get(reverse("providers:gpu_list"), params)
    assert response.status_code == 200
    assert response.context["filters"].notices
    assert "Ignored" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main>")[1]
    assert {r.gpu.slug for r in response.context["rows"]} == {"h100-sxm"}


def test_gpu_list_csv_has_exactly_the_rows_and_filters_shown(client, h100):
    GpuFactory(name="MI300X", slug="mi300x", vendor=Gpu.Vendor.AMD, vram_gb=192)
    params = {"vendor": "nvidia", "sort": "-cheapest"}
    shown = client.get(reverse("providers:gpu_list"), params).context["rows"]
    response = client.get(reverse("providers:gpu_list"), {**params, "format": "csv"})
    rows = csv_rows(response)
    assert rows[0][:3] == ["gpu", "slug", "vendor"]
    assert [r[1] for r in rows[1:]] == [r.gpu.slug for r in shown] == ["h100-sxm"]
    assert rows[1][6] == "2.49"  # plain decimals, the same on PostgreSQL and SQLite
    assert "vendor-nvidia" in response["Content-Disposition"]


def test_gpu_list_does_not_load_plotly(client, h100):
    html = client.get(reverse("providers:gpu_list")).content.decode()
    assert "plotly" not in html


# /gpus/<slug>/


def test_gpu_detail_lists_listed_offerings_cheapest_first_with_stale_badge(client, h100):
    response = client.get(h100.get_absolute_url())
    assert response.status_code == 200
    offerings = response.context["offerings"]
    prices = [o.latest_usd_per_gpu_hour for o in offerings]
    assert prices == sorted(prices) == [Decimal(p) for p in ("1.90", "2.10", "2.49", "2.99", "6.88")]
    assert "gone-1" not in response.content.decode()
    html = response.content.decode()
    assert html.count('class="badge stale"') == 1
    row = re.search(r'<tr data-offering="\d+">(?:(?!</tr>).)*old-1(?:(?!</tr>).)*</tr>', html, re.S).group(0)
    assert "stale" in row


def test_gpu_detail_cheapest_now_callouts_are_the_cheapest_current_per_pricing_type(client, h100):
    callouts = client.get(h100.get_absolute_url()).context["cheapest_now"]
    assert [(o.pricing_type, o.latest_usd_per_gpu_hour, o.provider.slug) for o in callouts] == [
        (PricingType.ON_DEMAND, Decimal("2.49"), "lambda"),
        (PricingType.SPOT, Decimal("1.90"), "vast"),
    ]


def test_gpu_detail_filters_by_pricing_type_gpus_per_instance_and_provider(client, h100):
    def instances(**params):
        response = client.get(h100.get_absolute_url(), params)
        assert response.status_code == 200
        assert not response.context["filters"].notices
        return [o.instance_name for o in response.context["offerings"]]

    assert instances(pricing_type="spot") == ["spot-1"]
    assert instances(gpus="8") == ["gpu_8x_h100", "p5.48xlarge"]
    assert instances(provider="lambda") == ["gpu_8x_h100", "gpu_1x_h100"]
    assert instances(provider="lambda", gpus="1") == ["gpu_1x_h100"]


@pytest.mark.parametrize("params", [{"gpus": "eight"}, {"gpus": "0"}, {"provider": "nope"}, {"pricing_type": "x"}])
def test_gpu_detail_ignores_bad_filters_and_says_so(client, h100, params):
    response = client.get(h100.get_absolute_url(), params)
    assert response.status_code == 200
    assert len(response.context["filters"].notices) == 1
    assert len(response.context["offerings"]) == 5


def test_gpu_detail_csv_matches_the_filtered_table(client, h100):
    shown = client.get(h100.get_absolute_url(), {"provider": "lambda"}).context["offerings"]
    rows = csv_rows(client.get(h100.get_absolute_url(), {"provider": "lambda", "format": "csv"}))
    assert [r[1] for r in rows[1:]] == [o.instance_name for o in shown] == ["gpu_8x_h100", "gpu_1x_h100"]
    assert rows[1][5] == "2.49"  # plain decimals, the same on PostgreSQL and SQLite


def test_gpu_detail_history_csv_matches_the_history_table(client, h100):
    response = client.get(h100.get_absolute_url())
    shown = response.context["history_rows"]
    rows = csv_rows(client.get(h100.get_absolute_url(), {"format": "csv", "table": "history"}))
    assert [r[0] for r in rows[1:]] == [s.day.isoformat() for s in shown]
    assert rows[1][1] == "2.49"  # plain decimals, the same on PostgreSQL and SQLite


def test_gpu_detail_unknown_slug_is_404(client):
    assert client.get(reverse("providers:gpu_detail", args=["no-such-gpu"])).status_code == 404


def test_gpu_detail_chart_reads_daily_stats_and_loads_plotly_deferred(client, h100):
    response = client.get(h100.get_absolute_url())
    html = response.content.decode()
    assert re.search(r'<script src="/static/vendor/plotly-basic\.min\.js" defer></script>', html)
    figure = json.loads(re.search(r'<script id="history-figure" type="application/json">(.*?)</script>', html, re.S)[1])
    go.Figure(figure)  # plotly itself checks every property of the figure we built as a dict
    names = [trace["name"] for trace in figure["data"]]
    assert {"Cheapest", "Median across providers", "AWS", "Lambda"} <= set(names)
    cheapest = next(t for t in figure["data"] if t["name"] == "Cheapest")
    assert cheapest["y"][-1] == 2.49
    assert next(t for t in figure["data"] if t["name"] == "AWS")["visible"] == "legendonly"


def test_step_series_keeps_changes_and_breaks_at_gaps():
    from providers.charts import step_series

    day = today_utc()
    points = [
        (day + timedelta(days=n), Decimal(p)) for n, p in [(0, "2"), (1, "2"), (2, "2"), (3, "3"), (6, "3"), (7, "3")]
    ]
    xs, ys = step_series(points)
    iso = [(day + timedelta(days=n)).isoformat() for n in (0, 3, 4, 6, 7)]
    # A step ("hv") holds 2 until the change on day 3; day 4 is a gap; the run ends on day 7.
    assert list(zip(xs, ys, strict=True)) == list(zip(iso, [2.0, 3.0, None, 3.0, 3.0], strict=True))


def test_gpu_detail_history_range_all_reaches_back(client, h100):
    offering = h100.offerings.get(instance_name="gpu_1x_h100")
    GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=Decimal("8.00"), observed_on=today_utc() - timedelta(days=800)
    )
    refresh_gpu_daily_stats()
    assert len(client.get(h100.get_absolute_url()).context["history"].stats) == 366
    assert len(client.get(h100.get_absolute_url(), {"history": "all"}).context["history"].stats) == 801
    response = client.get(h100.get_absolute_url(), {"history": "forever"})
    assert response.status_code == 200 and response.context["filters"].notices


def test_gpu_detail_without_history_draws_no_chart_and_loads_no_plotly(client):
    gpu = GpuFactory()
    offer(gpu, ProviderFactory(), "2.00")  # no refresh: no daily statistics yet
    html = client.get(gpu.get_absolute_url()).content.decode()
    assert "plotly" not in html and "No price history yet" in html


def test_names_with_script_tags_and_quotes_cannot_break_out(client):
    evil = "</script><script>alert(\"x\")</script> 'q' & <b>"
    gpu = GpuFactory(name=f"GPU {evil}", slug="evil-gpu")
    provider = ProviderFactory(name=f"Cloud {evil}", slug="evil-cloud")
    offer(gpu, provider, "2.00", instance_name=evil, region=evil)
    refresh_gpu_daily_stats()
    for url in (gpu.get_absolute_url(), provider.get_absolute_url(), reverse("providers:gpu_list")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert html.count("</script>") == html.count("<script"), url
    html = client.get(gpu.get_absolute_url()).content.decode()
    payload = re.search(r'<script id="history-figure" type="application/json">(.*?)</script>', html, re.S)[1]
    figure = json.loads(payload)
    names = [trace["name"] for trace in figure["data"]]
    # plotly reads trace names as pseudo-HTML: escaped, so the legend shows the name as typed.
    assert "Cloud &lt;/script&gt;&lt;script&gt;alert(\"x\")&lt;/script&gt; 'q' &amp; &lt;b&gt;" in names
    csv_text = client.get(gpu.get_absolute_url(), {"format": "csv"}).content.decode()
    assert f"Cloud {evil}".replace('"', '""') in csv_text


def test_vendored_plotly_is_the_partial_bundle_at_the_installed_packages_version():
    import hashlib

    from providers.management.commands import vendor_plotly

    vendored = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly-basic.min.js"
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    content = vendored.read_bytes()
    assert hashlib.sha256(content).hexdigest() == vendor_plotly.SHA256, "run: python manage.py vendor_plotly"
    assert len(content) <= 1_500_000
    header = content[:300].decode()
    assert "Licensed under the MIT license" in header and "(basic - minified)" in header
    # The same plotly.js the Python package builds figures for.
    assert f"plotly.js v{vendor_plotly.VERSION}" in shipped.read_text()[:200]
    assert f"v{vendor_plotly.VERSION}" in header
    assert not (vendored.parent / "plotly.min.js").exists()  # the full 4.8 MB bundle is gone


# Query counts: the same bound at 10 and 500 offerings.

# The data version (footer freshness and cache keys) is one primary-key read when the cache lacks it.
GPU_LIST_QUERIES = 3  # data version, GPUs, current offerings with latest prices
GPU_DETAIL_QUERIES = 5  # data version, GPU, its offerings, daily stats, per-provider daily prices


@pytest.mark.parametrize("size", [10, 500])
def test_gpu_pages_query_count_is_constant(client, size, django_assert_max_num_queries):
    _, gpus = build_market(size)
    busiest = gpus[0]
    for params in ({}, {"sort": "-median", "vendor": "nvidia"}, {"format": "csv"}):
        with django_assert_max_num_queries(GPU_LIST_QUERIES):
            assert client.get(reverse("providers:gpu_list"), params).status_code == 200
    for params in ({}, {"pricing_type": "spot", "gpus": "1"}, {"format": "csv"}, {"format": "csv", "table": "history"}):
        with django_assert_max_num_queries(GPU_DETAIL_QUERIES):
            response = client.get(busiest.get_absolute_url(), params)
            assert response.status_code == 200
    response = client.get(busiest.get_absolute_url())
    assert b"history-figure" in response.content
    assert len(response.context["offerings"]) == busiest.offerings.count() >= size // 20  # the data really grew


def test_measure_pages_reports_status_queries_and_time(h100):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("measure_pages", "-n", "2", "--url", "/gpus/", "--url", h100.get_absolute_url(), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["page", "status", "queries"]
    # measure_pages warms up first, so the data version comes from the cache.
    assert lines[1].split()[:3] == ["/gpus/", "200", str(GPU_LIST_QUERIES - 1)]
    assert lines[2].split()[:3] == ["/gpus/h100-sxm/", "200", str(GPU_DETAIL_QUERIES - 1)]


def test_offering_shows_its_price_date_when_older_than_last_seen(client):
    from datetime import date

    from providers.models import GpuOffering
    from tests.factories import GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory

    gpu = GpuFactory(slug="h100-sxm", name="H100 SXM")
    offering = GpuOfferingFactory(gpu=gpu)
    # Collected today, but the source dates the price 2026-01-09: the page says so, and the age counts from it.
    GpuPriceObservationFactory(
        offering=offering, observed_on=today_utc(), price_date=date(2026, 1, 9), source="curated", is_curated=True
    )
    assert GpuOffering.objects.get().last_seen_on == today_utc()
    html = client.get(gpu.get_absolute_url()).content.decode()
    assert "price of 2026-01-09" in html
