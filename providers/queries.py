"""The data behind the GPU and provider pages, each assembled in a fixed number of queries.

Every function here runs the same number of queries whatever the size of the catalogue: it reads
whole sets with one query each (offerings with their latest price, daily statistics) and does the
per-GPU and per-provider arithmetic in Python with providers.stats, so a page's query count is
constant. Views filter, sort and render what these return.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from computeprices.freshness import in_market, today_utc
from inference.models import InferenceOffering, blend_sum_expression, blended_price

from .models import Gpu, GpuDailyStat, GpuOffering, GpuProviderDailyPrice, PricingType, Provider
from .stats import MarketSummary, cheapest_per_provider, market_by_gpu, quantile

HISTORY_DAYS = 365
THOUSAND = Decimal(1000)


def _market_rows(offerings):
    """(gpu_id, pricing_type, provider_id, price) for each offering in one query."""
    return (
        offerings.with_latest_price()
        .order_by()  # the default ordering would join GPUs and providers for nothing
        .values_list("gpu_id", "pricing_type", "provider_id", "latest_usd_per_gpu_hour")
    )


def current_market(gpu_ids=None, today=None) -> dict[tuple, MarketSummary]:
    """{(gpu_id, pricing_type): MarketSummary} over current offerings; one query."""
    offerings = GpuOffering.objects.market(today)
    if gpu_ids is not None:
        offerings = offerings.filter(gpu_id__in=gpu_ids)
    return market_by_gpu(_market_rows(offerings))


def relative(price: Decimal | None, reference: Decimal | None) -> Decimal | None:
    """price / reference - 1 (0.12 = 12% above), or None when either is missing or reference is 0."""
    if price is None or not reference:
        return None
    return price / reference - 1


# /gpus/


@dataclass
class GpuRow:
    gpu: Gpu
    pricing_type: str
    cheapest: Decimal | None = None
    median: Decimal | None = None
    cheapest_spot: Decimal | None = None
    provider_count: int = 0

    @property
    def usd_per_gb_hour(self):
        """Cheapest $/GPU-hr per GB of VRAM."""
        if self.cheapest is None or not self.gpu.vram_gb:
            return None
        return self.cheapest / self.gpu.vram_gb

    @property
    def usd_per_pflop_hour(self):
        """Cheapest $/GPU-hr per dense BF16 PFLOP/s: the price of one PFLOP-hour at full use."""
        if self.cheapest is None or not self.gpu.bf16_dense_tflops:
            return None
        return self.cheapest / (self.gpu.bf16_dense_tflops / THOUSAND)


def gpu_rows(gpus, pricing_type=PricingType.ON_DEMAND, today=None) -> list[GpuRow]:
    """One row per GPU with its current market at `pricing_type` and its cheapest spot; one query.

    provider_count counts providers with any current offering of the GPU, whatever the pricing type.
    """
    # Only these GPUs' offerings: search asks for a few GPUs, /gpus/ for each one it lists.
    rows = list(_market_rows(GpuOffering.objects.market(today).filter(gpu_id__in=[gpu.pk for gpu in gpus])))
    market = market_by_gpu(rows)
    providers = defaultdict(set)
    for gpu_id, _pricing_type, provider_id, price in rows:
        if price is not None:
            providers[gpu_id].add(provider_id)
    result = []
    for gpu in gpus:
        summary = market.get((gpu.pk, pricing_type))
        spot = market.get((gpu.pk, PricingType.SPOT))
        result.append(
            GpuRow(
                gpu=gpu,
                pricing_type=pricing_type,
                cheapest=summary.cheapest if summary else None,
                median=summary.median if summary else None,
                cheapest_spot=spot.cheapest if spot else None,
                provider_count=len(providers[gpu.pk]),
            )
        )
    return result


# /gpus/<slug>/


def gpu_offerings(gpu, today=None, region=None) -> list[GpuOffering]:
    """Every listed (current or stale) offering of one GPU with its latest price, cheapest first; one query.

    An instance priced in several regions shows once, at its cheapest region, with `region_count` and
    `regions`; `region` (one the GPU is offered in) keeps only that region's offerings instead."""
    offerings = list(GpuOffering.objects.listed(today).filter(gpu=gpu).with_latest_price().select_related("provider"))
    return sort_cheapest_first(cheapest_region(offerings, region))


def cheapest_region(offerings, region=None):
    """One offering per instance (provider, GPU, size, pricing type, instance name): its cheapest region,
    annotated with region_count and regions. With a known `region`, that region's offerings only."""
    if region and any(o.region == region for o in offerings):
        chosen = [o for o in offerings if o.region == region]
        for o in chosen:
            o.region_count, o.regions = 1, [region]
        return chosen
    groups = {}
    for o in offerings:
        key = (o.provider_id, o.gpu_id, o.gpus_per_instance, o.pricing_type, o.instance_name or f"#{o.pk}")
        groups.setdefault(key, []).append(o)
    result = []
    for group in groups.values():
        priced = [o for o in group if o.latest_usd_per_gpu_hour is not None] or group
        best = min(priced, key=lambda o: (o.latest_usd_per_gpu_hour or 0, o.region))
        best.regions = sorted({o.region for o in group if o.region})
        best.region_count = len(best.regions)
        result.append(best)
    return result


def sort_cheapest_first(offerings):
    """Cheapest $/GPU-hr first, offerings without a price last, ties by provider name."""
    return sorted(
        offerings,
        key=lambda o: (o.latest_usd_per_gpu_hour is None, o.latest_usd_per_gpu_hour or 0, o.provider.name.lower()),
    )


def cheapest_now(offerings, today=None) -> list[GpuOffering]:
    """The cheapest listed offering per pricing type, in PricingType order (the page shows its age)."""
    today = today or today_utc()
    best = {}
    for offering in offerings:
        if offering.latest_usd_per_gpu_hour is None or not in_market(offering, today):
            continue
        known = best.get(offering.pricing_type)
        if known is None or offering.latest_usd_per_gpu_hour < known.latest_usd_per_gpu_hour:
            best[offering.pricing_type] = offering
    return [best[value] for value in PricingType.values if value in best]


@dataclass
class History:
    """A GPU's daily market (GpuDailyStat rows) and per-provider lines {name: [(day, price)]}."""

    stats: list = field(default_factory=list)
    lines: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.stats or self.lines)


def _history_start(today, days):
    return date.min if days is None else (today or today_utc()) - timedelta(days=days)


def gpu_history(gpu, pricing_type, today=None, days=HISTORY_DAYS) -> History:
    """The last `days` days (None: all) of one GPU's market and its per-provider lines; two queries."""
    start = _history_start(today, days)
    stats = list(GpuDailyStat.objects.filter(gpu=gpu, pricing_type=pricing_type, day__gte=start).order_by("day"))
    lines = defaultdict(list)
    per_provider = (
        GpuProviderDailyPrice.objects.filter(gpu=gpu, pricing_type=pricing_type, day__gte=start)
        .order_by("provider__name", "day")
        .values_list("provider__name", "day", "usd_per_gpu_hour")
    )
    for name, day, price in per_provider:
        lines[name].append((day, price))
    return History(stats=stats, lines=dict(lines))


def provider_history(provider, pricing_type, today=None, days=HISTORY_DAYS) -> History:
    """The last `days` days (None: all) of one provider's cheapest price per GPU, and those GPUs' medians.

    lines is {gpu name: [(day, price)]}; stats holds (gpu name, day, market median) of the same
    GPUs. Two queries.
    """
    start = _history_start(today, days)
    lines = defaultdict(list)
    names = {}
    rows = (
        GpuProviderDailyPrice.objects.filter(provider=provider, pricing_type=pricing_type, day__gte=start)
        .order_by("gpu__name", "day")
        .values_list("gpu_id", "gpu__name", "day", "usd_per_gpu_hour")
    )
    for gpu_id, name, day, price in rows:
        names[gpu_id] = name
        lines[name].append((day, price))
    stats = []
    if names:
        medians = (
            GpuDailyStat.objects.filter(gpu_id__in=names, pricing_type=pricing_type, day__gte=start)
            .order_by("gpu_id", "day")  # by id: no join to the GPU table for a name we already have
            .values_list("gpu_id", "day", "median_usd_per_gpu_hour")
        )
        stats = sorted(((names[gpu_id], day, median) for gpu_id, day, median in medians), key=lambda r: r[0])
    return History(stats=stats, lines=dict(lines))


# /providers/


@dataclass
class ProviderRow:
    provider: Provider
    gpu_type_count: int = 0
    model_count: int = 0
    market_position: Decimal | None = None  # median of (its price / market median - 1) over its GPUs
    compared_count: int = 0  # (GPU, pricing type) pairs with at least one other provider
    token_position: Decimal | None = None  # median of (its blended price / the cheapest provider's - 1) per model
    token_compared_count: int = 0  # (model, serving kind) markets with at least one other provider

    @property
    def sells(self):
        """What it sells now, from its current offerings (its declared kind when it has none)."""
        return sells_label(self.gpu_type_count, self.model_count, self.provider)


def sells_label(gpu_count, model_count, provider):
    if gpu_count and model_count:
        return "GPU rental and inference API"
    if gpu_count:
        return "GPU rental"
    if model_count:
        return "Inference API"
    return f"{provider.get_offers_display()} (nothing listed now)"


def provider_rows(providers, today=None) -> list[ProviderRow]:
    """Each provider with its GPU and model counts and where it sits against the market; two queries.

    Market position: for every GPU and pricing type the provider rents currently and at least one
    other provider rents too, its cheapest price over the market median (across providers); the
    provider's position is the median of those ratios.
    """
    rows = list(_market_rows(GpuOffering.objects.market(today)))
    own = cheapest_per_provider(rows)
    market = market_by_gpu(rows)
    ratios = defaultdict(list)
    gpu_types = defaultdict(set)
    for (gpu_id, pricing_type, provider_id), price in own.items():
        gpu_types[provider_id].add(gpu_id)
        summary = market[(gpu_id, pricing_type)]
        if summary.provider_count >= 2 and summary.median:
            ratios[provider_id].append(price / summary.median - 1)
    models, token_ratios = _token_markets(today)
    half = Decimal("0.5")
    result = []
    for provider in providers:  # thousands at 100x: each lookup once, no empty entries made
        pk = provider.pk
        provider_ratios = sorted(ratios.get(pk, ()))
        provider_token_ratios = sorted(token_ratios.get(pk, ()))
        result.append(
            ProviderRow(
                provider=provider,
                gpu_type_count=len(gpu_types.get(pk, ())),
                model_count=len(models.get(pk, ())),
                market_position=quantile(provider_ratios, half) if provider_ratios else None,
                compared_count=len(provider_ratios),
                token_position=quantile(provider_token_ratios, half) if provider_token_ratios else None,
                token_compared_count=len(provider_token_ratios),
            )
        )
    return result


def _token_markets(today=None):
    """({provider_id: {model ids served now}}, {provider_id: [its blended 3:1 / cheapest other - 1]}); one query.

    Per (model, serving kind) served by two providers or more, each provider's cheapest blended price
    against the cheapest provider's.
    """
    rows = (
        InferenceOffering.objects.market(today)
        .with_latest_price()
        .order_by()
        # The database blends: one number a row, no Python arithmetic. The sum (3 x input + output) is 4 x the
        # blended price: the same minimums and the same ratios to the cheapest.
        .annotate(blend_sum=blend_sum_expression())
        .values_list("provider_id", "model_id", "serving_kind", "blend_sum")
    )
    models, own = defaultdict(set), {}
    for provider_id, model_id, serving_kind, price in rows:
        models[provider_id].add(model_id)
        if price is not None:
            key = (model_id, serving_kind, provider_id)
            known = own.get(key)
            if known is None or price < known:
                own[key] = price
    cheapest, providers = {}, defaultdict(int)
    for (model_id, serving_kind, _), price in own.items():
        market = (model_id, serving_kind)
        providers[market] += 1
        cheapest[market] = min(price, cheapest.get(market, price))
    ratios = defaultdict(list)
    for (model_id, serving_kind, provider_id), price in own.items():
        market = (model_id, serving_kind)
        if providers[market] >= 2 and cheapest[market]:
            ratios[provider_id].append(price / cheapest[market] - 1)
    return models, ratios


# /providers/<slug>/


def provider_gpu_offerings(provider, today=None) -> list[GpuOffering]:
    """Its listed GPU offerings, each with .market (MarketSummary or None) and .vs_median; two queries.

    The market is every provider's current offerings of the same GPU and pricing type.
    """
    offerings = list(
        GpuOffering.objects.listed(today).filter(provider=provider).with_latest_price().select_related("gpu")
    )
    market = current_market(gpu_ids={o.gpu_id for o in offerings}, today=today)
    for offering in offerings:
        offering.market = market.get((offering.gpu_id, offering.pricing_type))
        median = offering.market.median if offering.market else None
        offering.vs_median = relative(offering.latest_usd_per_gpu_hour, median)
        offering.diff_from_median = (
            offering.latest_usd_per_gpu_hour - median
            if offering.latest_usd_per_gpu_hour is not None and median is not None
            else None
        )
    return sorted(
        offerings,
        key=lambda o: (
            o.gpu.name.lower(),
            o.pricing_type,
            o.latest_usd_per_gpu_hour is None,
            o.latest_usd_per_gpu_hour,
        ),
    )


def provider_inference_offerings(provider, today=None) -> list[InferenceOffering]:
    """Its listed inference offerings with prices and how each compares to the cheapest provider; two queries.

    Adds .blended, .batch_blended, .cheapest_blended, .cheapest_provider and .vs_cheapest (its
    blended price over the cheapest current blended price of the same model and serving kind, - 1).
    """
    offerings = list(
        InferenceOffering.objects.listed(today)
        .filter(provider=provider)
        .with_latest_price()
        .select_related("model")
        .order_by("model__name", "serving_kind", "quantization")
    )
    cheapest = {}
    market = (
        InferenceOffering.objects.market(today)
        .filter(model_id__in={o.model_id for o in offerings})
        .with_latest_price()
        .values_list("model_id", "serving_kind", "provider__name", "latest_input", "latest_output")
    )
    for model_id, serving_kind, provider_name, price_in, price_out in market:
        blended = blended_price(price_in, price_out)
        key = (model_id, serving_kind)
        if blended is not None and (key not in cheapest or blended < cheapest[key][0]):
            cheapest[key] = (blended, provider_name)
    for offering in offerings:
        offering.blended = blended_price(offering.latest_input, offering.latest_output)
        discount = offering.latest_batch_discount
        offering.batch_blended = (
            offering.blended * (1 - discount) if offering.blended is not None and discount is not None else None
        )
        offering.cheapest_blended, offering.cheapest_provider = cheapest.get(
            (offering.model_id, offering.serving_kind), (None, None)
        )
        offering.vs_cheapest = relative(offering.blended, offering.cheapest_blended)
    return offerings


# /compare/<a>-vs-<b>/


@dataclass
class SharedGpu:
    """A GPU and pricing type both providers rent: each one's cheapest current offering."""

    gpu: Gpu
    pricing_type: str
    a: GpuOffering
    b: GpuOffering

    @property
    def diff(self) -> Decimal:
        """B minus A in $/GPU-hr."""
        return self.b.latest_usd_per_gpu_hour - self.a.latest_usd_per_gpu_hour

    @property
    def diff_relative(self) -> Decimal | None:
        """B over A, - 1."""
        return relative(self.b.latest_usd_per_gpu_hour, self.a.latest_usd_per_gpu_hour)

    def get_pricing_type_display(self):
        return PricingType(self.pricing_type).label


@dataclass
class ExclusiveGpu:
    """A GPU and pricing type only one of the two rents, at its cheapest current offering."""

    provider: Provider
    offering: GpuOffering


def compare_providers(a, b, today=None) -> tuple[list[SharedGpu], list[ExclusiveGpu]]:
    """What two providers both rent (side by side) and what only one of them does; one query."""
    offerings = (
        GpuOffering.objects.market(today)
        .filter(provider__in=[a, b])
        .with_latest_price()
        .select_related("gpu", "provider")
    )
    cheapest = {}
    for offering in offerings:
        if offering.latest_usd_per_gpu_hour is None:
            continue
        key = (offering.provider_id, offering.gpu_id, offering.pricing_type)
        if key not in cheapest or offering.latest_usd_per_gpu_hour < cheapest[key].latest_usd_per_gpu_hour:
            cheapest[key] = offering
    markets = sorted(
        {(o.gpu_id, o.pricing_type): o.gpu for o in cheapest.values()}.items(),
        key=lambda item: (item[1].name.lower(), PricingType.values.index(item[0][1])),
    )
    shared, exclusive = [], []
    for (gpu_id, pricing_type), gpu in markets:
        of_a = cheapest.get((a.pk, gpu_id, pricing_type))
        of_b = cheapest.get((b.pk, gpu_id, pricing_type))
        if of_a and of_b:
            shared.append(SharedGpu(gpu=gpu, pricing_type=pricing_type, a=of_a, b=of_b))
        else:
            exclusive.append(ExclusiveGpu(provider=a if of_a else b, offering=of_a or of_b))
    return shared, exclusive
