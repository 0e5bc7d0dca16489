"""The home page shows the cheapest current H100/A100 and cheapest blended prices from the database."""

from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from providers.models import PricingType
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def gpu_price(gpu, provider, price, days_ago=0, pricing_type=PricingType.ON_DEMAND, scraped=False):
    offering = GpuOfferingFactory(gpu=gpu, provider=provider, pricing_type=pricing_type)
    extra = {"is_curated": False, "source": "skypilot:aws"} if scraped else {"is_curated": True, "source": "curated"}
    GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=Decimal(price), observed_on=today_utc() - timedelta(days=days_ago), **extra
    )
    return offering


def test_home_shows_cheapest_current_on_demand_h100_and_a100(client):
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    h100_pcie = GpuFactory(slug="h100-pcie", name="H100 PCIe")
    a100 = GpuFactory(slug="a100-80gb", name="A100 80GB")
    cheap, dear, spot = ProviderFactory(name="Cheapo"), ProviderFactory(name="Dearco"), ProviderFactory(name="Spotco")
    gpu_price(h100, dear, "2.99")
    gpu_price(h100_pcie, cheap, "2.19")
    gpu_price(h100, spot, "0.99", pricing_type=PricingType.SPOT)  # spot is not on-demand
    gpu_price(h100, spot, "0.50", days_ago=30, scraped=True)  # a scraper last saw it 30 days ago: delisted
    gpu_price(a100, dear, "1.29")

    body = client.get("/").content.decode()
    assert "$2.19" in body and "Cheapo" in body
    assert "$1.29" in body
    assert "$0.99" not in body and "$0.50" not in body


@pytest.mark.parametrize("scan", [1, 2, 200])
def test_cheapest_by_family_reads_on_when_a_family_is_not_among_the_cheapest(monkeypatch, scan):
    """The cheapest FAMILY_SCAN offerings are read first; a family missing from them is found in the rest."""
    from providers import models as provider_models
    from providers.models import GpuOffering

    monkeypatch.setattr(provider_models, "FAMILY_SCAN", scan)
    h100, a100 = GpuFactory(slug="h100-sxm", name="H100 SXM"), GpuFactory(slug="a100-80gb", name="A100 80GB")
    cheapest_h100 = gpu_price(h100, ProviderFactory(name="One"), "0.90")
    gpu_price(h100, ProviderFactory(name="Two"), "0.95")
    cheapest_a100 = gpu_price(a100, ProviderFactory(name="Three"), "1.40")
    gpu_price(a100, ProviderFactory(name="Four"), "1.10", pricing_type=PricingType.SPOT)
    found = GpuOffering.objects.cheapest_current_by_family([("H100", "h100"), ("A100", "a100"), ("B200", "b200")])
    assert [(label, o.pk if o else None) for label, o in found] == [
        ("H100", cheapest_h100.pk),
        ("A100", cheapest_a100.pk),
        ("B200", None),
    ]


def test_home_shows_cheapest_blended_for_most_served_models(client):
    model = LanguageModelFactory(name="Llama Test 70B")
    for provider_name, inp, out in [("Alpha", "0.20", "0.60"), ("Beta", "0.90", "0.90")]:
        offering = InferenceOfferingFactory(model=model, provider=ProviderFactory(name=provider_name))
        InferencePriceObservationFactory(
            offering=offering, usd_per_mtok_input=Decimal(inp), usd_per_mtok_output=Decimal(out)
        )
    body = client.get("/").content.decode()
    # (3 x 0.20 + 0.60) / 4 = 0.300
    assert "Llama Test 70B" in body
    assert "$0.30" in body and "Alpha" in body


def test_home_query_count_is_constant(client, django_assert_max_num_queries):
    for i in range(30):
        gpu_price(GpuFactory(slug=f"h100-v{i}"), ProviderFactory(), f"{2 + i / 100:.2f}")
        InferencePriceObservationFactory()
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_sitemap_lists_catalogue_pages(client):
    gpu = GpuFactory(slug="h200", name="H200")
    model = LanguageModelFactory(slug="llama-x")
    body = client.get("/sitemap.xml").content.decode()
    assert gpu.get_absolute_url() in body and model.get_absolute_url() in body
    assert "/gpus/</loc>" in body


def test_home_headline_says_how_old_a_listed_price_is(client):
    """A curated price months old stays listed (under a year) but never passes for today's."""
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    gpu_price(h100, ProviderFactory(name="Oldco"), "1.99", days_ago=213)
    body = client.get("/").content.decode()
    assert "today" not in body.split("<h2>")[1].split("</h2>")[0].lower()
    assert "$1.99" in body and "7 months old" in body and "badge stale" in body
    assert "undated, collected" in body


def test_home_drops_a_curated_price_older_than_a_year(client):
    h100 = GpuFactory(slug="h100-sxm", name="H100 SXM")
    gpu_price(h100, ProviderFactory(name="Ancient"), "1.49", days_ago=400)
    assert "$1.49" not in client.get("/").content.decode()


def test_most_served_counts_market_offerings_and_breaks_price_ties_by_provider_name():
    """The database picks each model's cheapest blended offering (a tie: the provider first by name) and
    ranks models by their market offerings only (a delisted or retired offering does not count)."""
    from inference.models import LanguageModel

    busy, quiet = LanguageModelFactory(name="Busy"), LanguageModelFactory(name="Quiet")
    prices = [("Zeta", "0.40", "0.40"), ("Alpha", "0.30", "0.70"), ("Mid", "0.50", "0.90"), ("Nil", None, None)]
    for name, inp, out in prices:  # Zeta and Alpha both blend to 0.40
        offering = InferenceOfferingFactory(model=busy, provider=ProviderFactory(name=name))
        if inp:
            InferencePriceObservationFactory(
                offering=offering, usd_per_mtok_input=Decimal(inp), usd_per_mtok_output=Decimal(out)
            )
    for i in range(5):  # more offerings than Busy, but none in the market
        old = InferenceOfferingFactory(model=quiet, quantization=f"q{i}")
        InferencePriceObservationFactory(offering=old, source="test:gone", observed_on=today_utc() - timedelta(days=30))
    served = LanguageModel.objects.most_served(2)
    assert [(m.name, o.provider.name, blended) for m, o, blended in served] == [("Busy", "Alpha", Decimal("0.40"))]
