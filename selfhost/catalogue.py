"""Reading both markets for the self-hosting side: specs, measured profiles, the cheapest prices.

The only module of the planner/throughput/advisor stack that touches the ORM: it turns `inference`
and `providers` rows into the plain dataclasses those pure modules take. Queries are constant in the
size of the catalogue (each function says how many).

`per_version(name, compute)` keeps what the defaults are built from (the measured profiles, each model's
API offerings, candidate GPUs and their cheapest prices, the fitted efficiencies) in the cache under
`computeprices.dataversion.cache_namespace()`, so each is computed once per data version (and UTC day,
where "current" matters); a publish changes the namespace, and a dead cache only means computing again.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, F, When, Window
from django.db.models.functions import RowNumber

from computeprices.dataversion import cache_call, cache_namespace
from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from inference.models import DecodeMeasure, InferenceOffering, LanguageModel, ServingKind, ThroughputProfile
from providers.models import Gpu, GpuOffering, PricingType

from . import planner, throughput

# The GPUs every open model is planned on (issue #11, point 8), by catalogue slug.
PLANNED_GPUS = ("h100-sxm", "h200", "a100-80gb-sxm", "l40s", "b200", "mi300x")


CACHE_SECONDS = 24 * 60 * 60  # a publish changes the key long before this
CACHE_KEY_VERSION = 1  # bump when what is cached changes shape
UNSAFE_IN_KEY = re.compile(r"[^\w:.,-]")  # spaces and the like: memcached-safe keys


def per_version(name: str, compute):
    """compute(), kept in the cache once per data version. A dead cache is a miss, never an error."""
    key = f"{cache_namespace()}:selfhost:v{CACHE_KEY_VERSION}:{UNSAFE_IN_KEY.sub('_', name)}"
    found = cache_call("get", key)
    if isinstance(found, tuple) and len(found) == 1:  # wrapped, so a cached None or [] is a hit
        return found[0]
    value = compute()
    cache_call("set", key, (value,), CACHE_SECONDS)
    return value


def gpu_spec(gpu: Gpu) -> planner.GpuSpec:
    return planner.GpuSpec(
        slug=gpu.slug,
        name=gpu.name,
        vram_gb=float(gpu.vram_gb or 0),
        bandwidth_gbps=float(gpu.memory_bandwidth_gbps) if gpu.memory_bandwidth_gbps else None,
        bf16_tflops=float(gpu.bf16_dense_tflops) if gpu.bf16_dense_tflops else None,
        fp8_tflops=float(gpu.fp8_dense_tflops) if gpu.fp8_dense_tflops else None,
        architecture=gpu.architecture or "",
    )


def model_spec(model: LanguageModel) -> planner.ModelSpec:
    kv = model.kv_bytes_per_token
    return planner.ModelSpec(
        slug=model.slug,
        name=model.name,
        total_params_b=float(model.total_params_b) if model.total_params_b else None,
        active_params_b=float(model.active_params_b) if model.active_params_b else None,
        kv_bytes_per_token_bf16=float(kv) if kv else None,
        open_weights=model.open_weights,
    )


def profile_precision(profile, gpu: planner.GpuSpec) -> str:
    """An unstated precision is bounded by the best precision the GPU really has."""
    if profile.precision in planner.PRECISIONS and profile.precision in gpu.precisions:
        return profile.precision
    return gpu.best_precision or "bf16"


def corrected_gpus(model: planner.ModelSpec, gpu: planner.GpuSpec, precision, gpus) -> int:
    """A profile whose replica cannot hold the weights is restated on the smallest replica that can.

    Its per-GPU rate is kept (DeepSeek publishes per-node rates of a multi-node deployment).
    """
    if not model.total_params_b:
        return gpus
    for size in planner.REPLICA_SIZES:
        if size < gpus:
            continue
        memory = planner.memory_for(model, gpu, precision, size, 1, 0)
        if memory.fits:
            return size
    return gpus


def measured_from(profile: ThroughputProfile) -> list[throughput.Measured]:
    """The profile's figures as Measured rows (a prefill and a decode figure give two), corrected to a
    replica that holds the model. A prefill figure that counts cache hits is not a compute rate: it is kept
    for pricing the profile's own workload, and left out of the fit (throughput.FITTED_KINDS)."""
    model, gpu = model_spec(profile.model), gpu_spec(profile.gpu)
    if not model.active_params_b or model.kv_bytes_per_token_bf16 is None or not gpu.precisions:
        return []
    precision = profile_precision(profile, gpu)
    gpus = corrected_gpus(model, gpu, precision, profile.gpus_per_replica)
    scale = gpus / profile.gpus_per_replica
    common = {
        "model": model,
        "gpu": gpu,
        "precision": precision,
        "gpus": gpus,
        "input_tokens": profile.input_tokens,
        "output_tokens": profile.output_tokens,
        "engine": profile.engine,
    }
    rows = []
    if profile.prefill_tokens_per_second:
        cached = profile.prefill_measure != "prefill"
        rows.append(
            throughput.Measured(
                key=f"{profile.key}:{'prefill_with_cache_hits' if cached else 'prefill'}",
                kind="prefill_with_cache_hits" if cached else "prefill",
                value=float(profile.prefill_tokens_per_second) * scale,
                **common,
            )
        )
    if profile.decode_tokens_per_second:
        kind = "decode" if profile.decode_measure == DecodeMeasure.DECODE else "total_output"
        concurrency = int(profile.concurrency * scale) if profile.concurrency else None
        rows.append(
            throughput.Measured(
                key=f"{profile.key}:{'decode' if kind == 'decode' else 'output'}",
                kind=kind,
                value=float(profile.decode_tokens_per_second) * scale,
                concurrency=concurrency,
                **common,
            )
        )
    return rows


def measured_profiles(profiles=None) -> tuple:
    """Every usable measured figure (one query when `profiles` is not given)."""
    if profiles is None:
        profiles = ThroughputProfile.objects.select_related("model", "gpu").order_by("key")
    rows = []
    for p in profiles:
        rows += measured_from(p)
    return tuple(rows)


def cached_measured_profiles() -> tuple:
    """measured_profiles() once per data version."""
    return per_version("measured", measured_profiles)


def cached_api_offerings(model) -> list:
    """api_offerings(model) once per data version and UTC day."""
    return per_version(f"api-offerings:{model.pk}:{today_utc():%Y%m%d}", lambda: api_offerings(model))


def cached_gpu_offerings(gpu_ids) -> dict:
    """cheapest_gpu_offerings(gpu_ids) once per data version and UTC day."""
    ids = sorted(set(gpu_ids))
    name = f"gpu-offerings:{today_utc():%Y%m%d}:{','.join(map(str, ids))}"
    return per_version(name, lambda: cheapest_gpu_offerings(ids))


def candidate_gpus(model, measured) -> list:
    """The GPUs a model is planned on: PLANNED_GPUS and every GPU it was measured on. One query per data version."""
    from django.db.models import Q

    slugs = sorted({m.gpu.slug for m in measured if m.model.slug == model.slug})
    return per_version(
        f"candidates:{model.pk}",
        lambda: list(Gpu.objects.filter(Q(slug__in=PLANNED_GPUS) | Q(slug__in=slugs))),
    )


def cached_efficiency(measured, cls, moe, generation):
    """throughput.efficiency_for (a fit over every measured profile) once per data version."""
    return per_version(
        f"efficiency:{cls}:{int(bool(moe))}:{generation}",
        lambda: throughput.efficiency_for(measured, cls, moe, generation),
    )


def is_current(offering, today):
    return offering.last_seen_on is not None and offering.last_seen_on >= today - timedelta(days=STALE_AFTER_DAYS)


def cheapest_gpu_offerings(gpu_ids) -> dict:
    """{gpu_id: cheapest on-demand offering}, current ones first, else the newest stale price. One query.

    The database ranks each GPU's priced on-demand offerings (current first, then price, then the offerings'
    own order, as a first-found minimum over them did) and returns the first of each: one row per GPU
    instead of every offering (thousands per GPU at 100x the catalogue).
    """
    today = today_utc()
    current = Case(When(last_seen_on__gte=today - timedelta(days=STALE_AFTER_DAYS), then=1), default=0)
    ranked = (
        GpuOffering.objects.filter(
            gpu_id__in=gpu_ids, pricing_type=PricingType.ON_DEMAND, latest_usd_per_gpu_hour__gt=0
        )
        .with_latest_price()
        .select_related("provider", "gpu")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("gpu_id")],
                order_by=[
                    current.desc(),
                    F("latest_usd_per_gpu_hour").asc(),
                    F("gpu__name").asc(),  # GpuOffering.Meta.ordering: the order the loop met them in
                    F("provider__name").asc(),
                    F("gpus_per_instance").asc(),
                    F("pk").asc(),
                ],
            )
        )
        .filter(rank=1)
    )
    cheapest = {}
    for o in ranked:
        o.is_current = is_current(o, today)
        cheapest[o.gpu_id] = o
    return cheapest


def api_offerings(model) -> list:
    """The model's non-batch offerings that cheapest_api_offering() can pick, with their latest prices, each
    marked is_current, in the offerings' own order. One query.

    Kept: the priced offerings no other offering of the same kind and freshness undercuts on both prices
    (pareto_front). cheapest_api_offering() weighs input and output by shares between 0 and 1 and picks
    within unions of those groups, so what is dropped could never be picked; what is cached per data version
    stays a few dozen rows instead of every offering (over a thousand for the busiest model at 100x).
    """
    offerings = list(
        InferenceOffering.objects.filter(model=model)
        .exclude(serving_kind=ServingKind.BATCH)
        .with_latest_price()
        .select_related("provider")
    )
    today = today_utc()
    groups = {}
    for o in offerings:
        o.is_current = is_current(o, today)
        if o.latest_input is not None and o.latest_output is not None:
            groups.setdefault((o.serving_kind, o.is_current), []).append(o)
    kept = {id(o) for group in groups.values() for o in pareto_front(group)}
    return [o for o in offerings if id(o) in kept]


def pareto_front(offerings) -> list:
    """The offerings no other one beats on both input and output price (ties on either are all kept). No queries."""
    front = []
    ordered = sorted(offerings, key=lambda o: o.latest_input)
    best_output = None  # the lowest output price among strictly cheaper inputs
    start = 0
    while start < len(ordered):
        end = start
        while end < len(ordered) and ordered[end].latest_input == ordered[start].latest_input:
            end += 1
        same_input = ordered[start:end]
        front += [o for o in same_input if best_output is None or o.latest_output <= best_output]
        lowest = min(o.latest_output for o in same_input)
        best_output = lowest if best_output is None else min(best_output, lowest)
        start = end
    return front


def cheapest_api_offering(offerings, input_share: Decimal, kinds=None):
    """Current serverless first; a stale price (shown as such) beats none."""
    if kinds is not None:
        offerings = [o for o in offerings if o.serving_kind in kinds]
    pools = (
        [o for o in offerings if o.is_current and o.serving_kind == ServingKind.SERVERLESS],
        [o for o in offerings if o.is_current],
        [o for o in offerings if o.serving_kind == ServingKind.SERVERLESS],
        offerings,
    )
    for pool in pools:
        best, best_price = None, None
        for o in pool:
            if o.latest_input is None or o.latest_output is None:
                continue
            price = input_share * o.latest_input + (1 - input_share) * o.latest_output
            if best is None or price < best_price:
                best, best_price = o, price
        if best is not None:
            return best
    return None
