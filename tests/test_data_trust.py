"""Issue 12: dates that mean what they say, one writer of last_seen_on, source precedence, curated rows
retired by a scraped source, and the declared scraper contract."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from computeprices.freshness import age_in_words
from providers.models import GpuOffering, GpuPriceObservation, PricingType
from scrapers import precedence
from scrapers.ingest import run_source
from scrapers.models import PendingPrice
from scrapers.sources.base import GpuRecord, GpuUnit, Parsed, Source
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory
from tests.test_scrapers_ingest import make_catalogue

DAY = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


class Given(Source):
    kind = "gpu"
    url = "https://example.com/payload.json"

    def __init__(self, name, rank, records):
        self.name, self.rank, self.records = name, rank, records

    def parse(self, payload):
        return Parsed(records=list(self.records))


def rec(price, instance="p5.48xlarge", gpus=8, region="", price_date=None):
    return GpuRecord(
        provider="AWS",
        gpu="H100",
        gpus_per_instance=gpus,
        pricing_type=PricingType.ON_DEMAND,
        price=Decimal(price),
        unit=GpuUnit.GPU_HOUR,
        instance_name=instance,
        region=region,
        price_date=price_date,
        source_url="https://aws.amazon.com/ec2/pricing/",
    )


def test_age_in_words():
    assert [age_in_words(d) for d in (0, 1, 7, 213, 400, 800)] == [
        "today",
        "1 day old",
        "7 days old",
        "7 months old",
        "1 year old",
        "2 years old",
    ]


def test_a_scraped_price_keeps_its_stated_date_apart_from_the_collection_day():
    make_catalogue()
    run_source(
        Given("test:own", precedence.PROVIDER_OWN, [rec("4.00", price_date=date(2026, 9, 1))]), payload="", day=DAY
    )
    obs = GpuPriceObservation.objects.get()
    assert obs.observed_on == DAY and obs.price_date == date(2026, 9, 1)
    # Provenance: the provider's page for the reader, the payload the number came from.
    assert obs.source_url == "https://aws.amazon.com/ec2/pricing/"
    assert obs.origin_url == "https://example.com/payload.json"
    offering = GpuOffering.objects.get()
    assert offering.last_seen_on == offering.last_scraped_on == DAY
    assert offering.listed_until == DAY + timedelta(days=14)


def test_last_seen_has_one_writer_and_deleting_an_observation_lowers_it():
    offering = GpuOfferingFactory()
    old = GpuPriceObservationFactory(offering=offering, observed_on=DAY - timedelta(days=5))
    new = GpuPriceObservationFactory(offering=offering, observed_on=DAY)
    offering.refresh_from_db()
    assert offering.last_seen_on == DAY
    new.delete()
    offering.refresh_from_db()
    assert offering.last_seen_on == DAY - timedelta(days=5)
    GpuPriceObservation.objects.filter(pk=old.pk).delete()  # queryset delete too
    offering.refresh_from_db()
    assert offering.last_seen_on is None and offering.listed_until is None


def test_lower_ranked_source_that_disagrees_goes_to_review_with_both_figures():
    make_catalogue()
    run_source(Given("test:own", precedence.PROVIDER_OWN, [rec("4.00")]), payload="", day=DAY)
    run = run_source(Given("test:aggregator", precedence.AGGREGATOR, [rec("2.00")]), payload="", day=DAY)
    assert run.rows_flagged == 1 and run.rows_new == 0
    pending = PendingPrice.objects.get(source="test:aggregator")
    assert pending.usd_per_gpu_hour == Decimal("2.0000") and pending.reference_price == Decimal("4.000000")
    assert "test:own" in pending.reason and "20%" in pending.reason
    shown = GpuOffering.objects.with_latest_price().get()
    assert shown.latest_source == "test:own"


def test_higher_ranked_source_arriving_second_sends_the_lower_one_to_review():
    make_catalogue()
    run_source(Given("test:aggregator", precedence.AGGREGATOR, [rec("2.00")]), payload="", day=DAY)
    run_source(Given("test:own", precedence.PROVIDER_OWN, [rec("4.00")]), payload="", day=DAY)
    assert list(GpuPriceObservation.objects.values_list("source", flat=True)) == ["test:own"]
    assert PendingPrice.objects.get().source == "test:aggregator"


def test_sources_within_twenty_percent_both_stay_and_the_higher_rank_publishes():
    make_catalogue()
    run_source(Given("test:own", precedence.PROVIDER_OWN, [rec("4.00")]), payload="", day=DAY)
    run_source(Given("test:aggregator", precedence.AGGREGATOR, [rec("4.50")]), payload="", day=DAY)
    assert GpuPriceObservation.objects.count() == 2 and not PendingPrice.objects.exists()
    assert GpuOffering.objects.with_latest_price().get().latest_source == "test:own"


def test_scraped_source_covering_an_instance_retires_the_curated_row_of_any_region():
    cat = make_catalogue()
    curated = GpuOfferingFactory(
        provider=cat["providers"]["aws"],
        gpu=cat["gpus"]["h100-sxm"],
        gpus_per_instance=8,
        instance_name="p5.48xlarge",
        region="us-east-1",
    )
    GpuPriceObservationFactory(
        offering=curated, observed_on=DAY - timedelta(days=30), source="curated", is_curated=True
    )
    assert GpuOffering.objects.listed(DAY).count() == 1
    run_source(Given("test:own", precedence.PROVIDER_OWN, [rec("4.00", region="us-west-2")]), payload="", day=DAY)
    curated.refresh_from_db()
    assert curated.retired_by == "test:own"
    listed = GpuOffering.objects.listed(DAY)
    assert [o.region for o in listed] == ["us-west-2"]
    assert curated.observations.count() == 1  # kept in history


def test_a_source_missing_a_piece_of_the_contract_fails_loudly():
    class NoParse(Source):
        name, kind, url, rank = "x", "gpu", "https://x", precedence.AGGREGATOR

    with pytest.raises(TypeError):
        NoParse()

    class NoRank(Source):
        name, kind, url = "x", "gpu", "https://x"

        def parse(self, payload):
            return Parsed()

    with pytest.raises(TypeError, match="rank"):
        NoRank().check_contract()
    run = run_source(NoRank(), payload="", day=DAY, dry_run=True)
    assert run.status == "failed" and "contract" in run.error


def test_every_registered_source_keeps_the_contract():
    from scrapers.sources import REGISTRY

    for source in REGISTRY.values():
        assert source.check_contract() is source


def _token_catalogue():
    from tests.factories import LanguageModelFactory, ModelAliasFactory, ProviderFactory

    ProviderFactory(slug="bedrock", name="Amazon Bedrock")
    ProviderFactory(slug="openrouter", name="OpenRouter")
    haiku = LanguageModelFactory(slug="claude-3-5-haiku", name="Claude 3.5 Haiku")
    ModelAliasFactory(model=haiku, alias="anthropic.claude-3-5-haiku-20241022-v1:0")
    oss = LanguageModelFactory(slug="gpt-oss-120b", name="gpt-oss-120b")
    ModelAliasFactory(model=oss, alias="openai/gpt-oss-120b")


def test_bedrock_regional_keys_become_regional_offerings_not_cheapest_key_wins():
    import json

    from inference.models import InferenceOffering
    from scrapers.sources import get_source

    _token_catalogue()
    entry = {"litellm_provider": "bedrock", "mode": "chat"}
    payload = {
        "us.anthropic.claude-3-5-haiku-20241022-v1:0": {
            **entry,
            "input_cost_per_token": 8e-07,
            "output_cost_per_token": 4e-06,
        },
        "eu.anthropic.claude-3-5-haiku-20241022-v1:0": {
            **entry,
            "input_cost_per_token": 2.5e-07,
            "output_cost_per_token": 1.25e-06,
        },
    }
    run_source(get_source("litellm"), payload=json.dumps(payload), day=DAY)
    prices = {o.region: (o.latest_input, o.latest_output) for o in InferenceOffering.objects.with_latest_price()}
    assert prices == {
        "us": (Decimal("0.800000"), Decimal("4.000000")),
        "eu": (Decimal("0.250000"), Decimal("1.250000")),
    }


def test_openrouter_own_api_outranks_litellm_openrouter_entries():
    import json

    from inference.models import InferenceOffering
    from scrapers.sources import get_source

    _token_catalogue()
    own = {"data": [{"id": "openai/gpt-oss-120b", "pricing": {"prompt": "0.000000037", "completion": "0.00000017"}}]}
    run_source(get_source("openrouter"), payload=json.dumps(own), day=DAY)
    litellm = {
        "openrouter/openai/gpt-oss-120b": {
            "litellm_provider": "openrouter",
            "mode": "chat",
            "input_cost_per_token": 1.8e-07,
            "output_cost_per_token": 8e-07,
        }
    }
    run = run_source(get_source("litellm"), payload=json.dumps(litellm), day=DAY)
    assert run.rows_flagged == 1
    pending = PendingPrice.objects.get()
    assert pending.source == "litellm" and "openrouter" in pending.reason
    assert pending.usd_per_mtok_input == Decimal("0.180000")
    shown = InferenceOffering.objects.with_latest_price().get()
    assert (shown.latest_source, shown.latest_input) == ("openrouter", Decimal("0.037000"))


def test_one_resolver_serves_scrapers_and_trace_imports():
    """ "Lambda Labs" matches in a trace import exactly as it does for a scraper."""
    from inference.models import ModelAlias
    from scrapers.models import ProviderAlias
    from tests.factories import LanguageModelFactory, ProviderFactory
    from traces.importer import match_names

    lam = ProviderFactory(slug="lambda", name="Lambda")
    model = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B")
    assert ProviderAlias.objects.resolve(["Lambda Labs", "lambda_ai", "Nobody"]) == {
        "Lambda Labs": lam.pk,
        "lambda_ai": lam.pk,
    }
    assert ModelAlias.objects.resolve(["llama 3.3 70b", "LLAMA-3-3-70B"]) == {
        "llama 3.3 70b": model.pk,
        "LLAMA-3-3-70B": model.pk,
    }
    rows = [(1, {"provider_name": "Lambda Labs", "model_name": "Llama 3.3 70B"})]
    providers, models_, missing_providers, missing_models = match_names(rows)
    assert providers == {"Lambda Labs": lam.pk} and models_ == {"Llama 3.3 70B": model.pk}
    assert missing_providers == missing_models == []


def test_about_page_describes_how_prices_really_arrive(client):
    from django.urls import reverse

    body = client.get(reverse("methodology")).content.decode()
    assert "entered by us from providers' published price pages" not in body
    for phrase in ("build_curated", "cited from", "undated", "20%", "not yet reviewed", "never guessed"):
        assert phrase in body, phrase


def test_gpu_page_shows_the_cheapest_region_with_in_n_regions_and_filters_by_region(client):
    from django.urls import reverse

    cat = make_catalogue()
    for region, price in (("us-east-1", "4.00"), ("eu-west-1", "5.00"), ("ap-south-1", "3.50")):
        offering = GpuOfferingFactory(
            provider=cat["providers"]["aws"],
            gpu=cat["gpus"]["h100-sxm"],
            gpus_per_instance=8,
            instance_name="p5.48xlarge",
            region=region,
        )
        GpuPriceObservationFactory(offering=offering, usd_per_gpu_hour=Decimal(price))
    url = reverse("providers:gpu_detail", args=["h100-sxm"])
    response = client.get(url)
    (row,) = response.context["offerings"]
    assert (row.region, row.region_count) == ("ap-south-1", 3)
    assert "cheapest of" in response.content.decode()
    (only,) = client.get(url, {"region": "eu-west-1"}).context["offerings"]
    assert only.region == "eu-west-1" and only.latest_usd_per_gpu_hour == Decimal("5.0000")


def test_azure_regions_are_separate_offerings_not_mixed_under_one_key():
    cat = make_catalogue()  # has a100-80gb-pcie, aliased "A100 80GB PCIe"
    item = {
        "armSkuName": "Standard_NC96ads_A100_v4",
        "currencyCode": "USD",
        "productName": "NCads A100 v4 Series",
        "serviceName": "Virtual Machines",
        "skuName": "NC96ads A100 v4",
        "meterName": "NC96ads A100 v4",
        "type": "Consumption",
        "unitOfMeasure": "1 Hour",
        "effectiveStartDate": "2025-05-01T00:00:00Z",
    }
    payload = {
        "Items": [
            {**item, "armRegionName": "eastus", "retailPrice": 14.692, "meterId": "a"},
            {**item, "armRegionName": "swedencentral", "retailPrice": 19.1, "meterId": "b"},
        ]
    }
    import json

    from scrapers.sources import get_source

    assert cat["providers"]["azure"]
    run_source(get_source("azure"), payload=[json.dumps(payload)], day=DAY)
    rows = {
        o.region: (o.gpu.slug, o.latest_usd_per_gpu_hour, o.latest_price_date)
        for o in GpuOffering.objects.with_latest_price().select_related("gpu")
    }
    assert rows == {
        "eastus": ("a100-80gb-pcie", Decimal("3.6730"), date(2025, 5, 1)),
        "swedencentral": ("a100-80gb-pcie", Decimal("4.7750"), date(2025, 5, 1)),
    }


def test_listed_curated_prices_feed_the_model_card_and_the_8_gpu_node_with_their_age(client):
    """A curated price months old is listed (under a year): the model page's cheapest card and the GPU page's
    cheapest 8-GPU node use it (with its age), as the tables do; a year-old one feeds neither."""
    from tests.factories import (
        GpuFactory,
        InferenceOfferingFactory,
        InferencePriceObservationFactory,
        LanguageModelFactory,
    )

    model = LanguageModelFactory(slug="listed-model")
    for price, days_ago in (("0.40", 150), ("0.10", 400)):
        InferencePriceObservationFactory(
            offering=InferenceOfferingFactory(model=model),
            usd_per_mtok_input=Decimal(price),
            usd_per_mtok_output=Decimal(price),
            observed_on=DAY - timedelta(days=days_ago),
            source="curated",
            is_curated=True,
        )
    gpu = GpuFactory(slug="listed-gpu")
    GpuPriceObservationFactory(
        offering=GpuOfferingFactory(gpu=gpu, gpus_per_instance=8, pricing_type=PricingType.ON_DEMAND),
        usd_per_gpu_hour=Decimal("2.50"),
        usd_per_instance_hour=Decimal("20.00"),
        observed_on=DAY - timedelta(days=150),
        source="curated",
        is_curated=True,
    )
    with time_machine.travel(DAY):
        card = client.get("/models/listed-model/").context["summary"]
        node = client.get("/gpus/listed-gpu/").content.decode()
    assert card.cheapest == Decimal("0.40") and card.offering_count == 1
    assert "Cheapest 8-GPU node" in node and "$20.00" in node
