"""Market statistics for GPU prices: the daily per-GPU table and the arithmetic the pages share.

`refresh_gpu_daily_stats` is the one writer of GpuDailyStat and GpuProviderDailyPrice. The nightly
scrape job calls it after the scrapers, and load_curated after loading; it is idempotent (a rerun
rewrites the same rows) and runs a fixed handful of queries whatever the size of the history.

Definitions (also used by the live pages, so a page and its history agree on what "median" means):
- an offering is on the market (ListingQuerySet.market) from its first observation until STALE_AFTER_DAYS
  after a scraper last saw it, or, when only the curated set prices it, until its listed_until (a year
  after its price's date), at its newest observation so far (a curated one wins a same-day tie).
  A published price stays in force until the next one, so a gap between two observations
  (a scraper outage, or curated history entries years apart) is bridged; after the last one the
  offering drops out once it leaves the market, as on the live pages. Today's row therefore
  describes exactly the offerings the pages' market figures use;
- each provider counts once per GPU and pricing type, at its cheapest offering;
- cheapest, quartiles and median are taken across those per-provider prices (linear interpolation
  between ranks, as numpy's default and statistics.quantiles(method="inclusive")).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from computeprices.dataversion import bump_data_version
from computeprices.freshness import STALE_AFTER_DAYS, today_utc

from .models import PUBLISH_ORDER, GpuDailyStat, GpuOffering, GpuPriceObservation, GpuProviderDailyPrice

FOUR_PLACES = Decimal("0.0001")
WRITE_BATCH_SIZE = 2000


def quantile(sorted_values: list[Decimal], q: Decimal) -> Decimal:
    """The q-quantile (0..1) of an ascending, non-empty list, interpolating linearly between ranks."""
    if not sorted_values:
        raise ValueError("quantile of an empty list")
    position = (len(sorted_values) - 1) * Decimal(q)
    lower = int(position)
    fraction = position - lower
    if lower + 1 >= len(sorted_values):
        return sorted_values[-1]
    return sorted_values[lower] + (sorted_values[lower + 1] - sorted_values[lower]) * fraction


@dataclass(frozen=True)
class MarketSummary:
    cheapest: Decimal
    p25: Decimal
    median: Decimal
    p75: Decimal
    provider_count: int


def summarize(provider_prices: Iterable[Decimal]) -> MarketSummary | None:
    """Cheapest, quartiles and median of one price per provider; None when there are none."""
    values = sorted(provider_prices)
    if not values:
        return None
    return MarketSummary(
        cheapest=values[0],
        p25=quantile(values, Decimal("0.25")),
        median=quantile(values, Decimal("0.5")),
        p75=quantile(values, Decimal("0.75")),
        provider_count=len(values),
    )


def cheapest_per_provider(rows: Iterable[tuple]) -> dict[tuple, Decimal]:
    """{(gpu_id, pricing_type, provider_id): cheapest price} from (gpu_id, pricing_type, provider_id, price) rows.

    Rows without a price are skipped.
    """
    cheapest: dict[tuple, Decimal] = {}
    for gpu_id, pricing_type, provider_id, price in rows:
        if price is None:
            continue
        key = (gpu_id, pricing_type, provider_id)
        if key not in cheapest or price < cheapest[key]:
            cheapest[key] = price
    return cheapest


def market_by_gpu(rows: Iterable[tuple]) -> dict[tuple, MarketSummary]:
    """{(gpu_id, pricing_type): MarketSummary} from (gpu_id, pricing_type, provider_id, price) rows."""
    per_market: dict[tuple, list[Decimal]] = defaultdict(list)
    for (gpu_id, pricing_type, _provider_id), price in cheapest_per_provider(rows).items():
        per_market[(gpu_id, pricing_type)].append(price)
    return {key: summarize(prices) for key, prices in per_market.items()}


def _rows_for_day(day: date, active: dict) -> tuple[list[GpuDailyStat], list[GpuProviderDailyPrice]]:
    """The rows of one day from {offering_id: (on market until, price, gpu_id, provider_id, pricing_type)}."""
    per_provider: dict[tuple, list[Decimal]] = defaultdict(list)
    for _until, price, gpu_id, provider_id, pricing_type in active.values():
        per_provider[(gpu_id, pricing_type, provider_id)].append(price)
    per_market: dict[tuple, list[tuple[Decimal, int]]] = defaultdict(list)
    provider_rows = []
    for (gpu_id, pricing_type, provider_id), prices in per_provider.items():
        cheapest = min(prices)
        per_market[(gpu_id, pricing_type)].append((cheapest, len(prices)))
        provider_rows.append(
            GpuProviderDailyPrice(
                gpu_id=gpu_id,
                provider_id=provider_id,
                pricing_type=pricing_type,
                day=day,
                usd_per_gpu_hour=cheapest,
                offering_count=len(prices),
            )
        )
    stat_rows = []
    for (gpu_id, pricing_type), entries in per_market.items():
        summary = summarize(price for price, _ in entries)
        stat_rows.append(
            GpuDailyStat(
                gpu_id=gpu_id,
                pricing_type=pricing_type,
                day=day,
                cheapest_usd_per_gpu_hour=summary.cheapest,
                p25_usd_per_gpu_hour=summary.p25.quantize(FOUR_PLACES),
                median_usd_per_gpu_hour=summary.median.quantize(FOUR_PLACES),
                p75_usd_per_gpu_hour=summary.p75.quantize(FOUR_PLACES),
                provider_count=summary.provider_count,
                offering_count=sum(count for _, count in entries),
            )
        )
    return stat_rows, provider_rows


def refresh_gpu_daily_stats(since: date | None = None, today: date | None = None) -> dict[str, int]:
    """Recompute the daily GPU statistics for every day, or for the days from `since` on.

    Days run from `since` (or the first observation) to the later of today and the newest
    observation. Queries: with `since`, one for each offering's newest price before it (to carry it
    forward); one streamed read of the observations from `since` on; two deletes; batched inserts.
    All in one transaction, so readers see the old rows or the new ones, never a mix. Returns
    counts of what it wrote.
    """
    today = today or today_utc()
    window = timedelta(days=STALE_AFTER_DAYS)
    fields = ["gpu_id", "provider_id", "pricing_type", "last_seen_on", "last_scraped_on", "listed_until", "retired_by"]
    # Ascending publish order: the last row kept per offering and day is the one with_latest_price() picks.
    observations = GpuPriceObservation.objects.order_by("observed_on", "is_curated", "rank", "pk")
    seeds = []
    if since is not None:
        observations = observations.filter(observed_on__gte=since)
        newest_before = GpuPriceObservation.objects.filter(offering=OuterRef("pk"), observed_on__lt=since).order_by(
            *PUBLISH_ORDER
        )
        seeds = (
            GpuOffering.objects.filter(Q(last_seen_on__gte=since - window) | Q(listed_until__gte=since))
            .annotate(
                seed_on=Subquery(newest_before.values("observed_on")[:1]),
                seed_price=Subquery(newest_before.values("usd_per_gpu_hour")[:1]),
            )
            .filter(seed_on__isnull=False)
            .values_list("pk", "seed_on", "seed_price", *fields)
        )
    rows = observations.values_list(
        "offering_id", "observed_on", "usd_per_gpu_hour", *[f"offering__{name}" for name in fields]
    )

    stats: list[GpuDailyStat] = []
    provider_prices: list[GpuProviderDailyPrice] = []
    active: dict[int, tuple] = {}  # offering_id -> (on the market until, newest price so far, gpu, provider, type)
    next_day = since
    last_observed = None

    def emit_until(end: date):
        """Write the days from next_day up to and including `end`."""
        nonlocal next_day
        day = next_day
        while day <= end:
            for offering_id in [k for k, v in active.items() if v[0] < day]:
                del active[offering_id]
            if active:
                day_stats, day_prices = _rows_for_day(day, active)
                stats.extend(day_stats)
                provider_prices.extend(day_prices)
            day += timedelta(days=1)
        next_day = day

    def remember(offering_id, observed_on, price, gpu_id, provider_id, pricing_type, last_seen_on, *listing):
        last_scraped_on, listed_until, retired_by = listing
        if last_scraped_on is None and listed_until is not None and not retired_by:
            # Curated only: on the market (ListingQuerySet.market) until its price is a year old.
            until = listed_until
        else:
            until = max(observed_on, last_seen_on or observed_on) + window
        active[offering_id] = (until, price, gpu_id, provider_id, pricing_type)

    with transaction.atomic():
        for offering_id, observed_on, price, *rest in seeds:
            remember(offering_id, observed_on, price, *rest)
        # Observations arrive in (day, curated last, pk) order, so the last one kept per offering
        # and day is the one with_latest_price() would pick.
        for offering_id, observed_on, price, *rest in rows.iterator(chunk_size=5000):
            if next_day is None:
                next_day = observed_on
            if observed_on >= next_day:
                emit_until(observed_on - timedelta(days=1))
            remember(offering_id, observed_on, price, *rest)
            last_observed = observed_on
        if next_day is not None:
            emit_until(max(today, last_observed or today))

        stale_stats = GpuDailyStat.objects.all()
        stale_prices = GpuProviderDailyPrice.objects.all()
        if since is not None:
            stale_stats = stale_stats.filter(day__gte=since)
            stale_prices = stale_prices.filter(day__gte=since)
        stale_stats.delete()
        stale_prices.delete()
        GpuDailyStat.objects.bulk_create(stats, batch_size=WRITE_BATCH_SIZE)
        GpuProviderDailyPrice.objects.bulk_create(provider_prices, batch_size=WRITE_BATCH_SIZE)
        bump_data_version()  # history charts changed: pages cached under the old version are stale

    days = {row.day for row in stats}
    return {"days": len(days), "gpu_stats": len(stats), "provider_prices": len(provider_prices)}
