"""One payload, two records for one offering key (same provider, GPU or model, and the rest of the key).

PostgreSQL's `INSERT ... ON CONFLICT` cannot affect one row twice in a statement ("command cannot affect row
a second time"), so duplicates must never reach the staged upsert. The ingest path folds them before any
write, the same way on PostgreSQL (COPY + set-based upsert) and SQLite (bulk_create/bulk_update): the
offering gets ONE observation, at the cheapest of the duplicates' prices (ties: the first in the payload),
`rows_collapsed` counts the others, and the rest of the run publishes as usual. These tests run on both
backends (`bin/run-tests` for PostgreSQL; `DATABASE_URL= pytest tests/test_ingest_duplicates.py` for SQLite).
"""

import json
from decimal import Decimal

import pytest

from inference.models import InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation, PricingType
from scrapers.ingest import run_source
from scrapers.models import ScrapeRun
from scrapers.sources.base import GpuRecord, GpuUnit
from tests.factories import GpuAliasFactory, GpuFactory, LanguageModelFactory, ModelAliasFactory, ProviderFactory
from tests.test_scrapers_ingest import DAY, RecordsSource, scrape, skypilot_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    ProviderFactory(slug="aws", name="AWS")
    ProviderFactory(slug="together", name="Together AI")
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    GpuAliasFactory(gpu=h100, alias="H100")
    a100 = GpuFactory(slug="a100-80gb", name="A100 80GB")
    GpuAliasFactory(gpu=a100, alias="A100-80GB")
    llama = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B")
    ModelAliasFactory(model=llama, alias="meta-llama/Llama-3.3-70B-Instruct-Turbo")
    ModelAliasFactory(model=llama, alias="Llama-3.3-70B-Instruct-Turbo")


def gpu_record(price, *, instance="p5.48xlarge", gpu="H100", region="us-east-1", source_url=""):
    return GpuRecord(
        provider="AWS",
        gpu=gpu,
        gpus_per_instance=8,
        pricing_type=PricingType.ON_DEMAND,
        price=Decimal(price),
        unit=GpuUnit.INSTANCE_HOUR,
        region=region,
        instance_name=instance,
        source_url=source_url,
    )


def ingest(records, day=DAY):
    return run_source(RecordsSource(records), payload="", day=day)


@pytest.mark.parametrize("order", ["cheaper first", "cheaper last"])
def test_two_records_for_one_offering_publish_one_observation_at_the_cheaper_price(catalogue, order):
    pair = [gpu_record("48.00"), gpu_record("40.00")]
    if order == "cheaper first":
        pair.reverse()
    other = gpu_record("16.00", instance="p4d.24xlarge", gpu="A100-80GB")
    run = ingest([pair[0], other, pair[1]])

    assert run.status == ScrapeRun.Status.OK, run.error
    assert (run.rows_seen, run.rows_new, run.rows_collapsed, run.rows_flagged) == (3, 2, 1, 0)
    p5 = GpuOffering.objects.get(instance_name="p5.48xlarge")
    assert p5.observations.get().usd_per_instance_hour == Decimal("40.0000")
    assert p5.latest_usd_per_gpu_hour == Decimal("5.0000")  # refresh_seen stored the published one
    assert GpuOffering.objects.get(instance_name="p4d.24xlarge").observations.get().usd_per_gpu_hour == Decimal("2")


def test_equal_duplicates_keep_the_first_in_the_payload(catalogue):
    run = ingest(
        [
            gpu_record("40.00", source_url="https://example.com/first"),
            gpu_record("40.00", source_url="https://example.com/second"),
        ]
    )
    assert (run.status, run.rows_new, run.rows_collapsed) == (ScrapeRun.Status.OK, 1, 1)
    assert GpuPriceObservation.objects.get().source_url == "https://example.com/first"


def test_rerunning_a_payload_with_duplicates_changes_nothing(catalogue):
    """The second run goes through the update path (ON CONFLICT DO UPDATE on PostgreSQL): still one row."""
    records = [gpu_record("48.00"), gpu_record("40.00")]
    ingest(records)
    rerun = ingest(records)
    assert rerun.status == ScrapeRun.Status.OK, rerun.error
    assert (rerun.rows_new, rerun.rows_changed, rerun.rows_unchanged, rerun.rows_collapsed) == (0, 0, 1, 1)
    assert GpuPriceObservation.objects.get().usd_per_instance_hour == Decimal("40.0000")


def test_a_changed_duplicate_updates_the_one_row(catalogue):
    ingest([gpu_record("48.00"), gpu_record("40.00")])
    rerun = ingest([gpu_record("44.00"), gpu_record("42.00")])
    assert (rerun.status, rerun.rows_changed, rerun.rows_collapsed) == (ScrapeRun.Status.OK, 1, 1)
    assert GpuPriceObservation.objects.get().usd_per_instance_hour == Decimal("42.0000")


def test_a_refused_duplicate_leaves_the_valid_one_published(catalogue):
    run = ingest([gpu_record("0"), gpu_record("40.00")])
    assert run.status == ScrapeRun.Status.PARTIAL  # the refused row is a problem of the run, with its reason
    assert (run.rows_refused, run.rows_new, run.rows_collapsed) == (1, 1, 0)
    assert run.refusal_reasons == {"price is zero or negative": 1}
    assert GpuPriceObservation.objects.get().usd_per_instance_hour == Decimal("40.0000")


def test_duplicate_csv_lines_fold_into_one_offering(catalogue):
    """The same through a real parser: one SkyPilot line repeated (on-demand and spot both)."""
    line = ("p5.48xlarge", "H100", "8", "55.04", "20.00")
    run = scrape("skypilot:aws", skypilot_csv([line, ("p5.48xlarge", "H100", "8", "50.00", "21.00"), line]))
    assert run.status == ScrapeRun.Status.OK, run.error
    assert (run.rows_new, run.rows_collapsed) == (2, 4)
    prices = dict(GpuPriceObservation.objects.values_list("offering__pricing_type", "usd_per_instance_hour"))
    assert prices == {PricingType.ON_DEMAND: Decimal("50.0000"), PricingType.SPOT: Decimal("20.0000")}


def test_two_spellings_of_one_token_offering_publish_once(catalogue):
    """Two LiteLLM keys whose provider and model resolve to the same offering: the cheaper blended price."""
    payload = {
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo": {
            "input_cost_per_token": 8.8e-07,
            "output_cost_per_token": 8.8e-07,
            "litellm_provider": "together_ai",
            "mode": "chat",
        },
        "together_ai/Llama-3.3-70B-Instruct-Turbo": {
            "input_cost_per_token": 6e-07,
            "output_cost_per_token": 9e-07,
            "litellm_provider": "together_ai",
            "mode": "chat",
        },
    }
    run = scrape("litellm", json.dumps(payload))
    assert run.status == ScrapeRun.Status.OK, run.error
    assert (run.rows_new, run.rows_collapsed) == (1, 1)
    obs = InferencePriceObservation.objects.get()
    assert (obs.usd_per_mtok_input, obs.usd_per_mtok_output) == (Decimal("0.6"), Decimal("0.9"))


def test_names_longer_than_the_key_columns_fold_the_same_on_every_database(catalogue):
    """A region or instance name longer than its column is cut to the column, as the token kind does, so
    PostgreSQL (which refuses an over-long value) and SQLite (which would store it) key the offering alike."""
    region = "r" * 100
    run = ingest([gpu_record("48.00", region=region + "-a"), gpu_record("40.00", region=region + "-b")])
    assert run.status == ScrapeRun.Status.OK, run.error
    assert (run.rows_new, run.rows_collapsed) == (1, 1)
    offering = GpuOffering.objects.get()
    assert offering.region == region and offering.observations.get().usd_per_instance_hour == Decimal("40.0000")
