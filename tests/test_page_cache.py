"""Whole-page caching under the data version: a publish shows on the next request, 304s, gzip, cache down."""

import gzip
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from computeprices.dataversion import UNPUBLISHED, bump_data_version, current_data_version
from computeprices.freshness import today_utc
from computeprices.management.commands.bench_pages import BREAKEVEN_ALL_INPUTS
from providers.models import GpuPriceObservation
from scrapers.models import PendingPrice
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory

pytestmark = pytest.mark.django_db

DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600
    return settings


@pytest.fixture
def priced():
    return GpuPriceObservationFactory(usd_per_gpu_hour=Decimal("2.5000"), offering__provider__name="Acme Cloud")


def test_second_request_is_served_from_the_cache_without_queries(client, page_cache, priced, django_assert_num_queries):
    first = client.get("/gpus/")
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/gpus/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_a_published_price_shows_on_the_very_next_request(client, page_cache, priced):
    url = priced.offering.gpu.get_absolute_url()
    assert b"2.50" in client.get(url).content
    assert client.get(url)["X-Page-Cache"] == "hit"
    # A per-object save (what admin and the review queue do) bumps the version through the signal.
    GpuPriceObservation.objects.filter(pk=priced.pk).first()
    priced.usd_per_gpu_hour = Decimal("1.7300")
    priced.save()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert b"1.73" in response.content


def test_admin_save_and_review_approval_bump_the_version(admin_client, page_cache, priced):
    before = current_data_version().version
    url = reverse("admin:providers_provider_change", args=[priced.offering.provider.pk])
    provider = priced.offering.provider
    response = admin_client.post(
        url,
        {"name": "Renamed Cloud", "slug": provider.slug, "website": provider.website, "offers": provider.offers},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    after_admin = current_data_version().version
    assert after_admin > before
    assert b"Renamed Cloud" in admin_client.get("/providers/").content

    pending = PendingPrice.objects.create(
        source="skypilot:aws",
        observed_on=today_utc(),
        gpu_offering=priced.offering,
        usd_per_gpu_hour=Decimal("9.99"),
        reason="moved",
    )
    admin_client.get("/providers/")
    admin_client.post(
        reverse("admin:scrapers_pendingprice_changelist"), {"action": "approve", "_selected_action": [pending.pk]}
    )
    assert current_data_version().version > after_admin + 1


def test_load_curated_bumps_the_version():
    before = current_data_version().version
    call_command("load_curated", stdout=io.StringIO())
    after = current_data_version()
    assert after.version > before
    assert after.gpu_prices_as_of == GpuPriceObservation.objects.order_by("-observed_on").first().observed_on


def test_an_ingest_run_shows_on_the_next_request_and_a_dry_run_changes_nothing(client, page_cache):
    from tests.test_scrapers_ingest import make_catalogue, scrape, skypilot_csv

    make_catalogue()
    day = today_utc()
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "55.04", "")]), day=day)
    assert b"6.88" in client.get("/gpus/h100-sxm/").content  # 55.04 / 8 per GPU-hour
    version = current_data_version().version
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "52.00", "")]), day=day, dry_run=True)
    assert current_data_version().version == version
    assert client.get("/gpus/h100-sxm/")["X-Page-Cache"] == "hit"
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "52.00", "")]), day=day)
    response = client.get("/gpus/h100-sxm/")
    assert response["X-Page-Cache"] == "miss" and b"6.50" in response.content


def test_bulk_writes_that_call_bump_are_seen(client, page_cache, priced):
    client.get("/gpus/")
    GpuPriceObservation.objects.bulk_create(
        [
            GpuPriceObservation(
                offering=GpuOfferingFactory(provider=priced.offering.provider, gpu=priced.offering.gpu),
                observed_on=today_utc(),
                usd_per_gpu_hour=Decimal("0.1100"),
                source="x",
            )
        ]
    )
    bump_data_version()
    assert client.get("/gpus/")["X-Page-Cache"] == "miss"


def test_query_string_is_part_of_the_key(client, page_cache, priced):
    client.get("/gpus/")
    assert client.get("/gpus/?sort=-median")["X-Page-Cache"] == "miss"
    assert client.get("/gpus/?sort=-median")["X-Page-Cache"] == "hit"
    assert client.get("/gpus/?format=csv")["Content-Type"].startswith("text/csv")


def test_admin_health_and_non_get_are_never_cached(admin_client, page_cache, priced):
    for path in ("/admin/", "/healthz"):
        admin_client.get(path)
        response = admin_client.get(path)
        assert "X-Page-Cache" not in response and "ETag" not in response, path
    admin_client.get("/gpus/")
    response = admin_client.post("/gpus/")
    assert "X-Page-Cache" not in response and "ETag" not in response


def test_headers_for_cdns_and_304_on_conditional_requests(client, page_cache, priced):
    response = client.get("/gpus/")
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert response["Last-Modified"] and response["ETag"]
    assert "Accept-Encoding" in response["Vary"]
    again = client.get("/gpus/", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get("/gpus/", headers={"If-Modified-Since": response["Last-Modified"]})
    assert since.status_code == 304
    # A publish that changes the page: the old ETag no longer matches.
    priced.usd_per_gpu_hour = Decimal("1.1100")
    priced.save()
    assert client.get("/gpus/", headers={"If-None-Match": response["ETag"]}).status_code == 200


def test_304_without_the_page_cache(client, priced):
    response = client.get("/about/")
    assert "X-Page-Cache" not in response or response["X-Page-Cache"] == "miss"
    assert client.get("/about/", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_html_and_json_are_gzipped_and_cached_per_encoding(client, page_cache, priced):
    plain = client.get("/gpus/")
    zipped = client.get("/gpus/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(zipped.content) == plain.content
    again = client.get("/gpus/", headers={"Accept-Encoding": "gzip"})
    assert again["X-Page-Cache"] == "hit" and again["Content-Encoding"] == "gzip"
    api = client.get(BREAKEVEN_ALL_INPUTS, headers={"Accept-Encoding": "gzip"})
    assert api.status_code == 200 and api["Content-Encoding"] == "gzip"
    assert b"api_monthly_cost" in gzip.decompress(api.content)


def test_a_dead_cache_is_skipped_never_an_error(client, settings, priced):
    settings.PAGE_CACHE_SECONDS = 3600
    settings.CACHES = DEAD_CACHE
    for path in ("/", "/gpus/", "/models/", "/about/", "/analysis/", BREAKEVEN_ALL_INPUTS):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Page-Cache"] == "miss"
    # Publishing works too, and the footer still has the date.
    bump_data_version()
    assert today_utc().isoformat().encode() in client.get("/about/").content


def test_footer_freshness_comes_from_the_data_version(client, priced, django_assert_max_num_queries):
    assert current_data_version() is not UNPUBLISHED
    # Our 404 page reads nothing but the footer (/about/ now reads the calibration's measured profiles).
    client.get("/no-such-page/")  # the version is now in the cache
    with django_assert_max_num_queries(0):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert f"GPU prices as of {priced.observed_on:%Y-%m-%d}" in body


def test_without_a_shared_cache_the_version_is_read_every_time(client, page_cache, priced):
    from computeprices.models import DataVersion

    page_cache.DATA_VERSION_CACHE_SECONDS = 0
    client.get("/gpus/")
    assert client.get("/gpus/")["X-Page-Cache"] == "hit"
    # Another process publishing: the row changes, this process's cache hears nothing.
    DataVersion.objects.filter(pk=1).update(version=F("version") + 1)
    assert client.get("/gpus/")["X-Page-Cache"] == "miss"


def test_last_modified_is_never_before_midnight_utc(client, priced):
    from datetime import UTC, datetime, time

    from django.utils.http import parse_http_date

    from computeprices.models import DataVersion

    DataVersion.objects.filter(pk=1).update(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    response = client.get("/about/")
    midnight = datetime.combine(today_utc(), time(), tzinfo=UTC)
    assert parse_http_date(response["Last-Modified"]) == int(midnight.timestamp())


def test_a_views_own_etag_and_cache_control_stand(client, rf):
    from django.http import HttpResponse

    from computeprices.middleware import PageStampMiddleware

    def view(request):
        response = HttpResponse("x")
        response["ETag"] = '"mine"'
        response["Cache-Control"] = "public, max-age=300"
        return response

    response = PageStampMiddleware(view)(rf.get("/api/v1/gpus"))
    assert response["ETag"] == '"mine"' and response["Cache-Control"] == "public, max-age=300"


def test_every_published_model_that_exists_bumps_on_save():
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from computeprices.dataversion import PUBLISHED_MODELS

    for label in PUBLISHED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        assert post_save.has_listeners(model) and post_delete.has_listeners(model), label
