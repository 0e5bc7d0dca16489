"""Column specs of the GPU and provider tables: what each sorts by and what each CSV writes.

A sort maps ?sort=<name> to a key function (None sorts last); a CSV spec is a list of
computeprices.tables.Column(header, read(row)).
"""

from decimal import Decimal

from computeprices.tables import Column as C

from .models import PricingType


def ratio(value, places=Decimal("0.000001")):
    return value.quantize(places) if value is not None else None


# /gpus/
GPU_SORTS = {
    "name": lambda r: r.gpu.name.lower(),
    "vendor": lambda r: (r.gpu.get_vendor_display().lower(), r.gpu.name.lower()),
    "vram": lambda r: r.gpu.vram_gb,
    "cheapest": lambda r: r.cheapest,
    "median": lambda r: r.median,
    "spot": lambda r: r.cheapest_spot,
    "providers": lambda r: r.provider_count,
    "per_gb": lambda r: r.usd_per_gb_hour,
    "per_pflop": lambda r: r.usd_per_pflop_hour,
}
GPU_CSV = [
    C("gpu", lambda r: r.gpu.name),
    C("slug", lambda r: r.gpu.slug),
    C("vendor", lambda r: r.gpu.get_vendor_display()),
    C("architecture", lambda r: r.gpu.architecture),
    C("vram_gb", lambda r: r.gpu.vram_gb),
    C("pricing_type", lambda r: r.pricing_type),
    C("cheapest_usd_per_gpu_hour", lambda r: r.cheapest),
    C("median_usd_per_gpu_hour", lambda r: ratio(r.median, Decimal("0.0001"))),
    C("cheapest_spot_usd_per_gpu_hour", lambda r: r.cheapest_spot),
    C("providers", lambda r: r.provider_count),
    C("usd_per_gb_vram_hour", lambda r: ratio(r.usd_per_gb_hour)),
    C("usd_per_bf16_pflop_hour", lambda r: ratio(r.usd_per_pflop_hour)),
]

# /gpus/<slug>/
GPU_OFFERING_SORTS = {
    "price": lambda o: o.latest_usd_per_gpu_hour,
    "instance_price": lambda o: o.latest_usd_per_instance_hour,
    "provider": lambda o: o.provider.name.lower(),
    "gpus": lambda o: o.gpus_per_instance,
    "last_seen": lambda o: o.last_seen_on,
}
GPU_OFFERING_CSV = [
    C("provider", lambda o: o.provider.name),
    C("instance", lambda o: o.instance_name),
    C("gpus_per_instance", lambda o: o.gpus_per_instance),
    C("pricing_type", lambda o: o.pricing_type),
    C("region", lambda o: o.region),
    C("usd_per_gpu_hour", lambda o: o.latest_usd_per_gpu_hour),
    C("usd_per_instance_hour", lambda o: o.latest_usd_per_instance_hour),
    C("last_seen_on", lambda o: o.last_seen_on),
    C("status", lambda o: o.status),
    C("source_url", lambda o: o.latest_source_url),
]
GPU_HISTORY_CSV = [
    C("day", lambda s: s.day),
    C("cheapest_usd_per_gpu_hour", lambda s: s.cheapest_usd_per_gpu_hour),
    C("p25_usd_per_gpu_hour", lambda s: s.p25_usd_per_gpu_hour),
    C("median_usd_per_gpu_hour", lambda s: s.median_usd_per_gpu_hour),
    C("p75_usd_per_gpu_hour", lambda s: s.p75_usd_per_gpu_hour),
    C("providers", lambda s: s.provider_count),
    C("offerings", lambda s: s.offering_count),
]

# /providers/
PROVIDER_SORTS = {
    "name": lambda r: r.provider.name.lower(),
    "gpus": lambda r: r.gpu_type_count,
    "models": lambda r: r.model_count,
    "position": lambda r: r.market_position,
    "token_position": lambda r: r.token_position,
}
PROVIDER_CSV = [
    C("provider", lambda r: r.provider.name),
    C("slug", lambda r: r.provider.slug),
    C("offers", lambda r: r.provider.offers),
    C("gpu_types", lambda r: r.gpu_type_count),
    C("models", lambda r: r.model_count),
    C("median_vs_market", lambda r: ratio(r.market_position)),
    C("compared_gpu_markets", lambda r: r.compared_count),
    C("tokens_vs_cheapest", lambda r: ratio(r.token_position)),
    C("compared_models", lambda r: r.token_compared_count),
]

# /providers/<slug>/
PROVIDER_GPU_SORTS = {
    "gpu": lambda o: (o.gpu.name.lower(), o.pricing_type),
    "price": lambda o: o.latest_usd_per_gpu_hour,
    "vs_median": lambda o: o.vs_median,
}
PROVIDER_GPU_CSV = [
    C("gpu", lambda o: o.gpu.name),
    C("gpu_slug", lambda o: o.gpu.slug),
    C("instance", lambda o: o.instance_name),
    C("gpus_per_instance", lambda o: o.gpus_per_instance),
    C("pricing_type", lambda o: o.pricing_type),
    C("region", lambda o: o.region),
    C("usd_per_gpu_hour", lambda o: o.latest_usd_per_gpu_hour),
    C("usd_per_instance_hour", lambda o: o.latest_usd_per_instance_hour),
    C("market_median_usd_per_gpu_hour", lambda o: ratio(o.market.median, Decimal("0.0001")) if o.market else None),
    C("diff_usd", lambda o: ratio(o.diff_from_median, Decimal("0.0001"))),
    C("vs_median", lambda o: ratio(o.vs_median)),
    C("last_seen_on", lambda o: o.last_seen_on),
    C("status", lambda o: o.status),
]
PROVIDER_INFERENCE_CSV = [
    C("model", lambda o: o.model.name),
    C("model_slug", lambda o: o.model.slug),
    C("quantization", lambda o: o.quantization),
    C("serving_kind", lambda o: o.serving_kind),
    C("usd_per_mtok_input", lambda o: o.latest_input),
    C("usd_per_mtok_output", lambda o: o.latest_output),
    C("usd_per_mtok_blended_3to1", lambda o: ratio(o.blended)),
    C("usd_per_mtok_cached_input", lambda o: o.latest_cached_input),
    C("batch_discount", lambda o: o.latest_batch_discount),
    C("cheapest_blended_same_model", lambda o: ratio(o.cheapest_blended)),
    C("cheapest_provider", lambda o: o.cheapest_provider),
    C("vs_cheapest", lambda o: ratio(o.vs_cheapest)),
    C("status", lambda o: o.status),
]

# /compare/<a>-vs-<b>/
COMPARE_SORTS = {
    "gpu": lambda s: (s.gpu.name.lower(), PricingType.values.index(s.pricing_type)),
    "diff": lambda s: s.diff,
    "diff_relative": lambda s: s.diff_relative,
}


def compare_csv(a, b):
    return [
        C("gpu", lambda s: s.gpu.name),
        C("pricing_type", lambda s: s.pricing_type),
        C(f"{a.slug}_usd_per_gpu_hour", lambda s: s.a.latest_usd_per_gpu_hour),
        C(f"{a.slug}_instance", lambda s: s.a.instance_name),
        C(f"{b.slug}_usd_per_gpu_hour", lambda s: s.b.latest_usd_per_gpu_hour),
        C(f"{b.slug}_instance", lambda s: s.b.instance_name),
        C("diff_usd_b_minus_a", lambda s: s.diff),
        C("diff_relative_b_vs_a", lambda s: ratio(s.diff_relative)),
    ]


def compare_models_csv(a, b):
    return [
        C("model", lambda s: s.model.name),
        C("model_slug", lambda s: s.model.slug),
        C(f"{a.slug}_usd_per_mtok_blended", lambda s: ratio(s.a_blended)),
        C(f"{b.slug}_usd_per_mtok_blended", lambda s: ratio(s.b_blended)),
        C("diff_relative_b_vs_a", lambda s: ratio(s.diff_relative)),
    ]


COMPARE_EXCLUSIVE_CSV = [
    C("only_at", lambda e: e.provider.name),
    C("gpu", lambda e: e.offering.gpu.name),
    C("pricing_type", lambda e: e.offering.pricing_type),
    C("instance", lambda e: e.offering.instance_name),
    C("gpus_per_instance", lambda e: e.offering.gpus_per_instance),
    C("region", lambda e: e.offering.region),
    C("usd_per_gpu_hour", lambda e: e.offering.latest_usd_per_gpu_hour),
]
