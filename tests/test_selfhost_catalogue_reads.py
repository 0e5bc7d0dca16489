"""What selfhost.catalogue reads, kept small at any catalogue size, picks what reading everything picked.

cheapest_gpu_offerings ranks in SQL and returns one offering per GPU: the same one a first-found minimum over
every on-demand offering picked (current first, then price, then the offerings' own order), on a catalogue
with ties, stale prices and unpriced rows; one query at any size. api_offerings keeps only the offerings
cheapest_api_offering can pick: it picks the same one from them as from all, at any input share."""

from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from inference.models import InferenceOffering, ServingKind
from providers.models import GpuOffering, PricingType
from selfhost.catalogue import api_offerings, cheapest_api_offering, cheapest_gpu_offerings, is_current
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


# --- api_offerings ------------------------------------------------------------------------------------


def every_api_offering(model):
    """api_offerings() before it kept only the pickable ones: every non-batch offering, marked is_current."""
    offerings = list(
        InferenceOffering.objects.filter(model=model).exclude(serving_kind=ServingKind.BATCH).select_related("provider")
    )
    for o in offerings:
        o.is_current = is_current(o, today_utc())
    return offerings


@pytest.fixture
def served_model():
    model = LanguageModelFactory(slug="served")
    prices = [
        # (input, output, kind, days ago): ties, a dominated one, extremes only a share of 0 or 1 picks.
        ("1.00", "4.00", ServingKind.SERVERLESS, 0),
        ("1.00", "4.00", ServingKind.SERVERLESS, 0),
        ("1.00", "9.00", ServingKind.SERVERLESS, 0),  # only the cheapest input when output weighs 0
        ("2.00", "2.00", ServingKind.SERVERLESS, 0),
        ("2.50", "2.50", ServingKind.SERVERLESS, 0),  # beaten on both by 2.00/2.00: never picked
        ("9.00", "1.00", ServingKind.SERVERLESS, 0),  # first in order: a share of 0 picks it over the next
        ("3.00", "1.00", ServingKind.SERVERLESS, 0),
        ("0.10", "0.10", ServingKind.SERVERLESS, 6),  # stale: only when nothing current is priced
        ("0.50", "3.00", ServingKind.DEDICATED, 0),
        ("0.60", "3.00", ServingKind.DEDICATED, 0),
        ("0.20", "0.20", ServingKind.DEDICATED, 8),
        ("0.05", "0.05", ServingKind.BATCH, 0),  # never an API route here
    ]
    for n, (i, o, kind, days) in enumerate(prices):
        offering = InferenceOfferingFactory(
            model=model,
            provider=ProviderFactory(name=f"API {n:02d}", slug=f"api-{n}"),  # the offerings' order: this list's
            serving_kind=kind,
            quantization=f"q{n}",
        )
        InferencePriceObservationFactory(
            offering=offering,
            observed_on=today_utc() - timedelta(days=days),
            usd_per_mtok_input=D(i),
            usd_per_mtok_output=D(o),
        )
    unpriced = InferenceOfferingFactory(model=model, provider=ProviderFactory(slug="api-unpriced"))
    InferencePriceObservationFactory(offering=unpriced)
    InferenceOffering.objects.filter(pk=unpriced.pk).update(latest_output=None)
    return model


SHARES = [D(0), D(1), D("0.75"), D("0.5"), D(1) / 3, D("0.2"), D("0.9"), D("0.999999")]
KINDS = [None, [ServingKind.SERVERLESS], [ServingKind.DEDICATED]]


def test_api_offerings_pick_what_every_offering_picks(served_model):
    everything, kept = every_api_offering(served_model), api_offerings(served_model)
    assert len(kept) < len(everything)
    for kinds in KINDS:
        for share in SHARES:
            expected = cheapest_api_offering(everything, share, kinds)
            assert cheapest_api_offering(kept, share, kinds).pk == expected.pk, (kinds, share)
    # Among only stale offerings (a model no one serves today) too.
    InferenceOffering.objects.filter(model=served_model).update(last_seen_on=today_utc() - timedelta(days=10))
    everything, kept = every_api_offering(served_model), api_offerings(served_model)
    for share in SHARES:
        assert cheapest_api_offering(kept, share).pk == cheapest_api_offering(everything, share).pk


def test_api_offerings_drop_only_what_is_beaten_on_both_prices(served_model):
    kept = {(o.latest_input, o.latest_output, o.serving_kind) for o in api_offerings(served_model)}
    assert (D("2.50"), D("2.50"), ServingKind.SERVERLESS) not in kept
    # Ties with the cheapest input when output weighs nothing (a share of 1): kept.
    assert (D("1.00"), D("9.00"), ServingKind.SERVERLESS) in kept
    assert {(D("0.50"), D("3.00")), (D("0.20"), D("0.20"))} <= {(i, o) for i, o, _ in kept}
