"""The cross-model price figures ranked in SQL (inference.queries.market_price_rows and friends) equal the
figures summarize() computes from every market offering loaded as ORM objects, on a catalogue crafted with
ties, stale, retired, batch-only and unpriced offerings; and they cost one query at any size."""

from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from inference.models import InferenceOffering, ServingKind
from inference.queries import (
    DEFAULT_BLEND,
    Blend,
    cheapest_current_prices,
    model_price_summaries,
    summarize,
    summary_offerings,
)
from tests.factories import (
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
BLENDS = [DEFAULT_BLEND, Blend(1, 1), Blend(10, 1), Blend(7, 2), Blend(0, 1)]


def offer(model, provider, input_price, output_price, days_ago=0, quantization="fp8", **observation):
    kind = observation.pop("serving_kind", ServingKind.SERVERLESS)
    offering = InferenceOfferingFactory(model=model, provider=provider, serving_kind=kind, quantization=quantization)
    InferencePriceObservationFactory(
        offering=offering,
        observed_on=today_utc() - timedelta(days=days_ago),
        usd_per_mtok_input=D(input_price),
        usd_per_mtok_output=D(output_price),
        **observation,
    )
    return offering


@pytest.fixture
def catalogue():
    """Models whose figures exercise every rule a summary follows."""
    # Names whose code-point order ("Zeta" < "alpha" < "mid") differs from a case-insensitive collation's.
    alpha, zeta, mid, solo = (
        ProviderFactory(name="alpha", slug="alpha"),
        ProviderFactory(name="Zeta", slug="zeta"),
        ProviderFactory(name="mid", slug="mid"),
        ProviderFactory(name="Solo", slug="solo"),
    )
    twin_a, twin_b = ProviderFactory(name="Twin", slug="twin-a"), ProviderFactory(name="Twin", slug="twin-b")

    tied = LanguageModelFactory(name="Tied", slug="tied")
    offer(tied, alpha, "1", "2")
    offer(tied, zeta, "1", "2")  # the same price: the provider named is the first by name ("Zeta")
    offer(tied, mid, "0.5", "3.5")  # blends to the same 3:1 price from other prices
    offer(tied, mid, "4", "8", quantization="bf16")  # a second offering of one provider: counted once
    offer(tied, solo, "3", "3")

    even = LanguageModelFactory(name="Even", slug="even", total_params_b=D("8"), active_params_b=D("8"))
    for n, (i, o) in enumerate([("0.1", "0.3"), ("0.2", "0.2"), ("0.333333", "0.1"), ("0.7", "0.9")]):
        offer(even, ProviderFactory(name=f"Even {n}", slug=f"even-{n}"), i, o)

    thirds = LanguageModelFactory(name="Thirds", slug="thirds", total_params_b=D("32"), active_params_b=D("32"))
    # At 7:2 the median (0.5666...) has 28 significant digits: doubling it and halving again would change it.
    for n, (i, o) in enumerate([("0.1", "0.7"), ("0.7", "0.1"), ("0.9", "0.900001")]):
        offer(thirds, ProviderFactory(name=f"Third {n}", slug=f"third-{n}"), i, o)

    # Out of the market: stale (a scraper last saw it 5 days ago), retired, batch-only, unpriced.
    rules = LanguageModelFactory(name="Rules", slug="rules", total_params_b=D("400"), active_params_b=D("17"))
    offer(rules, alpha, "2", "6")
    offer(rules, zeta, "0.01", "0.01", days_ago=5)
    retired = offer(rules, mid, "0.02", "0.02")
    InferenceOffering.objects.filter(pk=retired.pk).update(retired_by="test:scraper")
    offer(rules, solo, "0.03", "0.03", serving_kind=ServingKind.BATCH)
    unpriced = offer(rules, twin_a, "0.04", "0.04", quantization="int4")
    InferenceOffering.objects.filter(pk=unpriced.pk).update(latest_output=None)
    # A curated-only price 40 days old stays in the market (computeprices.freshness.in_market).
    offer(rules, twin_b, "5", "5", days_ago=40, source="curated", is_curated=True)

    twins = LanguageModelFactory(name="Twins", slug="twins", open_weights=False)
    offer(twins, twin_b, "1", "1")
    offer(twins, twin_a, "1", "1")

    LanguageModelFactory(name="Unserved", slug="unserved")  # no offering at all
    only_stale = LanguageModelFactory(name="Only stale", slug="only-stale")
    offer(only_stale, solo, "1", "1", days_ago=6)


def reference_summaries(models, blend):
    """summarize() over every market offering as an ORM object: the figures before ranking moved to SQL."""
    by_model = {m.pk: [] for m in models}
    for offering in summary_offerings().filter(model__in=models):
        by_model[offering.model_id].append(offering)
    return [summarize(m, by_model[m.pk], blend) for m in models]


def figures(summary):
    cheapest = summary.cheapest_offering
    return (
        summary.model.slug,
        summary.provider_count,
        summary.offering_count,
        # str(): the same digits too (the API writes Decimals as strings), not only equal values.
        *(None if v is None else str(v) for v in (summary.cheapest, summary.median, summary.highest, summary.spread)),
        cheapest.provider.name if cheapest else None,
    )


@pytest.mark.parametrize("blend", BLENDS, ids=str)
def test_model_summaries_equal_summarize_over_every_offering(catalogue, blend):
    from inference.models import LanguageModel

    models = list(LanguageModel.objects.all())
    assert [figures(s) for s in model_price_summaries(models, blend)] == [
        figures(s) for s in reference_summaries(models, blend)
    ]


def test_the_crafted_rules_show_in_the_figures(catalogue):
    from inference.models import LanguageModel

    models = list(LanguageModel.objects.all())
    by_slug = {s.model.slug: s for s in model_price_summaries(models, DEFAULT_BLEND)}
    tied = by_slug["tied"]
    assert (tied.offering_count, tied.provider_count) == (5, 4)
    assert tied.cheapest == D("1.25") and tied.cheapest_offering.provider.slug == "zeta"
    assert by_slug["even"].median == (D("0.2") + D("0.27499975")) / 2  # the mean of the middle two
    rules = by_slug["rules"]
    assert (rules.offering_count, rules.cheapest, rules.highest) == (2, D("3"), D("5"))
    assert by_slug["twins"].cheapest_offering.provider.name == "Twin"
    for slug in ("unserved", "only-stale"):
        assert (by_slug[slug].cheapest, by_slug[slug].cheapest_offering, by_slug[slug].provider_count) == (
            None,
            None,
            0,
        )


def reference_cheapest(blend):
    """cheapest_current_prices() as it was: a first-found minimum of (price, provider name) over ORM objects."""
    best = {}
    for offering in summary_offerings().select_related("model"):
        price = blend.price(offering.latest_input, offering.latest_output)
        if price is None:
            continue
        key = offering.model_id
        if key not in best or (price, offering.provider.name) < (best[key][1], best[key][2].provider.name):
            best[key] = (offering.model, price, offering)
    return sorted(best.values(), key=lambda item: (item[0].name, item[0].pk))


def cheapest_figures(rows):
    return [
        (
            m.pk,
            m.name,
            m.slug,
            m.creator,
            m.open_weights,
            m.is_moe,
            m.total_params_b,
            m.active_params_b,
            str(price),
            offering.provider.name,
        )
        for m, price, offering in rows
    ]


@pytest.mark.parametrize("blend", BLENDS, ids=str)
def test_cheapest_current_prices_equal_the_first_found_minimum(catalogue, blend):
    assert cheapest_figures(cheapest_current_prices(blend)) == cheapest_figures(reference_cheapest(blend))


def test_cheapest_current_prices_names_the_first_provider_by_name_on_a_tie(catalogue):
    rows = {m.slug: (price, o) for m, price, o in cheapest_current_prices(DEFAULT_BLEND)}
    assert rows["tied"][0] == D("1.25") and rows["tied"][1].provider.slug == "zeta"
    assert "only-stale" not in rows and "unserved" not in rows


def grow(models, offerings_per_model):
    from inference.models import LanguageModel

    for m in range(models):
        model = LanguageModelFactory(slug=f"grown-{m}")
        for n in range(offerings_per_model):
            offer(model, ProviderFactory(slug=f"grown-p{n}"), f"0.{n + 1}", f"1.{m}", quantization=f"q{m}")
    return list(LanguageModel.objects.all())


@pytest.mark.parametrize("size", [(2, 2), (6, 9)])
def test_each_costs_one_query_at_any_size(size, django_assert_num_queries):
    models = grow(*size)
    with django_assert_num_queries(1):
        summaries = model_price_summaries(models, Blend(7, 2))
    assert all(s.offering_count == size[1] for s in summaries)
    with django_assert_num_queries(1):
        assert len(cheapest_current_prices(DEFAULT_BLEND)) == size[0]
