"""selfhost.catalogue.cheapest_gpu_offerings ranks in SQL and returns one offering per GPU: the same one a
first-found minimum over every on-demand offering picked (current first, then price, then the offerings' own
order), on a catalogue with ties, stale prices and unpriced rows; one query at any size."""

from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from providers.models import GpuOffering, PricingType
from selfhost.catalogue import cheapest_gpu_offerings, is_current
from tests.factories import GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

D = Decimal


def offer(gpu, provider, price, days_ago=0, **offering):
    o = GpuOfferingFactory(gpu=gpu, provider=provider, **offering)
    GpuPriceObservationFactory(
        offering=o, observed_on=today_utc() - timedelta(days=days_ago), usd_per_gpu_hour=D(price)
    )
    return o


def reference(gpu_ids):
    """The first-found minimum over every on-demand offering, as cheapest_gpu_offerings() did before."""
    today = today_utc()
    cheapest = {}
    offerings = GpuOffering.objects.filter(gpu_id__in=gpu_ids, pricing_type=PricingType.ON_DEMAND).select_related(
        "provider", "gpu"
    )
    for o in offerings:
        if o.latest_usd_per_gpu_hour is None or o.latest_usd_per_gpu_hour <= 0:
            continue
        o.is_current = is_current(o, today)
        best = cheapest.get(o.gpu_id)
        if best is None or (not o.is_current, o.latest_usd_per_gpu_hour) < (
            not best.is_current,
            best.latest_usd_per_gpu_hour,
        ):
            cheapest[o.gpu_id] = o
    return cheapest


@pytest.fixture
def gpus():
    a, b, c, d = (ProviderFactory(name=n, slug=n.lower()) for n in ("Bravo", "Alpha", "Charlie", "Delta"))
    tie, stale, mixed, unpriced = (GpuFactory(slug=s) for s in ("tie", "stale", "mixed", "unpriced"))
    # A tie on price: the offerings' own order (GPU, provider name, GPUs per instance) decides: Alpha.
    offer(tie, a, "2.00")
    offer(tie, b, "2.00", gpus_per_instance=8)
    offer(tie, b, "2.00", gpus_per_instance=2)
    offer(tie, c, "3.00")
    offer(tie, d, "1.00", pricing_type=PricingType.SPOT)  # not on-demand
    # Only stale prices: the cheapest stale one.
    offer(stale, a, "4.00", days_ago=6)
    offer(stale, b, "3.50", days_ago=9)
    # A current price beats a cheaper stale one.
    offer(mixed, a, "1.00", days_ago=5)
    offer(mixed, c, "2.50")
    offer(mixed, d, "2.40", days_ago=1)
    # Nothing priced above zero, or nothing priced at all.
    zero = offer(unpriced, a, "1.00")
    GpuOffering.objects.filter(pk=zero.pk).update(latest_usd_per_gpu_hour=D("0"))
    none = offer(unpriced, b, "1.00")
    GpuOffering.objects.filter(pk=none.pk).update(latest_usd_per_gpu_hour=None)
    return [tie.pk, stale.pk, mixed.pk, unpriced.pk]


def picked(offerings):
    return {gpu_id: (o.pk, o.is_current, o.provider.name, o.gpu.slug) for gpu_id, o in offerings.items()}


def test_the_same_offering_as_a_first_found_minimum(gpus):
    assert picked(cheapest_gpu_offerings(gpus)) == picked(reference(gpus))


def test_current_first_then_price_then_the_offerings_order(gpus):
    by_slug = {o.gpu.slug: o for o in cheapest_gpu_offerings(gpus).values()}
    assert set(by_slug) == {"tie", "stale", "mixed"}
    assert (by_slug["tie"].provider.name, by_slug["tie"].gpus_per_instance) == ("Alpha", 2)
    assert (by_slug["stale"].latest_usd_per_gpu_hour, by_slug["stale"].is_current) == (D("3.50"), False)
    assert (by_slug["mixed"].latest_usd_per_gpu_hour, by_slug["mixed"].is_current) == (D("2.40"), True)


@pytest.mark.parametrize("per_gpu", [2, 12])
def test_one_query_at_any_size(per_gpu, django_assert_num_queries):
    gpus = [GpuFactory(slug=f"g{n}") for n in range(3)]
    for gpu in gpus:
        for n in range(per_gpu):
            offer(gpu, ProviderFactory(slug=f"p{n}"), f"{n + 1}.00", days_ago=n % 5)
    ids = [g.pk for g in gpus]
    with django_assert_num_queries(1):
        found = cheapest_gpu_offerings(ids)
    assert picked(found) == picked(reference(ids)) and len(found) == 3
