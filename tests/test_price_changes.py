"""alerts.changes: the feeds' price changes, decided in SQL by window functions, equal a plain reference
computation of the rule ("previous" = the offering's newest observation on an earlier day, curated winning a
tie, then the newer row) on crafted histories: several sources a day, curated and scraped the same day, gaps
longer than the window's margin, zero prices, notable thresholds and limits."""

import itertools
import random
from datetime import timedelta
from decimal import Decimal

import pytest

from alerts import changes
from computeprices.freshness import today_utc
from inference.models import InferencePriceObservation, blended_price
from providers.models import GpuPriceObservation
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
SOURCES = [("curated", True), ("test:a", False), ("test:b", False)]


def _history(rng, make, offerings, prices):
    """Observations on random days of the last 40, some days by two or three sources (curated among them)."""
    for offering in offerings:
        days = sorted(rng.sample(range(40), rng.randint(1, 14)), reverse=True)
        for back in days:
            for source, curated in rng.sample(SOURCES, rng.choice([1, 1, 1, 2, 3])):
                make(offering, today_utc() - timedelta(days=back), source, curated, rng.choice(prices))


def _reference(model, since, price, *, gpu=None, model_=None, provider=None, notable=None, limit=50):
    """[(key, before, after)] by the rule, in plain Python over every observation."""
    rows = list(model.objects.select_related("offering"))
    market = "gpu" if model is GpuPriceObservation else "token"
    result = []
    for o in sorted(rows, key=lambda o: (o.observed_on, o.pk), reverse=True):
        offering = o.offering
        if o.observed_on < since:
            continue
        if gpu is not None and offering.gpu_id != gpu.pk:
            continue
        if model_ is not None and offering.model_id != model_.pk:
            continue
        if provider is not None and offering.provider_id != provider.pk:
            continue
        earlier = [e for e in rows if e.offering_id == o.offering_id and e.observed_on < o.observed_on]
        if not earlier:
            continue
        previous = max(earlier, key=lambda e: (e.observed_on, e.is_curated, e.pk))
        before, after = price(previous), price(o)
        if before == after:
            continue
        if notable is not None and before and abs(after / before - 1) < notable:
            continue
        result.append((f"{market}-observation-{o.pk}", before, after))
    return result[:limit]


def _gpu_price(o):
    return o.usd_per_gpu_hour


def _token_price(o):
    # the pair, so a move of input or output counts; compared below through the blended price too
    return (o.usd_per_mtok_input, o.usd_per_mtok_output)


@pytest.fixture
def gpu_history():
    rng = random.Random(13)
    gpus = [GpuFactory(), GpuFactory()]
    providers = [ProviderFactory(), ProviderFactory()]
    offerings = [
        GpuOfferingFactory(gpu=gpus[i % 2], provider=providers[i // 2 % 2], gpus_per_instance=1 + i) for i in range(8)
    ]

    def make(offering, day, source, curated, price):
        GpuPriceObservationFactory(
            offering=offering, observed_on=day, source=source, is_curated=curated, usd_per_gpu_hour=D(price)
        )

    _history(rng, make, offerings, ["0", "2.00", "2.00", "2.05", "2.10", "2.50", "1.90"])
    return gpus, providers


@pytest.fixture
def token_history():
    rng = random.Random(14)
    models = [LanguageModelFactory(), LanguageModelFactory()]
    providers = [ProviderFactory(), ProviderFactory()]
    offerings = [
        InferenceOfferingFactory(model=models[i % 2], provider=providers[i // 2 % 2], quantization=f"q{i}")
        for i in range(8)
    ]

    def make(offering, day, source, curated, pair):
        InferencePriceObservationFactory(
            offering=offering,
            observed_on=day,
            source=source,
            is_curated=curated,
            usd_per_mtok_input=D(pair[0]),
            usd_per_mtok_output=D(pair[1]),
        )

    pairs = [("0", "0"), ("0.60", "0.80"), ("0.60", "0.80"), ("0.60", "0.84"), ("0.62", "0.80"), ("0.30", "1.00")]
    _history(rng, make, offerings, pairs)
    return models, providers


PERIODS = [0, 1, 3, 7, 25, 45]  # days back: within, at and past the window's one-day margin and the gaps
THRESHOLDS = [None, D("0.05"), D("0.2")]


def test_gpu_changes_equal_the_reference(gpu_history):
    gpus, providers = gpu_history
    for back, notable, limit in itertools.product(PERIODS, THRESHOLDS, [3, 50]):
        since = today_utc() - timedelta(days=back)
        for filters in ({}, {"gpu": gpus[0]}, {"provider": providers[1]}, {"gpu": gpus[1], "provider": providers[0]}):
            got = [
                (c.key, c.before, c.after) for c in changes.gpu_changes(since, notable=notable, limit=limit, **filters)
            ]
            expected = _reference(GpuPriceObservation, since, _gpu_price, notable=notable, limit=limit, **filters)
            assert got == expected, (back, notable, limit, filters)


def test_token_changes_equal_the_reference(token_history):
    models, providers = token_history
    for back, notable, limit in itertools.product(PERIODS, THRESHOLDS, [3, 50]):
        since = today_utc() - timedelta(days=back)
        for filters in ({}, {"model": models[0]}, {"provider": providers[1]}):
            got = [
                (c.key, c.before, c.after)
                for c in changes.token_changes(since, notable=notable, limit=limit, **filters)
            ]
            ref_filters = {"model_": filters["model"]} if "model" in filters else filters
            pairs = _reference(InferencePriceObservation, since, _token_price, limit=10_000, **ref_filters)
            # the feed publishes 3:1 blended prices, and its notable test is on the blend
            expected = []
            for key, before, after in pairs:
                b, a = blended_price(*before), blended_price(*after)
                if notable is None or not b or abs(a / b - 1) >= notable:
                    expected.append((key, b, a))
            assert got == expected[:limit], (back, notable, limit, filters)


def test_a_second_source_the_same_day_compares_with_the_previous_day_not_with_its_sibling():
    offering = GpuOfferingFactory()
    day = today_utc()
    GpuPriceObservationFactory(offering=offering, observed_on=day - timedelta(days=5), usd_per_gpu_hour=D("3"))
    GpuPriceObservationFactory(
        offering=offering,
        observed_on=day - timedelta(days=5),
        source="curated",
        is_curated=True,
        usd_per_gpu_hour=D("4"),
    )
    scraped = GpuPriceObservationFactory(offering=offering, observed_on=day, source="test:a", usd_per_gpu_hour=D("3"))
    other = GpuPriceObservationFactory(offering=offering, observed_on=day, source="test:b", usd_per_gpu_hour=D("4"))
    got = {c.key: (c.before, c.after) for c in changes.gpu_changes(day)}
    # curated (4) wins the tie five days ago, across a gap longer than the window's margin
    assert got == {f"gpu-observation-{scraped.pk}": (D("4"), D("3"))}
    assert f"gpu-observation-{other.pk}" not in got


@pytest.mark.parametrize("size", [5, 60])
def test_change_queries_are_constant(size, django_assert_max_num_queries):
    gpu = GpuFactory()
    for i in range(size):
        offering = GpuOfferingFactory(gpu=gpu, gpus_per_instance=1 + i)
        for back, price in ((2, "2.00"), (1, "2.50"), (0, "2.00")):
            GpuPriceObservationFactory(
                offering=offering, observed_on=today_utc() - timedelta(days=back), usd_per_gpu_hour=D(price)
            )
        token = InferenceOfferingFactory(quantization=f"q{i}")
        for back, price in ((1, "0.60"), (0, "0.90")):
            InferencePriceObservationFactory(
                offering=token, observed_on=today_utc() - timedelta(days=back), usd_per_mtok_input=D(price)
            )
    since = today_utc() - timedelta(days=7)
    with django_assert_max_num_queries(1):
        assert len(changes.gpu_changes(since, gpu=gpu)) == min(2 * size, 50)
    with django_assert_max_num_queries(1):
        assert len(changes.token_changes(since, notable=changes.NOTABLE)) == min(size, 50)
    with django_assert_max_num_queries(2):
        assert len(changes.all_changes(since, notable=changes.NOTABLE)) == min(3 * size, 50)
