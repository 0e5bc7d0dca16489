"""Atom feeds of price changes: what they carry, the notable threshold, page links, 404s, queries."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

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
from tests.test_gpu_pages_support import build_market

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
D = Decimal


def gpu_prices(offering, *prices):
    """One observation per day, oldest first, ending today."""
    for back, price in zip(range(len(prices) - 1, -1, -1), prices, strict=True):
        GpuPriceObservationFactory(
            offering=offering, usd_per_gpu_hour=D(price), observed_on=today_utc() - timedelta(days=back)
        )


def token_prices(offering, *pairs):
    for back, (price_in, price_out) in zip(range(len(pairs) - 1, -1, -1), pairs, strict=True):
        InferencePriceObservationFactory(
            offering=offering,
            usd_per_mtok_input=D(price_in),
            usd_per_mtok_output=D(price_out),
            observed_on=today_utc() - timedelta(days=back),
        )


@pytest.fixture
def moves():
    h100 = GpuFactory(name="H100 SXM", slug="h100-sxm")
    lam = ProviderFactory(name="Lambda", slug="lambda")
    aws = ProviderFactory(name="AWS", slug="aws")
    gpu_prices(GpuOfferingFactory(gpu=h100, provider=lam, gpus_per_instance=8), "2.99", "2.99", "2.49")  # -16.7%
    gpu_prices(GpuOfferingFactory(gpu=h100, provider=aws), "4.00", "4.02")  # +0.5%: not notable
    gpu_prices(GpuOfferingFactory(gpu=h100, provider=aws, pricing_type=PricingType.SPOT), "1.00", "1.00")  # no move
    llama = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    token_prices(InferenceOfferingFactory(model=llama, provider=lam), ("0.60", "0.80"), ("0.12", "0.30"))
    return {"h100": h100, "llama": llama, "lambda": lam, "aws": aws}


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": e.find(f"{ATOM}title").text,
            "link": e.find(f"{ATOM}link").get("href"),
            "summary": e.find(f"{ATOM}summary").text,
            "id": e.find(f"{ATOM}id").text,
        }
        for e in feed.findall(f"{ATOM}entry")
    ]


def test_site_feed_carries_the_notable_moves_of_both_markets(client, moves):
    items = entries(client, reverse("alerts:price_changes_feed"))
    titles = [i["title"] for i in items]
    assert "H100 SXM at Lambda down: $2.99 → $2.49 per GPU-hour (-16.7%)" in titles
    assert any(t.startswith("Llama 3.3 70B at Lambda down: $0.65 → $0.165 per 1M tokens") for t in titles)
    assert not any("AWS" in t for t in titles)  # +0.5% is not notable; no move is no entry
    assert len(items) == 2 and len({i["id"] for i in items}) == 2


def test_gpu_feed_carries_every_move_of_that_gpu(client, moves):
    items = entries(client, reverse("alerts:gpu_feed", args=["h100-sxm"]))
    by_title = {i["title"]: i for i in items}
    assert set(by_title) == {
        "H100 SXM at Lambda down: $2.99 → $2.49 per GPU-hour (-16.7%)",
        "H100 SXM at AWS up: $4.00 → $4.02 per GPU-hour (+0.5%)",
    }
    assert all(i["link"].endswith("/gpus/h100-sxm/") for i in items)
    assert (
        "8x On-demand at Lambda" in by_title["H100 SXM at Lambda down: $2.99 → $2.49 per GPU-hour (-16.7%)"]["summary"]
    )


def test_model_feed_shows_input_and_output_moves(client, moves):
    (item,) = entries(client, reverse("alerts:model_feed", args=["llama-3-3-70b"]))
    assert "input $0.60 → $0.12, output $0.80 → $0.30 per 1M tokens" in item["summary"]
    assert item["link"].endswith("/models/llama-3-3-70b/")


def test_provider_feed_covers_both_markets(client, moves):
    items = entries(client, reverse("alerts:provider_feed", args=["lambda"]))
    assert {i["link"].split("/")[-3] for i in items} == {"gpus", "models"}
    assert len(entries(client, reverse("alerts:provider_feed", args=["aws"]))) == 1


def test_a_move_older_than_the_window_leaves_the_site_feed(client, moves):
    old = GpuOfferingFactory(gpu=moves["h100"], provider=ProviderFactory(slug="old"))
    GpuPriceObservationFactory(offering=old, usd_per_gpu_hour=D("9"), observed_on=today_utc() - timedelta(days=30))
    GpuPriceObservationFactory(offering=old, usd_per_gpu_hour=D("5"), observed_on=today_utc() - timedelta(days=20))
    assert len(entries(client, reverse("alerts:price_changes_feed"))) == 2
    assert len(entries(client, reverse("alerts:gpu_feed", args=["h100-sxm"]))) == 3


@pytest.mark.parametrize("kind", ["gpu_feed", "model_feed", "provider_feed"])
def test_unknown_slug_is_a_404(client, kind):
    assert client.get(reverse(f"alerts:{kind}", args=["nope"])).status_code == 404


def test_pages_link_their_feed_with_rel_alternate(client, moves):
    pages = {
        moves["h100"].get_absolute_url(): "/feeds/gpus/h100-sxm/",
        moves["llama"].get_absolute_url(): "/feeds/models/llama-3-3-70b/",
        moves["lambda"].get_absolute_url(): "/feeds/providers/lambda/",
        reverse("home"): "/feeds/price-changes/",
    }
    for page, feed in pages.items():
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/atom+xml"' in html
        assert f'href="{feed}"' in html


@pytest.mark.parametrize("size", [10, 300])
def test_feed_queries_are_constant(client, size, django_assert_max_num_queries):
    providers, gpus = build_market(size)  # five days of moving prices per offering
    for url, budget in (
        (reverse("alerts:price_changes_feed"), 2),
        (reverse("alerts:gpu_feed", args=[gpus[0].slug]), 2),
        (reverse("alerts:model_feed", args=["llama-0"]), 2),
        (reverse("alerts:provider_feed", args=[providers[0].slug]), 3),
    ):
        # + 1: the data version the page stamp reads for ETag and Last-Modified (computeprices.middleware).
        with django_assert_max_num_queries(budget + 1, info=url):
            assert client.get(url).status_code == 200
    assert len(entries(client, reverse("alerts:gpu_feed", args=[gpus[0].slug]))) >= min(size // 20, 10)
