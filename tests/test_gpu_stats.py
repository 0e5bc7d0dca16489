"""The daily per-GPU statistics: what refresh_gpu_daily_stats writes, and that reruns change nothing."""

import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from computeprices.freshness import today_utc
from providers.models import GpuDailyStat, GpuProviderDailyPrice, PricingType
from providers.stats import quantile, refresh_gpu_daily_stats, summarize
from tests.factories import GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory, ProviderFactory
from tests.test_gpu_pages_support import build_market

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def observe(offering, price, day=DAY, source="curated", curated=True):
    return GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=Decimal(price), observed_on=day, source=source, is_curated=curated
    )


def stat(gpu, day=DAY, pricing_type=PricingType.ON_DEMAND):
    return GpuDailyStat.objects.get(gpu=gpu, day=day, pricing_type=pricing_type)


@pytest.mark.parametrize("values", [[1], [1, 2], [3, 1, 2], [5, 1, 4, 2, 3, 9, 7]])
def test_quantile_matches_statistics_inclusive(values):
    decimals = sorted(Decimal(v) for v in values)
    if len(values) > 1:
        expected = statistics.quantiles(decimals, n=4, method="inclusive")
        assert [quantile(decimals, Decimal(q)) for q in ("0.25", "0.5", "0.75")] == pytest.approx(expected)
    assert quantile(decimals, Decimal("0.5")) == statistics.median(decimals)


def test_summarize_of_nothing_is_none():
    assert summarize([]) is None


def test_each_provider_counts_once_at_its_cheapest_offering():
    gpu = GpuFactory()
    cheap, dear = ProviderFactory(), ProviderFactory()
    observe(GpuOfferingFactory(gpu=gpu, provider=cheap), "2.00")
    observe(GpuOfferingFactory(gpu=gpu, provider=cheap, gpus_per_instance=8), "1.50")
    observe(GpuOfferingFactory(gpu=gpu, provider=dear), "3.50")

    refresh_gpu_daily_stats(today=DAY)

    row = stat(gpu)
    assert row.cheapest_usd_per_gpu_hour == Decimal("1.50")
    assert row.median_usd_per_gpu_hour == Decimal("2.50")  # (1.50 + 3.50) / 2, not over three offerings
    assert (row.p25_usd_per_gpu_hour, row.p75_usd_per_gpu_hour) == (Decimal("2.00"), Decimal("3.00"))
    assert (row.provider_count, row.offering_count) == (2, 3)
    lines = dict(GpuProviderDailyPrice.objects.filter(day=DAY).values_list("provider_id", "usd_per_gpu_hour"))
    assert lines == {cheap.pk: Decimal("1.50"), dear.pk: Decimal("3.50")}


def test_pricing_types_are_separate_markets():
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "3.00")
    observe(GpuOfferingFactory(gpu=gpu, pricing_type=PricingType.SPOT), "1.00")
    refresh_gpu_daily_stats(today=DAY)
    assert stat(gpu).cheapest_usd_per_gpu_hour == Decimal("3.00")
    assert stat(gpu, pricing_type=PricingType.SPOT).cheapest_usd_per_gpu_hour == Decimal("1.00")


def test_price_carries_forward_while_current_then_drops_out():
    gpu = GpuFactory()
    offering = GpuOfferingFactory(gpu=gpu)
    observe(offering, "2.00", day=DAY, source="skypilot:aws", curated=False)
    refresh_gpu_daily_stats(today=DAY + timedelta(days=10))
    days = list(GpuDailyStat.objects.filter(gpu=gpu).values_list("day", flat=True))
    assert days == [DAY + timedelta(days=n) for n in range(4)]  # seen on DAY, current for 3 more days


def test_curated_only_price_stays_on_the_market_until_a_year_after_its_date():
    """As on the pages (ListingQuerySet.market): a curated price under a year old counts, with its age."""
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "2.00", day=DAY)
    refresh_gpu_daily_stats(today=DAY + timedelta(days=400))
    days = list(GpuDailyStat.objects.filter(gpu=gpu).values_list("day", flat=True))
    assert days[0] == DAY and days[-1] == DAY + timedelta(days=365) and len(days) == 366


def test_gap_between_observations_is_bridged_at_the_older_price():
    gpu = GpuFactory()
    offering = GpuOfferingFactory(gpu=gpu)
    observe(offering, "5.00", day=DAY - timedelta(days=10))
    observe(offering, "4.00", day=DAY)
    refresh_gpu_daily_stats(today=DAY)
    prices = dict(GpuDailyStat.objects.filter(gpu=gpu).values_list("day", "cheapest_usd_per_gpu_hour"))
    assert len(prices) == 11
    assert prices[DAY - timedelta(days=1)] == Decimal("5.00") and prices[DAY] == Decimal("4.00")


def test_since_carries_a_price_from_long_before_since_until_the_next_one():
    gpu = GpuFactory()
    offering = GpuOfferingFactory(gpu=gpu)
    observe(offering, "5.00", day=DAY - timedelta(days=30))
    observe(offering, "4.00", day=DAY + timedelta(days=2))
    refresh_gpu_daily_stats(since=DAY, today=DAY + timedelta(days=2))
    prices = list(GpuDailyStat.objects.filter(gpu=gpu).values_list("day", "cheapest_usd_per_gpu_hour"))
    assert prices == [
        (DAY, Decimal("5.00")),
        (DAY + timedelta(days=1), Decimal("5.00")),
        (DAY + timedelta(days=2), Decimal("4.00")),
    ]


def test_newer_observation_replaces_older_and_curated_wins_same_day():
    gpu = GpuFactory()
    offering = GpuOfferingFactory(gpu=gpu)
    observe(offering, "5.00", day=DAY - timedelta(days=1))
    observe(offering, "9.00", day=DAY, source="skypilot:aws", curated=False)
    observe(offering, "4.00", day=DAY, source="curated", curated=True)
    refresh_gpu_daily_stats(today=DAY)
    assert stat(gpu, day=DAY - timedelta(days=1)).cheapest_usd_per_gpu_hour == Decimal("5.00")
    assert stat(gpu).cheapest_usd_per_gpu_hour == Decimal("4.00")


def test_rerun_same_day_changes_nothing():
    build_market(30, history_days=4, today=DAY)
    fields = ["gpu_id", "pricing_type", "day", "cheapest_usd_per_gpu_hour", "median_usd_per_gpu_hour", "provider_count"]
    before = sorted(GpuDailyStat.objects.values_list(*fields))
    before_lines = sorted(GpuProviderDailyPrice.objects.values_list("gpu_id", "provider_id", "day", "usd_per_gpu_hour"))
    assert before

    refresh_gpu_daily_stats(today=DAY)
    refresh_gpu_daily_stats(since=DAY - timedelta(days=1), today=DAY)

    assert sorted(GpuDailyStat.objects.values_list(*fields)) == before
    assert (
        sorted(GpuProviderDailyPrice.objects.values_list("gpu_id", "provider_id", "day", "usd_per_gpu_hour"))
        == before_lines
    )


def test_since_rewrites_only_days_from_since():
    gpu = GpuFactory()
    offering = GpuOfferingFactory(gpu=gpu)
    observe(offering, "2.00", day=DAY - timedelta(days=2))
    refresh_gpu_daily_stats(today=DAY)
    # A correction to an old day is not picked up by a refresh from today: old days stay as written.
    GpuDailyStat.objects.filter(day=DAY - timedelta(days=2)).update(cheapest_usd_per_gpu_hour=Decimal("1.00"))
    observe(offering, "3.00", day=DAY)
    refresh_gpu_daily_stats(since=DAY, today=DAY)
    assert stat(gpu, day=DAY - timedelta(days=2)).cheapest_usd_per_gpu_hour == Decimal("1.00")
    assert stat(gpu, day=DAY - timedelta(days=1)).cheapest_usd_per_gpu_hour == Decimal("2.00")
    assert stat(gpu, day=DAY).cheapest_usd_per_gpu_hour == Decimal("3.00")


def test_since_carries_forward_prices_seen_before_since():
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "2.00", day=DAY - timedelta(days=2))
    refresh_gpu_daily_stats(since=DAY, today=DAY)
    assert list(GpuDailyStat.objects.values_list("day", flat=True)) == [DAY]


def test_delisted_offering_leaves_no_row_and_stale_rows_are_removed():
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "2.00", day=DAY)
    refresh_gpu_daily_stats(today=DAY)
    GpuDailyStat.objects.create(
        gpu=gpu,
        pricing_type=PricingType.SPOT,
        day=DAY,
        cheapest_usd_per_gpu_hour=1,
        p25_usd_per_gpu_hour=1,
        median_usd_per_gpu_hour=1,
        p75_usd_per_gpu_hour=1,
        provider_count=1,
        offering_count=1,
    )
    refresh_gpu_daily_stats(today=DAY)
    assert not GpuDailyStat.objects.filter(pricing_type=PricingType.SPOT).exists()


def test_database_refuses_two_rows_for_one_gpu_day():
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "2.00")
    refresh_gpu_daily_stats(today=DAY)
    row = stat(gpu)
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


# The budget is PostgreSQL's: SQLite splits bulk writes into batches of 999 variables.
@pytest.mark.postgres
@pytest.mark.parametrize("size", [10, 500])
def test_refresh_runs_a_constant_number_of_queries(size, django_assert_max_num_queries):
    build_market(size, history_days=3, today=DAY)
    # Savepoint, streamed read, two deletes, batched inserts (a few batches at most at 500 offerings),
    # the data version bump.
    with django_assert_max_num_queries(9):
        refresh_gpu_daily_stats(today=DAY)
    with django_assert_max_num_queries(10):  # plus the prices carried in from before `since`
        refresh_gpu_daily_stats(since=DAY - timedelta(days=1), today=DAY)


def test_admin_lists_daily_statistics_read_only(admin_client):
    gpu = GpuFactory()
    observe(GpuOfferingFactory(gpu=gpu), "2.00")
    refresh_gpu_daily_stats(today=DAY)
    for name in ("gpudailystat", "gpuproviderdailyprice"):
        response = admin_client.get(f"/admin/providers/{name}/")
        assert response.status_code == 200
        assert admin_client.get(f"/admin/providers/{name}/add/").status_code == 403


def test_refresh_command_rebuilds_from_a_day_and_rejects_bad_dates():
    from io import StringIO

    from django.core.management import CommandError, call_command

    observe(GpuOfferingFactory(), "2.00", day=today_utc())
    out = StringIO()
    call_command("refresh_gpu_stats", "--since", today_utc().isoformat(), stdout=out)
    assert "gpu_stats: 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("refresh_gpu_stats", "--since", "yesterday")


@pytest.mark.parametrize("since_back", [0, 1, 3, 5, 10, 16, 30])
def test_refresh_since_gives_the_same_rows_as_a_full_refresh(since_back):
    gpu = GpuFactory()
    providers = [ProviderFactory() for _ in range(3)]
    sparse = [(providers[0], [20, 9, 2]), (providers[1], [15]), (providers[2], [12, 11, 10, 1, 0])]
    for provider, days_back in sparse:
        for pricing_type in (PricingType.ON_DEMAND, PricingType.SPOT):
            offering = GpuOfferingFactory(gpu=gpu, provider=provider, pricing_type=pricing_type)
            for back in days_back:
                observe(offering, Decimal("2.00") + Decimal(back) / 10, day=DAY - timedelta(days=back))
    fields = ["gpu_id", "pricing_type", "day", "cheapest_usd_per_gpu_hour", "p25_usd_per_gpu_hour", "provider_count"]

    refresh_gpu_daily_stats(today=DAY)
    full = sorted(GpuDailyStat.objects.values_list(*fields))
    full_lines = sorted(
        GpuProviderDailyPrice.objects.values_list("provider_id", "pricing_type", "day", "usd_per_gpu_hour")
    )
    GpuDailyStat.objects.filter(day__gte=DAY - timedelta(days=since_back)).update(provider_count=99)

    refresh_gpu_daily_stats(since=DAY - timedelta(days=since_back), today=DAY)
    assert sorted(GpuDailyStat.objects.values_list(*fields)) == full
    assert (
        sorted(GpuProviderDailyPrice.objects.values_list("provider_id", "pricing_type", "day", "usd_per_gpu_hour"))
        == full_lines
    )
