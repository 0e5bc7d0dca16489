"""The GPU and provider operations of the JSON API (/api/v1/gpus..., /api/v1/providers...).

Each operation reads the same providers.queries functions its page reads, so every figure equals the
page's; filters take the page's names, and a value the page would ignore is a 422 naming it here.
Query counts are the pages' and constant in the size of the data.
"""

from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from computeprices.apitypes import (
    Number,
    Pagination,
    Ratio,
    UsdPerGpuHour,
    UsdPerInstanceHour,
    UsdPerMtok,
    check_range,
    refuse,
    responses,
)
from computeprices.freshness import today_utc

from . import queries
from .models import Gpu, GpuDailyStat, PricingType, Provider

router = Router(tags=["GPUs and providers"])

PricingTypeName = Literal[tuple(PricingType.values)]
VendorName = Literal[tuple(Gpu.Vendor.values)]
Freshness = Literal["current", "stale", "delisted", "unknown"]


class GpuOut(Schema):
    slug: str
    name: str
    url: str = Field(..., description="The GPU's page.")
    vendor: str
    architecture: str
    vram_gb: int
    memory_bandwidth_gbps: int | None
    bf16_dense_tflops: Number | None
    fp8_dense_tflops: Number | None
    form_factor: str
    release_year: int | None
    pricing_type: PricingTypeName = Field(..., description="The pricing type the cheapest and median are for.")
    cheapest_usd_per_gpu_hour: UsdPerGpuHour | None
    median_usd_per_gpu_hour: UsdPerGpuHour | None = Field(..., description="Median across providers.")
    cheapest_spot_usd_per_gpu_hour: UsdPerGpuHour | None
    provider_count: int = Field(..., description="Providers with any current offering of this GPU.")
    usd_per_gb_vram_hour: Number | None = Field(..., description="Cheapest USD per GPU-hour per GB of VRAM.")
    usd_per_bf16_pflop_hour: Number | None = Field(..., description="Cheapest USD per dense BF16 PFLOP-hour.")


class MarketOut(Schema):
    pricing_type: PricingTypeName
    cheapest_usd_per_gpu_hour: UsdPerGpuHour
    p25_usd_per_gpu_hour: UsdPerGpuHour
    median_usd_per_gpu_hour: UsdPerGpuHour
    p75_usd_per_gpu_hour: UsdPerGpuHour
    provider_count: int


class GpuDetailOut(GpuOut):
    markets: list[MarketOut] = Field(..., description="The current market at each pricing type anyone rents it at.")


class GpuOfferingOut(Schema):
    provider: str = Field(..., description="Provider slug.")
    provider_name: str
    instance: str
    gpus_per_instance: int
    pricing_type: PricingTypeName
    region: str = Field(..., description="Blank means any region.")
    usd_per_gpu_hour: UsdPerGpuHour | None
    usd_per_instance_hour: UsdPerInstanceHour | None
    price_date: date | None = Field(..., description="UTC day of the price shown.")
    last_seen_on: date | None
    status: Freshness
    source: str | None
    source_url: str | None


class GpuHistoryOut(Schema):
    day: date
    pricing_type: PricingTypeName
    cheapest_usd_per_gpu_hour: UsdPerGpuHour
    p25_usd_per_gpu_hour: UsdPerGpuHour
    median_usd_per_gpu_hour: UsdPerGpuHour
    p75_usd_per_gpu_hour: UsdPerGpuHour
    provider_count: int
    offering_count: int


class GpuFilters(Schema):
    vendor: VendorName | None = None
    architecture: str | None = Field(None, max_length=50)
    min_vram: int | None = Field(None, ge=0, le=100_000, description="Minimum VRAM in GB.")
    pricing_type: PricingTypeName | None = Field(
        None, description="Figures at this pricing type (on-demand when absent); only GPUs rented that way."
    )


class OfferingFilters(Schema):
    pricing_type: PricingTypeName | None = None
    gpus: int | None = Field(None, ge=1, le=1024, description="GPUs per instance.")
    provider: str | None = Field(None, max_length=100, description="Provider slug.")
    status: Literal["current", "stale"] | None = Field(
        None, description="current: seen in the last 3 days; stale: 4 to 14 days ago."
    )


class HistoryFilters(Schema):
    start: date | None = Field(None, description="First UTC day (inclusive).")
    end: date | None = Field(None, description="Last UTC day (inclusive).")
    pricing_type: PricingTypeName | None = Field(None, description="One pricing type; every one when absent.")


def gpu_out(row: queries.GpuRow) -> dict:
    gpu = row.gpu
    return {
        "slug": gpu.slug,
        "name": gpu.name,
        "url": gpu.get_absolute_url(),
        "vendor": gpu.vendor,
        "architecture": gpu.architecture,
        "vram_gb": gpu.vram_gb,
        "memory_bandwidth_gbps": gpu.memory_bandwidth_gbps,
        "bf16_dense_tflops": gpu.bf16_dense_tflops,
        "fp8_dense_tflops": gpu.fp8_dense_tflops,
        "form_factor": gpu.form_factor,
        "release_year": gpu.release_year,
        "pricing_type": row.pricing_type,
        "cheapest_usd_per_gpu_hour": row.cheapest,
        "median_usd_per_gpu_hour": row.median,
        "cheapest_spot_usd_per_gpu_hour": row.cheapest_spot,
        "provider_count": row.provider_count,
        "usd_per_gb_vram_hour": row.usd_per_gb_hour,
        "usd_per_bf16_pflop_hour": row.usd_per_pflop_hour,
    }


@router.get("/gpus", response=responses(list[GpuOut], with_404=False), summary="Every GPU with its current market")
@paginate(Pagination)
def gpus(request, filters: Query[GpuFilters]):
    """Like /gpus/: specs, cheapest and median (at `pricing_type`, on-demand by default), cheapest spot.

    Two queries: the GPUs and the current offerings.
    """
    all_gpus = list(Gpu.objects.all())
    architecture = None
    if filters.architecture:
        known = {g.architecture.lower(): g.architecture for g in all_gpus if g.architecture}
        architecture = known.get(filters.architecture.strip().lower())
        if architecture is None:
            refuse([("architecture", f"expected one of {', '.join(sorted(known.values(), key=str.lower))}.")])
    selected = [
        g
        for g in all_gpus
        if (filters.vendor is None or g.vendor == filters.vendor)
        and (architecture is None or g.architecture == architecture)
        and (filters.min_vram is None or g.vram_gb >= filters.min_vram)
    ]
    rows = queries.gpu_rows(selected, filters.pricing_type or PricingType.ON_DEMAND)
    if filters.pricing_type:
        rows = [r for r in rows if r.cheapest is not None]
    return [gpu_out(r) for r in rows]


@router.get("/gpus/{slug}", response=responses(GpuDetailOut), summary="One GPU and its market")
def gpu(request, slug: str):
    """Its specs, the on-demand figures of /gpus/ and the market at every pricing type. Three queries."""
    gpu = get_object_or_404(Gpu, slug=slug)
    row = queries.gpu_rows([gpu])[0]
    market = queries.current_market(gpu_ids=[gpu.pk])
    markets = [
        {
            "pricing_type": pricing_type,
            "cheapest_usd_per_gpu_hour": m.cheapest,
            "p25_usd_per_gpu_hour": m.p25,
            "median_usd_per_gpu_hour": m.median,
            "p75_usd_per_gpu_hour": m.p75,
            "provider_count": m.provider_count,
        }
        for pricing_type in PricingType.values
        if (m := market.get((gpu.pk, pricing_type)))
    ]
    return gpu_out(row) | {"markets": markets}


def gpu_offering_out(o, today) -> dict:
    return {
        "provider": o.provider.slug,
        "provider_name": o.provider.name,
        "instance": o.instance_name,
        "gpus_per_instance": o.gpus_per_instance,
        "pricing_type": o.pricing_type,
        "region": o.region,
        "usd_per_gpu_hour": o.latest_usd_per_gpu_hour,
        "usd_per_instance_hour": o.latest_usd_per_instance_hour,
        "price_date": o.latest_observed_on,
        "last_seen_on": o.last_seen_on,
        "status": o.freshness(today),
        "source": o.latest_source,
        "source_url": o.latest_source_url,
    }


@router.get(
    "/gpus/{slug}/offerings",
    response=responses(list[GpuOfferingOut]),
    summary="One GPU's listed offerings, cheapest first",
)
@paginate(Pagination)
def gpu_offerings(request, slug: str, filters: Query[OfferingFilters]):
    """The table of /gpus/<slug>/: current and stale offerings with their latest price. Two queries."""
    gpu = get_object_or_404(Gpu, slug=slug)
    today = today_utc()
    offerings = queries.gpu_offerings(gpu, today)
    if filters.provider and filters.provider not in {o.provider.slug for o in offerings}:
        refuse([("provider", f"no listed offering of {gpu.slug} from provider {filters.provider!r}.")])
    rows = [gpu_offering_out(o, today) for o in offerings]
    return [
        row
        for row, o in zip(rows, offerings, strict=True)
        if (filters.status is None or row["status"] == filters.status)
        and (filters.pricing_type is None or o.pricing_type == filters.pricing_type)
        and (filters.gpus is None or o.gpus_per_instance == filters.gpus)
        and (filters.provider is None or o.provider.slug == filters.provider)
    ]


@router.get(
    "/gpus/{slug}/history",
    response=responses(list[GpuHistoryOut]),
    summary="One GPU's daily cheapest, quartiles and median",
)
@paginate(Pagination)
def gpu_history(request, slug: str, filters: Query[HistoryFilters]):
    """The daily statistics the history chart of /gpus/<slug>/ draws, oldest first. Two queries."""
    gpu = get_object_or_404(Gpu, slug=slug)
    check_range(filters.start, filters.end)
    stats = GpuDailyStat.objects.filter(gpu=gpu).order_by("day", "pricing_type")
    if filters.start:
        stats = stats.filter(day__gte=filters.start)
    if filters.end:
        stats = stats.filter(day__lte=filters.end)
    if filters.pricing_type:
        stats = stats.filter(pricing_type=filters.pricing_type)
    return [
        {
            "day": s.day,
            "pricing_type": s.pricing_type,
            "cheapest_usd_per_gpu_hour": s.cheapest_usd_per_gpu_hour,
            "p25_usd_per_gpu_hour": s.p25_usd_per_gpu_hour,
            "median_usd_per_gpu_hour": s.median_usd_per_gpu_hour,
            "p75_usd_per_gpu_hour": s.p75_usd_per_gpu_hour,
            "provider_count": s.provider_count,
            "offering_count": s.offering_count,
        }
        for s in stats
    ]


# Providers


class ProviderOut(Schema):
    slug: str
    name: str
    url: str
    website: str
    offers: Literal[tuple(Provider.Offers.values)]
    gpu_type_count: int = Field(..., description="GPU types it rents currently.")
    model_count: int = Field(..., description="Models it serves currently.")
    median_vs_market: Ratio | None = Field(
        ..., description="Median over its GPUs of (its cheapest price / market median - 1); 0.12 = 12% above."
    )
    compared_gpu_markets: int


class ProviderGpuOfferingOut(GpuOfferingOut):
    gpu: str = Field(..., description="GPU slug.")
    gpu_name: str
    market_median_usd_per_gpu_hour: UsdPerGpuHour | None
    vs_median: Ratio | None


class ProviderInferenceOfferingOut(Schema):
    model: str = Field(..., description="Model slug.")
    model_name: str
    quantization: str
    serving_kind: str
    usd_per_mtok_input: UsdPerMtok | None
    usd_per_mtok_output: UsdPerMtok | None
    usd_per_mtok_blended_3to1: UsdPerMtok | None
    usd_per_mtok_cached_input: UsdPerMtok | None
    batch_discount: Ratio | None
    cheapest_blended_same_model: UsdPerMtok | None
    cheapest_provider: str | None
    vs_cheapest: Ratio | None
    price_date: date | None
    last_seen_on: date | None
    status: Freshness


class ProviderDetailOut(ProviderOut):
    gpu_offerings: list[ProviderGpuOfferingOut]
    inference_offerings: list[ProviderInferenceOfferingOut]


class ProviderFilters(Schema):
    offers: Literal["gpu", "inference", "both"] | None = Field(
        None, description="gpu: rents GPUs; inference: serves an inference API; both: both."
    )


def provider_out(row: queries.ProviderRow) -> dict:
    p = row.provider
    return {
        "slug": p.slug,
        "name": p.name,
        "url": p.get_absolute_url(),
        "website": p.website,
        "offers": p.offers,
        "gpu_type_count": row.gpu_type_count,
        "model_count": row.model_count,
        "median_vs_market": row.market_position,
        "compared_gpu_markets": row.compared_count,
    }


@router.get(
    "/providers", response=responses(list[ProviderOut], with_404=False), summary="Every provider against the market"
)
@paginate(Pagination)
def providers(request, filters: Query[ProviderFilters]):
    """Like /providers/, by name. Three queries."""
    selected = list(Provider.objects.all())
    if filters.offers == "gpu":
        selected = [p for p in selected if p.rents_gpus]
    elif filters.offers == "inference":
        selected = [p for p in selected if p.serves_inference]
    elif filters.offers == "both":
        selected = [p for p in selected if p.offers == Provider.Offers.BOTH]
    return [provider_out(r) for r in queries.provider_rows(selected)]


@router.get("/providers/{slug}", response=responses(ProviderDetailOut), summary="One provider in both markets")
def provider(request, slug: str):
    """Its GPU offerings against the market median and its inference offerings against the cheapest provider.

    Seven queries: the provider, its row on /providers/ (two), its GPU offerings and their market
    (two), its inference offerings and their market (two).
    """
    provider = get_object_or_404(Provider, slug=slug)
    today = today_utc()
    gpu_offerings = [
        gpu_offering_out(o, today)
        | {
            "gpu": o.gpu.slug,
            "gpu_name": o.gpu.name,
            "market_median_usd_per_gpu_hour": o.market.median if o.market else None,
            "vs_median": o.vs_median,
        }
        for o in queries.provider_gpu_offerings(provider, today)
        for o.provider in [provider]  # the query selects the GPU, not the provider we already hold
    ]
    inference = [
        {
            "model": o.model.slug,
            "model_name": o.model.name,
            "quantization": o.quantization,
            "serving_kind": o.serving_kind,
            "usd_per_mtok_input": o.latest_input,
            "usd_per_mtok_output": o.latest_output,
            "usd_per_mtok_blended_3to1": o.blended,
            "usd_per_mtok_cached_input": o.latest_cached_input,
            "batch_discount": o.latest_batch_discount,
            "cheapest_blended_same_model": o.cheapest_blended,
            "cheapest_provider": o.cheapest_provider,
            "vs_cheapest": o.vs_cheapest,
            "price_date": o.latest_observed_on,
            "last_seen_on": o.last_seen_on,
            "status": o.freshness(today),
        }
        for o in queries.provider_inference_offerings(provider, today)
    ]
    row = queries.provider_rows([provider])[0]
    return provider_out(row) | {"gpu_offerings": gpu_offerings, "inference_offerings": inference}
