"""The one ingest path: matching names, validation, the review queue, idempotent upserts, curated rows
left alone, failed runs writing nothing, and a query count that does not grow with the payload."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inference.models import InferenceOffering, InferencePriceObservation, LanguageModel
from providers.models import Gpu, GpuOffering, GpuPriceObservation, PricingType, Provider
from scrapers import precedence
from scrapers.ingest import run_source
from scrapers.models import PendingPrice, ProviderAlias, ScrapeRun, UnmatchedName
from scrapers.sources import get_source
from scrapers.sources.base import GpuRecord, GpuUnit, Parsed, Source
from tests.factories import (
    GpuAliasFactory,
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    LanguageModelFactory,
    ModelAliasFactory,
    ProviderFactory,
)

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"
DAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


def make_catalogue():
    """Providers, GPUs and models with the aliases the small fixtures use."""
    providers = {
        slug: ProviderFactory(slug=slug, name=name)
        for slug, name in [
            ("aws", "AWS"),
            ("google-cloud", "Google Cloud"),
            ("azure", "Azure"),
            ("runpod", "RunPod"),
            ("openrouter", "OpenRouter"),
            ("deepinfra", "DeepInfra"),
            ("together", "Together AI"),
            ("lambda", "Lambda"),
            ("openai", "OpenAI"),
        ]
    }
    gpus = {}
    for slug, aliases in [
        ("h100-sxm", ["H100", "NVIDIA H100 80GB HBM3", "H100 SXM"]),
        ("a100-40gb", ["A100", "A100 40GB SXM"]),
        ("a100-80gb", ["A100-80GB", "A100 SXM4 80GB"]),
        ("a100-80gb-pcie", ["A100 80GB PCIe"]),
        ("h200", ["H200", "H200 SXM"]),
        ("t4", ["T4"]),
        ("v100", ["V100", "V100 16GB"]),
    ]:
        gpus[slug] = GpuFactory(slug=slug, name=slug.upper())
        for alias in aliases:
            GpuAliasFactory(gpu=gpus[slug], alias=alias)
    models = {}
    for slug, aliases in [
        ("llama-3-3-70b", ["meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct-Turbo"]),
        ("gpt-4o", ["gpt-4o"]),
    ]:
        models[slug] = LanguageModelFactory(slug=slug, name=slug)
        for alias in aliases:
            ModelAliasFactory(model=models[slug], alias=alias)
    return {"providers": providers, "gpus": gpus, "models": models}


@pytest.fixture
def catalogue():
    return make_catalogue()


def skypilot_csv(rows):
    """A SkyPilot CSV of (instance, accelerator, count, price, spot) rows."""
    lines = ["InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region"]
    lines += [f"{i},{a},{c},8,64,{p},{s},us-east-1" for i, a, c, p, s in rows]
    return "\n".join(lines) + "\n"


def scrape(name, payload, day=DAY, **kw):
    return run_source(get_source(name), payload=payload, day=day, **kw)


class RecordsSource(Source):
    """A source whose parse returns given records: for tests of the ingest path alone."""

    name = "test:records"
    kind = "gpu"
    url = "https://example.com/records.json"
    rank = precedence.AGGREGATOR

    def __init__(self, records):
        self.records = records

    def parse(self, payload):
        return Parsed(records=list(self.records))


def record(price, instance="x1", gpu="H100", provider="AWS", gpus=1, pricing_type=PricingType.ON_DEMAND):
    return GpuRecord(
        provider=provider,
        gpu=gpu,
        gpus_per_instance=gpus,
        pricing_type=pricing_type,
        price=Decimal(price),
        unit=GpuUnit.GPU_HOUR,
        instance_name=instance,
    )


# --- publishing ---------------------------------------------------------------------------------------


def test_recorded_small_csv_publishes_matched_offerings(catalogue):
    run = scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text())
    assert run.status == ScrapeRun.Status.PARTIAL  # one unknown GPU
    p5 = GpuOffering.objects.get(instance_name="p5.48xlarge", pricing_type=PricingType.ON_DEMAND, region="us-east-1")
    obs = p5.observations.get()
    assert obs.usd_per_gpu_hour == Decimal("6.8800") and obs.usd_per_instance_hour == Decimal("55.0400")
    assert (obs.source, obs.observed_on, obs.is_curated) == ("skypilot:aws", DAY, False)
    # Regions are kept: eu-west-1 is its own offering at 63.296 / 8; zones of one region collapse.
    eu = GpuOffering.objects.get(instance_name="p5.48xlarge", pricing_type=PricingType.ON_DEMAND, region="eu-west-1")
    assert eu.observations.get().usd_per_instance_hour == Decimal("63.2960")
    assert p5.gpus_per_instance == 8 and p5.last_seen_on == DAY
    p4d = GpuOffering.objects.filter(instance_name="p4d.24xlarge", pricing_type=PricingType.ON_DEMAND).first()
    assert p4d.observations.get().usd_per_instance_hour == Decimal("21.9576")
    assert run.rows_collapsed == 0  # each of these rows is in a region of its own


def test_unknown_names_are_listed_never_created(catalogue):
    gpus_before, providers_before = Gpu.objects.count(), Provider.objects.count()
    run = scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text())
    assert ["gpu", "B999", 1] in run.unmatched_names and run.rows_unmatched == 1
    assert UnmatchedName.objects.filter(source="skypilot:aws", kind="gpu", raw_name="B999", rows=1).exists()
    assert Gpu.objects.count() == gpus_before and Provider.objects.count() == providers_before


def test_a_name_that_matches_later_is_marked_resolved(catalogue):
    payload = (FIXTURES / "skypilot_aws_small.csv").read_text()
    scrape("skypilot:aws", payload)
    GpuAliasFactory(gpu=catalogue["gpus"]["h200"], alias="B999")
    scrape("skypilot:aws", payload)
    assert UnmatchedName.objects.get(raw_name="B999").resolved


def test_unknown_provider_is_unmatched_like_an_unknown_name(catalogue):
    run = run_source(RecordsSource([record("2.5", provider="Nowhere Cloud")]), day=DAY, payload="")
    assert run.rows_unmatched == 1 and ["provider", "Nowhere Cloud", 1] in run.unmatched_names
    assert not GpuOffering.objects.exists()


def test_provider_alias_and_synonyms_match(catalogue):
    ProviderAlias.objects.create(provider=catalogue["providers"]["aws"], alias="Amazon EC2")
    run = run_source(
        RecordsSource(
            [record("2.5", provider="Amazon EC2"), record("2.6", provider="amazon-web-services", instance="x2")]
        ),
        day=DAY,
        payload="",
    )
    assert run.rows_new == 2 and run.rows_unmatched == 0


def test_rerun_same_day_changes_nothing(catalogue):
    payload = (FIXTURES / "skypilot_aws_small.csv").read_text()
    first = scrape("skypilot:aws", payload)
    count = GpuPriceObservation.objects.count()
    second = scrape("skypilot:aws", payload)
    assert first.rows_new == count and second.rows_new == 0 and second.rows_changed == 0
    assert second.rows_unchanged == first.rows_new
    assert GpuPriceObservation.objects.count() == count
    assert UnmatchedName.objects.count() == 1


def test_small_change_same_day_updates_the_row(catalogue):
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]))
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "50.00", "")]))
    assert run.rows_changed == 1
    assert GpuPriceObservation.objects.get().usd_per_gpu_hour == Decimal("6.25")


def test_next_day_adds_history_and_moves_last_seen(catalogue):
    payload = skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")])
    scrape("skypilot:aws", payload)
    scrape("skypilot:aws", payload, day=DAY + timedelta(days=1))
    assert GpuPriceObservation.objects.count() == 2
    assert GpuOffering.objects.get().last_seen_on == DAY + timedelta(days=1)


def test_offerings_missing_from_later_runs_go_stale_then_delisted(catalogue):
    scrape("skypilot:aws", skypilot_csv([("a", "H100-SXM", "1", "2.5", ""), ("b", "H100-SXM", "1", "2.6", "")]))
    for days in (1, 4):
        scrape("skypilot:aws", skypilot_csv([("a", "H100-SXM", "1", "2.5", "")]), day=DAY + timedelta(days=days))
    gone = GpuOffering.objects.get(instance_name="b")
    assert gone.last_seen_on == DAY and gone.observations.count() == 1  # nothing deleted
    assert gone.freshness(today=DAY + timedelta(days=4)) == "stale"
    assert gone.freshness(today=DAY + timedelta(days=15)) == "delisted"
    assert GpuOffering.objects.get(instance_name="a").freshness(today=DAY + timedelta(days=4)) == "current"


# --- validation and the review queue ------------------------------------------------------------------


def test_a_5x_move_is_flagged_not_published(catalogue):
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=DAY - timedelta(days=1))
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "440.00", "")]))
    assert run.rows_flagged == 1 and run.rows_new == 0 and run.status == ScrapeRun.Status.PARTIAL
    offering = GpuOffering.objects.get()
    assert offering.observations.count() == 1 and offering.last_seen_on == DAY - timedelta(days=1)
    pending = PendingPrice.objects.get()
    assert pending.usd_per_gpu_hour == Decimal("55.0000") and pending.reference_price == Decimal("6.88")
    assert "5x" in pending.reason and pending.gpu_offering == offering


def test_a_5x_drop_is_flagged_too(catalogue):
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=DAY - timedelta(days=1))
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "8.00", "")]))
    assert run.rows_flagged == 1


def test_flagged_rerun_does_not_queue_twice(catalogue):
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=DAY - timedelta(days=1))
    for _ in range(2):
        scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "440.00", "")]))
    assert PendingPrice.objects.count() == 1


def test_approve_publishes_and_reject_discards(catalogue):
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=DAY - timedelta(days=1))
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "440.00", "")]))
    pending = PendingPrice.objects.get()
    pending.approve()
    offering = GpuOffering.objects.get()
    assert offering.observations.get(observed_on=DAY).usd_per_gpu_hour == Decimal("55.0000")
    offering.refresh_from_db()
    assert offering.last_seen_on == DAY
    other = PendingPrice.objects.create(
        source="skypilot:aws",
        observed_on=DAY + timedelta(days=1),
        gpu_offering=offering,
        usd_per_gpu_hour=1,
        reason="x",
    )
    other.reject()
    assert not offering.observations.filter(observed_on=DAY + timedelta(days=1)).exists()
    assert other.status == PendingPrice.Status.REJECTED


def test_new_offering_far_outside_the_market_is_flagged(catalogue):
    rows = [(f"h{i}", "H100-SXM", "1", price, "") for i, price in enumerate(["2.5", "2.8", "3.0", "2.2"])]
    rows.append(("cheap-8x", "H100-SXM", "8", "1.00", ""))  # $0.125/GPU-hr: 20x under the market
    run = scrape("skypilot:aws", skypilot_csv(rows))
    assert run.rows_new == 4 and run.rows_flagged == 1
    assert PendingPrice.objects.get().gpu_offering.instance_name == "cheap-8x"


def test_a_price_held_today_stays_held_when_a_rerun_finds_the_market_moved(catalogue):
    market = [(f"h{i}", "H100-SXM", "1", price, "") for i, price in enumerate(["2.5", "2.8", "3.0", "2.2"])]
    held = ("cheap-8x", "H100-SXM", "8", "1.00", "")  # $0.125/GPU-hr: 20x under the market
    assert scrape("skypilot:aws", skypilot_csv([*market, held])).rows_flagged == 1
    # The same day, the source now lists many such offerings: the market median falls to $0.125 and the first
    # sight check passes them all, but the price it held is for the review to decide.
    cheap = [(f"cheap-{i}", "H100-SXM", "8", "1.00", "") for i in range(8)]
    rerun = scrape("skypilot:aws", skypilot_csv([*market, held, *cheap]))
    assert rerun.rows_new == 8 and rerun.rows_flagged == 1
    pending = PendingPrice.objects.get()
    assert pending.status == PendingPrice.Status.PENDING and pending.gpu_offering.instance_name == "cheap-8x"
    assert not pending.gpu_offering.observations.exists()
    pending.reject()
    assert scrape("skypilot:aws", skypilot_csv([*market, held, *cheap])).rows_flagged == 1
    assert not pending.gpu_offering.observations.exists()


@pytest.mark.parametrize("price", ["0", "-3", "999999"])
def test_zero_negative_and_absurd_prices_are_refused(catalogue, price):
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", price, "")]))
    assert run.rows_refused == 1 and run.rows_new == 0 and not GpuPriceObservation.objects.exists()
    assert run.refusal_reasons


def test_reservation_total_becomes_hourly_through_azure(catalogue):
    payload = {
        "Items": [
            {
                "armSkuName": "Standard_NC48ads_A100_v4",
                "armRegionName": "eastus2",
                "currencyCode": "USD",
                "productName": "NCads A100 v4 Series Linux",
                "retailPrice": 42066.0,
                "reservationTerm": "1 Year",
                "serviceName": "Virtual Machines",
                "skuName": "Standard_NC48ads_A100_v4",
                "meterName": "NC48ads_A100_v4",
                "type": "Reservation",
                "unitOfMeasure": "1 Hour",
            }
        ],
        "NextPageLink": None,
    }
    run = scrape("azure", [__import__("json").dumps(payload)])
    assert run.rows_new == 1
    obs = GpuPriceObservation.objects.get()
    assert obs.offering.pricing_type == PricingType.RESERVED_1Y
    assert obs.usd_per_instance_hour == Decimal("4.8021") and obs.usd_per_gpu_hour == Decimal("2.4010")


# --- curated rows -------------------------------------------------------------------------------------


def test_curated_price_on_the_same_offering_and_day_is_untouched(catalogue):
    offering = GpuOfferingFactory(
        provider=catalogue["providers"]["aws"],
        gpu=catalogue["gpus"]["h100-sxm"],
        gpus_per_instance=8,
        instance_name="p5.48xlarge",
    )
    curated = GpuPriceObservationFactory(
        offering=offering, observed_on=DAY, usd_per_gpu_hour=Decimal("6.50"), source="curated", is_curated=True
    )
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]))
    assert run.rows_new == 1
    curated.refresh_from_db()
    assert curated.usd_per_gpu_hour == Decimal("6.50") and curated.is_curated
    shown = GpuOffering.objects.filter(pk=offering.pk).with_latest_price().get()
    assert shown.latest_source == "curated" and shown.latest_usd_per_gpu_hour == Decimal("6.50")


def test_curated_row_under_the_scrapers_own_source_name_is_never_overwritten(catalogue):
    offering = GpuOfferingFactory(
        provider=catalogue["providers"]["aws"],
        gpu=catalogue["gpus"]["h100-sxm"],
        gpus_per_instance=8,
        instance_name="p5.48xlarge",
        region="us-east-1",
    )
    curated = GpuPriceObservationFactory(
        offering=offering, observed_on=DAY, source="skypilot:aws", usd_per_gpu_hour=Decimal("6.50"), is_curated=True
    )
    run = scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]))
    assert run.rows_unchanged == 1
    curated.refresh_from_db()
    assert curated.usd_per_gpu_hour == Decimal("6.50")


# --- failures write nothing ---------------------------------------------------------------------------


def test_a_run_that_fails_part_way_writes_nothing(catalogue, monkeypatch):
    import scrapers.ingest

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scrapers.ingest.PendingPrice.objects, "filter", explode)
    run = scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text())
    assert run.status == ScrapeRun.Status.FAILED and "disk full" in run.error
    assert run.rows_new == 0
    assert not GpuOffering.objects.exists() and not GpuPriceObservation.objects.exists()
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.FAILED


def test_missing_column_fails_the_run_and_says_why(catalogue):
    run = scrape("skypilot:aws", "InstanceType,GPU,Price\nx,H100,1\n")
    assert run.status == ScrapeRun.Status.FAILED and "AcceleratorName" in run.error


def test_empty_payload_fails_the_run(catalogue):
    run = scrape("skypilot:aws", skypilot_csv([]))
    assert run.status == ScrapeRun.Status.FAILED and "no rows" in run.error


def test_dry_run_writes_nothing_but_reports(catalogue):
    run = scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text(), dry_run=True)
    assert run.rows_new > 0 and run.pk is None
    assert not ScrapeRun.objects.exists() and not GpuOffering.objects.exists() and not UnmatchedName.objects.exists()


# --- tokens -------------------------------------------------------------------------------------------


def test_openrouter_endpoints_publish_per_provider_offerings(catalogue):
    run = scrape("openrouter", (FIXTURES / "openrouter_endpoints.json").read_text())
    assert run.rows_new == 2 and ["provider", "Groq", 1] in run.unmatched_names
    obs = InferencePriceObservation.objects.get(offering__provider__slug="deepinfra")
    assert (obs.usd_per_mtok_input, obs.usd_per_mtok_output, obs.context_served) == (
        Decimal("0.23"),
        Decimal("0.4"),
        131072,
    )
    assert obs.offering.quantization == "fp8" and obs.offering.last_seen_on == DAY
    together = InferencePriceObservation.objects.get(offering__provider__slug="together")
    assert together.usd_per_mtok_cached_input == Decimal("0.44")


def test_litellm_publishes_matched_chat_models_and_flags_swapped_prices(catalogue):
    cohere = ProviderFactory(slug="cohere", name="Cohere")
    ModelAliasFactory(model=LanguageModelFactory(slug="command-r7b"), alias="command-r7b-12-2024")
    run = scrape("litellm", (FIXTURES / "litellm_small.json").read_text())
    gpt4o = InferencePriceObservation.objects.get(offering__model__slug="gpt-4o")
    assert gpt4o.usd_per_mtok_input == Decimal("2.5") and gpt4o.batch_discount == Decimal("0.5")
    assert InferenceOffering.objects.filter(provider__slug="together", model__slug="llama-3-3-70b").exists()
    assert run.refusal_reasons.get("above the ceiling of $1000 per 1M tokens (wrong unit?)") == 1  # wandb
    pending = PendingPrice.objects.get()
    assert pending.inference_offering.provider == cohere and "output cheaper" in pending.reason
    assert LanguageModel.objects.count() == 3


# --- query count --------------------------------------------------------------------------------------


def _queries_for(n, day):
    rows = [(f"inst-{i}", "H100-SXM", "1", f"{2 + (i % 7) / 10:.2f}", f"{1 + (i % 5) / 10:.2f}") for i in range(n)]
    payload = skypilot_csv(rows + [("weird", "B999", "1", "3.0", "")])
    with CaptureQueriesContext(connection) as ctx:
        run = scrape("skypilot:aws", payload, day=day)
    assert run.rows_new == 2 * n
    return len(ctx.captured_queries)


# The budget is PostgreSQL's: SQLite splits bulk writes into batches of 999 variables.
@pytest.mark.postgres
def test_queries_per_run_do_not_grow_with_rows(catalogue):
    small = _queries_for(10, DAY)
    large = _queries_for(400, DAY + timedelta(days=1))
    assert small == large, (small, large)


# The ingest run (savepoints, catalogue, upserts, refresh_seen with the published price it stores, run record),
# the drift checks' two (the last good run, the 30-day medians) and bump_data_version()'s two (the newest price
# days and the version row): constant in the payload's size. On PostgreSQL each table written through staging
# (offerings, observations) costs two more than bulk_create: create the staging table, COPY into it, then one
# INSERT ... SELECT ... ON CONFLICT.
MAX_QUERIES_PER_RUN = 34


# The budget is PostgreSQL's: SQLite splits bulk writes into batches of 999 variables.
@pytest.mark.postgres
@pytest.mark.parametrize("rows", [5, 500])
def test_query_budget_holds_at_two_payload_sizes(catalogue, django_assert_max_num_queries, rows):
    payload = skypilot_csv(
        [(f"inst-{i}", "H100-SXM", "1", "2.5", "2.0") for i in range(rows)] + [("w", "B999", "1", "3", "")]
    )
    with django_assert_max_num_queries(MAX_QUERIES_PER_RUN):
        first = scrape("skypilot:aws", payload)
    with django_assert_max_num_queries(MAX_QUERIES_PER_RUN):
        rerun = scrape("skypilot:aws", payload)
    assert first.rows_new == 2 * rows and rerun.rows_unchanged == 2 * rows
