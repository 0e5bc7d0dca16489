"""Each offering's published price is stored on it (latest_*), written only by providers.models.refresh_seen().

What pages and the API read must follow every write that can change it: an ingest (a new day, a same-day
change, a precedence tie), a delete, a curated load, an admin save; and it must always equal what the
observations say under PUBLISH_ORDER. `refresh_latest_prices` rebuilds it and is idempotent.
"""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from computeprices.curated import load_curated
from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import LATEST_PRICE_FIELDS, PUBLISH_ORDER, GpuOffering, GpuPriceObservation
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory, InferencePriceObservationFactory
from tests.test_load_curated import small_set  # noqa: F401  (the fixture)
from tests.test_scrapers_ingest import make_catalogue, scrape, skypilot_csv

pytestmark = pytest.mark.django_db


def computed(model):
    """{offering id: {latest field: value}} straight from the observations (the old correlated subqueries)."""
    observations = model._meta.get_field("observations").related_model
    newest = observations.objects.filter(offering=OuterRef("pk")).order_by(*PUBLISH_ORDER)
    mapping = LATEST_PRICE_FIELDS[model._meta.label_lower]
    rows = model.objects.annotate(**{f"x_{k}": Subquery(newest.values(v)[:1]) for k, v in mapping.items()})
    return {
        o.pk: {k: getattr(o, f"x_{k}") or ("" if isinstance(getattr(o, k), str) else None) for k in mapping}
        for o in rows
    }


def stored(model):
    mapping = LATEST_PRICE_FIELDS[model._meta.label_lower]
    return {o.pk: {k: getattr(o, k) for k in mapping} for o in model.objects.with_latest_price()}


def assert_consistent():
    for model in (GpuOffering, InferenceOffering):
        assert stored(model) == computed(model), model.__name__


def api_gpu_prices(client, slug):
    response = client.get(f"/api/v1/gpus/{slug}/offerings")
    assert response.status_code == 200, response.content[:500]
    return sorted((row["instance"], Decimal(row["usd_per_gpu_hour"])) for row in response.json()["items"])


def test_with_latest_price_reads_no_observation_table():
    sql = str(GpuOffering.objects.with_latest_price().query) + str(InferenceOffering.objects.with_latest_price().query)
    assert "observation" not in sql.lower()


def test_ingest_a_new_day_and_a_same_day_change_show_in_what_pages_read(client):
    catalogue = make_catalogue()
    day = today_utc()
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "55.04", "")]), day=day - timedelta(days=1))
    slug = catalogue["gpus"]["h100-sxm"].slug
    assert api_gpu_prices(client, slug) == [("p5.48xlarge", Decimal("6.88"))]
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "50.00", "")]), day=day)  # a new day
    assert api_gpu_prices(client, slug) == [("p5.48xlarge", Decimal("6.25"))]
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "48.00", "")]), day=day)
    assert run.rows_changed == 1  # the same day's row updated in bulk (no save())
    assert api_gpu_prices(client, slug) == [("p5.48xlarge", Decimal("6"))]
    offering = GpuOffering.objects.with_latest_price().get()
    assert (offering.latest_observed_on, offering.latest_source) == (day, "skypilot:aws")
    assert offering.latest_origin_url and offering.latest_usd_per_instance_hour == Decimal("48")
    assert_consistent()


def test_a_delete_falls_back_to_the_previous_price_then_to_nothing(client):
    offering = GpuOfferingFactory()
    day = today_utc()
    old = GpuPriceObservationFactory(offering=offering, observed_on=day - timedelta(days=2), usd_per_gpu_hour="3.10")
    new = GpuPriceObservationFactory(offering=offering, observed_on=day, usd_per_gpu_hour="2.40")
    assert api_gpu_prices(client, offering.gpu.slug) == [(offering.instance_name, Decimal("2.4"))]
    new.delete()
    assert api_gpu_prices(client, offering.gpu.slug) == [(offering.instance_name, Decimal("3.1"))]
    assert GpuOffering.objects.get().latest_observed_on == old.observed_on
    GpuPriceObservation.objects.all().delete()  # a queryset delete sends post_delete per row too
    offering = GpuOffering.objects.with_latest_price().get()
    assert (offering.latest_usd_per_gpu_hour, offering.latest_observed_on, offering.latest_source) == (None, None, "")
    assert_consistent()


def test_same_day_tie_follows_publish_order():
    """A curated row wins a same-day tie over a scraped one; then the higher-ranked source; then the newer row."""
    day = today_utc()
    offering = GpuOfferingFactory()
    GpuPriceObservation.objects.create(
        offering=offering, observed_on=day, usd_per_gpu_hour=Decimal("2"), source="low", rank=1
    )
    GpuPriceObservation.objects.create(
        offering=offering, observed_on=day, usd_per_gpu_hour=Decimal("3"), source="high", rank=5
    )
    assert GpuOffering.objects.get().latest_source == "high"
    GpuPriceObservation.objects.create(
        offering=offering, observed_on=day, usd_per_gpu_hour=Decimal("4"), source="curated", is_curated=True
    )
    assert GpuOffering.objects.get().latest_usd_per_gpu_hour == Decimal("4")
    assert_consistent()


def test_token_offerings_store_every_latest_field():
    obs = InferencePriceObservationFactory(
        usd_per_mtok_cached_input=Decimal("0.1"), batch_discount=Decimal("0.5"), context_served=131072
    )
    offering = InferenceOffering.objects.with_latest_price().get()
    assert (offering.latest_input, offering.latest_output, offering.latest_cached_input) == (
        Decimal("0.6"),
        Decimal("0.8"),
        Decimal("0.1"),
    )
    assert (offering.latest_batch_discount, offering.latest_context) == (Decimal("0.5"), 131072)
    obs.usd_per_mtok_output = Decimal("0.9")
    obs.save()
    assert InferenceOffering.objects.get().latest_output == Decimal("0.9")
    assert_consistent()


def test_a_curated_load_shows_in_what_pages_read(small_set, client):  # noqa: F811
    load_curated(*small_set)
    assert api_gpu_prices(client, "h100-sxm") == [("gpu_8x_h100_sxm5", Decimal("2.99"))]
    token = client.get("/api/v1/models/llama-3-3-70b/offerings").json()["items"]
    assert [(Decimal(r["usd_per_mtok_input"]), Decimal(r["batch_discount"])) for r in token] == [
        (Decimal("0.88"), Decimal("0.5"))
    ]
    assert_consistent()


def test_an_admin_save_shows_in_what_pages_read(admin_client):
    observation = GpuPriceObservationFactory(usd_per_gpu_hour=Decimal("2.50"))
    offering = observation.offering
    response = admin_client.post(
        reverse("admin:providers_gpupriceobservation_change", args=[observation.pk]),
        {
            "offering": offering.pk,
            "observed_on": observation.observed_on.isoformat(),
            "usd_per_gpu_hour": "1.2345",
            "usd_per_instance_hour": "1.2345",
            "source": "curated",
            "source_url": "https://example.com/fixed",
            "is_curated": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_gpu_prices(admin_client, offering.gpu.slug) == [(offering.instance_name, Decimal("1.2345"))]
    assert GpuOffering.objects.get().latest_source == "curated"
    assert_consistent()


def test_rebuild_command_restores_and_is_idempotent():
    GpuPriceObservationFactory.create_batch(3)
    InferencePriceObservationFactory.create_batch(2)
    before = stored(GpuOffering), stored(InferenceOffering)
    # A hand edit behind refresh_seen()'s back (SQL, a restore) leaves the stored prices wrong...
    GpuOffering.objects.update(latest_usd_per_gpu_hour=Decimal("99"), latest_source="")
    InferenceOffering.objects.update(latest_input=None)
    out = StringIO()
    call_command("refresh_latest_prices", stdout=out)
    assert "GPU offerings: 3, changed 3" in out.getvalue() and "token offerings: 2, changed 2" in out.getvalue()
    assert (stored(GpuOffering), stored(InferenceOffering)) == before
    out = StringIO()
    call_command("refresh_latest_prices", stdout=out)
    assert "changed 0" in out.getvalue() and "changed 1" not in out.getvalue()
    assert (stored(GpuOffering), stored(InferenceOffering)) == before


def test_refresh_seen_queries_do_not_grow_with_offerings():
    def queries(n):
        for _ in range(n):
            GpuPriceObservationFactory()
        GpuOffering.objects.update(latest_usd_per_gpu_hour=None)
        with CaptureQueriesContext(connection) as ctx:
            assert GpuOffering.objects.all().refresh_seen() == GpuOffering.objects.count()
        return len(ctx.captured_queries)

    assert queries(2) == queries(40)
    assert_consistent()


def test_price_lists_read_stored_prices_in_one_query(django_assert_num_queries):
    GpuPriceObservationFactory.create_batch(5)
    InferencePriceObservationFactory.create_batch(5)
    with django_assert_num_queries(1):
        assert len([o.latest_usd_per_gpu_hour for o in GpuOffering.objects.with_latest_price()]) == 5
    with django_assert_num_queries(1):
        assert len([o.latest_input for o in InferenceOffering.objects.with_latest_price()]) == 5
    assert not InferencePriceObservation.objects.filter(offering__latest_input__isnull=True).exists()


# --- COPY ingest (issue 13 item 7) ------------------------------------------------------------------------


def test_benchmark_ingest_prints_ingest_and_copy_rates():
    make_catalogue()
    out = StringIO()
    call_command("benchmark_ingest", "--json", "--repeat", "1", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["rows"] > 1000 and result["rows_per_second"] > 0
    if connection.vendor == "postgresql":
        assert result["copy_rows_per_second"] > 0 and 0 < result["ratio_to_copy"] < 10
    else:
        assert result["copy_rows_per_second"] is None
    assert not GpuOffering.objects.filter(provider__slug="benchmark-ingest").exists()  # rolled back
    assert not InferencePriceObservation.objects.filter(source="litellm").exists()


def test_a_same_day_rerun_never_writes_over_a_curated_row():
    """The upsert (COPY + ON CONFLICT on PostgreSQL, bulk_update elsewhere) leaves a curated row of the same
    offering, day and source alone, and counts it unchanged."""
    make_catalogue()
    day = today_utc()
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "55.04", "")]), day=day)
    GpuPriceObservation.objects.filter(source="skypilot:aws").update(is_curated=True, usd_per_gpu_hour=Decimal("7"))
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8", "50.00", "")]), day=day)
    assert (run.rows_unchanged, run.rows_changed, run.rows_new) == (1, 0, 0)
    assert GpuPriceObservation.objects.get().usd_per_gpu_hour == Decimal("7")
