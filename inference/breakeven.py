"""The breakeven calculator: /breakeven/ (a GET form) and GET /api/v1/breakeven (JSON).

Both read the same query parameters through BreakevenForm, fill what the reader left blank from the
database (the model's cheapest API offering; a throughput profile of the model and its GPU's
cheapest on-demand offering), and call inference.economics, so the page and the API agree to the
cent. Bad input is a 400 naming each field (API) or an error next to the field (page), never a 500.
Queries are constant in the size of the catalogue: see model_defaults().
"""

import math
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from computeprices.numbers import BoundedDecimalField
from providers.models import Gpu, GpuOffering, PricingType

from . import economics
from .economics import D
from .models import (
    InferenceOffering,
    LanguageModel,
    ServingKind,
    ThroughputPrecision,
    ThroughputProfile,
)

DEFAULT_TOKENS_PER_DAY = Decimal(100_000_000)
DEFAULT_INPUT_PER_OUTPUT = Decimal(3)  # the 3:1 convention of the blended price
DEFAULT_UTILIZATION = Decimal("0.5")
SENSITIVITY_UTILIZATIONS = [Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8")]
SUMMARY_UTILIZATION = Decimal("0.5")
KV_HEADROOM = Decimal("0.9")  # weights should leave a tenth of the memory for the KV cache and activations

# Sane ceilings: inputs beyond these are typos, and bounding them keeps the arithmetic finite and quick.
MAX_TOKENS_PER_DAY = Decimal("1e15")
MAX_USD_PER_MTOK = Decimal(10_000)
MAX_USD_PER_GPU_HOUR = Decimal(10_000)
MAX_TOKENS_PER_SECOND = Decimal("1e9")
MIN_TOKENS_PER_SECOND = Decimal("0.01")


# --- the form ------------------------------------------------------------------------------------


def _decimal(label, *, minimum=Decimal(0), maximum=None, help_text=""):
    # Bounded before any arithmetic (text, exponent, magnitude, 6 decimal places): see computeprices.numbers.
    return BoundedDecimalField(
        label=label,
        required=False,
        minimum=minimum,
        maximum=maximum,
        places=6,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
    )


def _rate(label, help_text=""):
    return _decimal(label, minimum=Decimal(0), maximum=Decimal(1), help_text=help_text)


class BreakevenForm(forms.Form):
    """Every input is optional here; what stays missing after the defaults is reported per field."""

    model = forms.ModelChoiceField(
        LanguageModel.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(none: enter every number)",
    )
    gpu = forms.ModelChoiceField(
        Gpu.objects.order_by("name"),
        label="GPU",
        to_field_name="slug",
        required=False,
        empty_label="(from the profile)",
    )
    profile = forms.SlugField(required=False, max_length=150, widget=forms.HiddenInput)
    tokens_per_day = _decimal("Tokens per day", maximum=MAX_TOKENS_PER_DAY, help_text="input + output")
    input_per_output = _decimal("Input tokens per output token", maximum=Decimal(10_000), help_text="3 means a 3:1 mix")
    input_tokens_per_day = _decimal("Input tokens per day", maximum=MAX_TOKENS_PER_DAY)
    output_tokens_per_day = _decimal("Output tokens per day", maximum=MAX_TOKENS_PER_DAY)
    api_input_price = _decimal("API input price", maximum=MAX_USD_PER_MTOK, help_text="USD per 1M tokens")
    api_output_price = _decimal("API output price", maximum=MAX_USD_PER_MTOK, help_text="USD per 1M tokens")
    cached_input_price = _decimal(
        "Cached input price", maximum=MAX_USD_PER_MTOK, help_text="USD per 1M; blank = input price"
    )
    cache_hit_rate = _rate("Cache hit rate", "0 to 1")
    batch_share = _rate("Batch share", "0 to 1: share of traffic sent as batch")
    batch_discount = _rate("Batch discount", "0 to 1: 0.5 = half price")
    gpu_hourly_price = _decimal("GPU price", maximum=MAX_USD_PER_GPU_HOUR, help_text="USD per GPU-hour")
    gpus_per_replica = forms.IntegerField(
        label="GPUs per replica",
        required=False,
        min_value=1,
        max_value=100_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    prefill_tokens_per_second = _decimal(
        "Prefill tokens/s", maximum=MAX_TOKENS_PER_SECOND, help_text="per replica, aggregate"
    )
    decode_tokens_per_second = _decimal(
        "Decode tokens/s", maximum=MAX_TOKENS_PER_SECOND, help_text="per replica, aggregate"
    )
    precision = forms.ChoiceField(
        label="Precision (for the bounds)",
        choices=[("", "(from the profile)")] + list(ThroughputPrecision.choices),
        required=False,
    )
    utilization = _decimal(
        "Utilization", minimum=Decimal(0), maximum=Decimal(1), help_text="0 to 1: share of paid capacity doing work"
    )
    peak_to_average_ratio = _decimal(
        "Peak-to-average ratio", minimum=Decimal(1), maximum=Decimal(10_000), help_text="used when utilization is blank"
    )

    def clean(self):
        data = super().clean()
        for name in ("prefill_tokens_per_second", "decode_tokens_per_second"):
            value = data.get(name)
            if value is not None and value < MIN_TOKENS_PER_SECOND:
                self.add_error(name, "Throughput must be greater than zero.")
        if data.get("utilization") is not None and data["utilization"] <= 0:
            self.add_error("utilization", "Utilization must be greater than 0 (and at most 1).")
        return data


# --- defaults from the database ------------------------------------------------------------------


@dataclass
class ProfileChoice:
    profile: ThroughputProfile
    gpu_offering: GpuOffering
    prefill: Decimal
    prefill_source: str  # "profile", "sibling" (another profile's prefill figure) or "bound"
    prefill_profile: ThroughputProfile | None
    cost_per_mtok_full_use: Decimal

    @property
    def prefill_is_bound(self):
        return self.prefill_source == "bound"


@dataclass
class Defaults:
    """What the database suggests for one model (any part may be missing)."""

    model: LanguageModel | None = None
    api_offering: InferenceOffering | None = None
    choice: ProfileChoice | None = None
    gpu: Gpu | None = None
    gpu_offering: GpuOffering | None = None
    profiles: list = field(default_factory=list)  # every profile of the model, for the table
    gpu_offerings: dict = field(default_factory=dict)  # {gpu_id: cheapest on-demand offering}
    unknown_profile: str = ""  # a profile key asked for that is not one of this model's


def default_model():
    """The open-weight model with a throughput profile that most providers serve. One query."""
    return (
        LanguageModel.objects.filter(open_weights=True, throughput_profiles__isnull=False)
        .annotate(served_by=Count("offerings", distinct=True))
        .filter(served_by__gt=0)
        .order_by("-served_by", "name")
        .first()
    )


def _cheapest_api_offering(offerings, input_share):
    best, best_price = None, None
    for o in offerings:
        if o.latest_input is None or o.latest_output is None:
            continue
        price = input_share * o.latest_input + (1 - input_share) * o.latest_output
        if best is None or price < best_price:
            best, best_price = o, price
    return best


def _is_current(offering, today):
    return offering.last_seen_on is not None and offering.last_seen_on >= today - timedelta(days=STALE_AFTER_DAYS)


def _cheapest_gpu_offerings(gpu_ids):
    """{gpu_id: cheapest on-demand offering}, current ones first, else the newest stale price. One query."""
    today = today_utc()
    cheapest = {}
    offerings = (
        GpuOffering.objects.filter(gpu_id__in=gpu_ids, pricing_type=PricingType.ON_DEMAND)
        .with_latest_price()
        .select_related("provider", "gpu")
    )
    for o in offerings:
        if o.latest_usd_per_gpu_hour is None or o.latest_usd_per_gpu_hour <= 0:
            continue
        o.is_current = _is_current(o, today)
        best = cheapest.get(o.gpu_id)
        if best is None or (not o.is_current, o.latest_usd_per_gpu_hour) < (
            not best.is_current,
            best.latest_usd_per_gpu_hour,
        ):
            cheapest[o.gpu_id] = o
    return cheapest


def _profile_prefill(profile, siblings=()):
    """(prefill tokens/s, where from: "profile" | "sibling" | "bound", the sibling profile or None).

    A decode-phase rate without a prefill figure takes a published prefill rate of the same model on the
    same GPUs and replica size (the same source first, then the nearest prompt length): disaggregated
    serving measures the two phases on separate nodes, which is what busy = input/prefill + output/decode
    models. Otherwise the compute bound: a total-output figure already pays for its own prompts at the
    benchmark's mix, and the bound is the least the extra input tokens can cost.
    """
    if profile.prefill_tokens_per_second:
        return profile.prefill_tokens_per_second, "profile", None
    if profile.decode_measure == "decode":
        candidates = [
            s
            for s in siblings
            if s.pk != profile.pk
            and s.model_id == profile.model_id
            and s.gpu_id == profile.gpu_id
            and s.gpus_per_replica == profile.gpus_per_replica
            and s.prefill_tokens_per_second
            and s.prefill_measure == "prefill"
        ]
        if candidates:

            def nearness(s):
                length = (
                    abs(math.log(s.input_tokens / profile.input_tokens))
                    if s.input_tokens and profile.input_tokens
                    else 9
                )
                return (s.source_url != profile.source_url, length, s.key)

            sibling = min(candidates, key=nearness)
            return sibling.prefill_tokens_per_second, "sibling", sibling
    bound = profile.bounds().compute_tokens_per_second
    return (bound, "bound", None) if bound else (None, "", None)


def _mix_distance(profile, input_share):
    """How far the benchmark's input:output mix is from the reader's (0 when the figure is a phase rate)."""
    if profile.decode_measure == "decode" or not (profile.input_tokens and profile.output_tokens):
        return 0
    if input_share <= 0 or input_share >= 1:
        return 0
    wanted = float(input_share / (1 - input_share))
    return round(abs(math.log(profile.input_tokens / profile.output_tokens / wanted)), 1)


def choose_profile(profiles, gpu_offerings, input_share, siblings=()):
    """The profile to self-host with: the benchmark mix nearest the reader's, then the cheapest per 1M tokens."""
    best, best_key = None, None
    for p in profiles:
        offering = gpu_offerings.get(p.gpu_id)
        if offering is None or not p.decode_tokens_per_second:
            continue
        prefill, source, sibling = _profile_prefill(p, siblings)
        if not prefill:
            continue
        cost = economics.mix_cost_per_mtok(
            input_share, p.gpus_per_replica, offering.latest_usd_per_gpu_hour, prefill, p.decode_tokens_per_second, 1
        )
        key = (_mix_distance(p, input_share), cost)
        if best is None or key < best_key:
            best, best_key = ProfileChoice(p, offering, prefill, source, sibling, cost), key
    return best


def model_defaults(model, input_share, gpu=None, profile_key="") -> Defaults:
    """Defaults for a model: three queries (its offerings, its profiles, their GPUs' on-demand prices).

    `profile_key` picks one of the model's profiles; otherwise (or on `gpu`) the best one is chosen.
    """
    defaults = Defaults(model=model, gpu=gpu)
    if model is None:
        if gpu is not None:
            defaults.gpu_offering = _cheapest_gpu_offerings([gpu.pk]).get(gpu.pk)
        return defaults
    offerings = list(
        InferenceOffering.objects.filter(model=model)
        .exclude(serving_kind=ServingKind.BATCH)
        .with_latest_price()
        .select_related("provider")
    )
    today = today_utc()
    for o in offerings:
        o.is_current = _is_current(o, today)
    # Current serverless first; a stale price (shown as such) beats no default at all.
    for pool in (
        [o for o in offerings if o.is_current and o.serving_kind == ServingKind.SERVERLESS],
        [o for o in offerings if o.is_current],
        [o for o in offerings if o.serving_kind == ServingKind.SERVERLESS],
        offerings,
    ):
        defaults.api_offering = _cheapest_api_offering(pool, input_share)
        if defaults.api_offering is not None:
            break
    profiles = list(ThroughputProfile.objects.filter(model=model).select_related("gpu", "model"))
    defaults.profiles = profiles
    gpu_ids = {p.gpu_id for p in profiles} | ({gpu.pk} if gpu else set())
    gpu_offerings = _cheapest_gpu_offerings(gpu_ids) if gpu_ids else {}
    defaults.gpu_offerings = gpu_offerings
    candidates = profiles
    if profile_key:
        candidates = [p for p in profiles if p.key == profile_key]
        if not candidates:
            defaults.unknown_profile = profile_key
    if gpu is not None:
        candidates = [p for p in candidates if p.gpu_id == gpu.pk]
    defaults.choice = choose_profile(candidates, gpu_offerings, input_share, siblings=profiles)
    if defaults.choice is not None:
        defaults.gpu = defaults.gpu or defaults.choice.profile.gpu
        defaults.gpu_offering = defaults.choice.gpu_offering
    elif gpu is not None:
        defaults.gpu_offering = gpu_offerings.get(gpu.pk)
    return defaults


def self_host_summary(model):
    """The model's cheapest self-hosting cost per 1M tokens at 50% utilization and the 3:1 mix, or None.

    Three queries (see model_defaults). For the model page's slot, with a link to the calculator.
    """
    input_share = DEFAULT_INPUT_PER_OUTPUT / (DEFAULT_INPUT_PER_OUTPUT + 1)
    defaults = model_defaults(model, input_share)
    choice = defaults.choice
    if choice is None:
        return None
    return {
        "cost_per_mtok": choice.cost_per_mtok_full_use / SUMMARY_UTILIZATION,
        "utilization": SUMMARY_UTILIZATION,
        "profile": choice.profile,
        "gpu_offering": choice.gpu_offering,
        "gpu_hourly_price": choice.gpu_offering.latest_usd_per_gpu_hour,
        "url": f"{reverse('inference:breakeven')}?model={model.slug}",
    }


# --- resolving the inputs ------------------------------------------------------------------------


@dataclass
class Resolved:
    workload: economics.Workload | None
    values: dict = field(default_factory=dict)  # name -> Decimal/int used
    origins: dict = field(default_factory=dict)  # name -> where the value came from
    errors: dict = field(default_factory=dict)  # name -> [messages]
    defaults: Defaults = field(default_factory=Defaults)
    precision: str = ""


def resolve(cd, defaults: Defaults, *, page: bool) -> Resolved:
    """Combine what the reader typed with the defaults; a value neither gives is a 'missing' error."""
    r = Resolved(workload=None, defaults=defaults)
    offering, choice = defaults.api_offering, defaults.choice
    profile = choice.profile if choice else None

    def take(name, default=None, origin=""):
        value = cd.get(name)
        if value is not None:
            r.values[name], r.origins[name] = value, "you"
            return value
        if default is not None:
            r.values[name], r.origins[name] = default, origin
            return default
        return None

    def missing(name, why="Missing: enter a value."):
        r.errors.setdefault(name, []).append(why)

    # Volumes: input and output per day, or a total and a mix.
    if cd.get("input_tokens_per_day") is not None or cd.get("output_tokens_per_day") is not None:
        for name in ("input_tokens_per_day", "output_tokens_per_day"):
            if take(name) is None:
                missing(name, "Missing: give both input and output tokens per day.")
    else:
        total = take("tokens_per_day", DEFAULT_TOKENS_PER_DAY if page else None, "site default")
        ratio = take("input_per_output", DEFAULT_INPUT_PER_OUTPUT, "the 3:1 convention")
        if total is None:
            for name in ("input_tokens_per_day", "output_tokens_per_day"):
                missing(name, "Missing: give input and output tokens per day (or tokens_per_day and a mix).")
        else:
            share = ratio / (ratio + 1)
            r.values["input_tokens_per_day"] = total * share
            r.values["output_tokens_per_day"] = total - total * share
            r.origins["input_tokens_per_day"] = r.origins["output_tokens_per_day"] = "tokens per day x mix"

    where = _offering_origin(offering, "the cheapest current offering") if offering else ""
    take("api_input_price", offering.latest_input if offering else None, where)
    take("api_output_price", offering.latest_output if offering else None, where)
    take("cached_input_price", offering.latest_cached_input if offering else None, where)
    take("cache_hit_rate", Decimal(0), "site default")
    take("batch_share", Decimal(0), "site default")
    discount = offering.latest_batch_discount if offering and offering.latest_batch_discount is not None else None
    take(
        "batch_discount",
        discount if discount is not None else Decimal(0),
        where if discount is not None else "site default (no batch price listed)",
    )

    gpu_offering = defaults.gpu_offering
    gpu_where = (
        _offering_origin(gpu_offering, f"the cheapest current on-demand {gpu_offering.gpu.name}")
        if gpu_offering
        else ""
    )
    take("gpu_hourly_price", gpu_offering.latest_usd_per_gpu_hour if gpu_offering else None, gpu_where)
    profile_where = f"profile: {profile.engine}, {profile.load}".rstrip(", ") if profile else ""
    take("gpus_per_replica", profile.gpus_per_replica if profile else None, profile_where)
    if choice and choice.prefill_source == "bound":
        prefill_where = "the compute bound (no published prefill figure)"
    elif choice and choice.prefill_source == "sibling":
        sibling = choice.prefill_profile
        prefill_where = f"profile: {sibling.engine}, {sibling.load} (published prefill on the same replica)"
    else:
        prefill_where = profile_where
    take("prefill_tokens_per_second", choice.prefill if choice else None, prefill_where)
    take("decode_tokens_per_second", profile.decode_tokens_per_second if profile else None, profile_where)

    if cd.get("utilization") is not None:
        take("utilization")
    elif cd.get("peak_to_average_ratio") is not None:
        ratio = cd["peak_to_average_ratio"]
        r.values["peak_to_average_ratio"], r.origins["peak_to_average_ratio"] = ratio, "you"
        r.values["utilization"] = economics.utilization_from_peak_to_average(ratio)
        r.origins["utilization"] = "1 / peak-to-average ratio"
    elif page:
        take("utilization", DEFAULT_UTILIZATION, "site default")

    for name in (
        "api_input_price",
        "api_output_price",
        "gpu_hourly_price",
        "gpus_per_replica",
        "prefill_tokens_per_second",
        "decode_tokens_per_second",
        "utilization",
    ):
        if name not in r.values and name not in r.errors:
            missing(name, _missing_reason(name, defaults))
    r.precision = cd.get("precision") or (profile.precision if profile else "")
    if r.errors:
        return r
    v = r.values
    r.workload = economics.Workload(
        input_tokens_per_day=v["input_tokens_per_day"],
        output_tokens_per_day=v["output_tokens_per_day"],
        api_input_price=v["api_input_price"],
        api_output_price=v["api_output_price"],
        cached_input_price=v.get("cached_input_price"),
        cache_hit_rate=v["cache_hit_rate"],
        batch_share=v["batch_share"],
        batch_discount=v["batch_discount"],
        gpu_hourly_price=v["gpu_hourly_price"],
        gpus_per_replica=v["gpus_per_replica"],
        prefill_tokens_per_second=v["prefill_tokens_per_second"],
        decode_tokens_per_second=v["decode_tokens_per_second"],
        utilization=v["utilization"],
    )
    return r


def _offering_origin(offering, what):
    if getattr(offering, "is_current", True):
        return f"{offering.provider.name}, {what}"
    return (
        f"{offering.provider.name}, {what.replace('current ', '')} "
        f"(stale: last seen {offering.last_seen_on:%Y-%m-%d}; no current price)"
    )


def _missing_reason(name, defaults):
    model = defaults.model
    if name == "utilization":
        return "Missing: give utilization (0 to 1) or peak_to_average_ratio."
    if name.startswith("api_") and model is not None:
        return f"Missing: {model.name} has no API offering; enter a price."
    if name == "gpu_hourly_price" and defaults.gpu is not None:
        return f"Missing: no on-demand price for {defaults.gpu.name}; enter one."
    if model is not None and name in ("gpus_per_replica", "prefill_tokens_per_second", "decode_tokens_per_second"):
        return f"Missing: no usable throughput profile for {model.name}; enter a value."
    return "Missing: enter a value."


# --- what the page shows besides the two costs ---------------------------------------------------


def bounds_for(resolved: Resolved):
    """The physical bounds beside the throughput used, or None without a model and GPU."""
    model, gpu = resolved.defaults.model, resolved.defaults.gpu
    w = resolved.workload
    if model is None or gpu is None or w is None or not model.active_params_b:
        return None
    precision = resolved.precision or "bf16"
    b = economics.replica_bounds(
        model.active_params_b,
        w.gpus_per_replica,
        gpu.memory_bandwidth_gbps,
        gpu.bf16_dense_tflops,
        gpu.fp8_dense_tflops,
        precision,
    )
    profile = resolved.defaults.choice.profile if resolved.defaults.choice else None
    concurrency = profile.concurrency if profile and resolved.origins.get("decode_tokens_per_second") != "you" else None

    def over(value, bound):
        return bound is not None and D(value) > D(bound) * (1 + economics.BOUND_TOLERANCE)

    return {
        "gpu": gpu,
        "gpus": w.gpus_per_replica,
        "precision": precision,
        "precision_label": dict(ThroughputPrecision.choices).get(precision, precision),
        "compute": b.compute_tokens_per_second,
        "decode_per_sequence": b.decode_tokens_per_second_per_sequence,
        "concurrency": concurrency,
        "decode_aggregate_bound": (
            b.decode_tokens_per_second_per_sequence * concurrency
            if concurrency and b.decode_tokens_per_second_per_sequence
            else None
        ),
        "prefill_over": over(w.prefill_tokens_per_second, b.compute_tokens_per_second),
        "decode_over": over(w.decode_tokens_per_second, b.compute_tokens_per_second),
    }


PROFILE_FIELDS = (
    "profile",
    "gpu",
    "gpu_hourly_price",
    "gpus_per_replica",
    "prefill_tokens_per_second",
    "decode_tokens_per_second",
    "precision",
)


def profile_rows(resolved: Resolved, query):
    """The model's published profiles, cheapest per 1M tokens first at the reader's mix and utilization,
    each with a link that recomputes the page with it (no queries: model_defaults loaded them)."""
    d, w = resolved.defaults, resolved.workload
    if not d.profiles or w is None or w.tokens_per_day <= 0:
        return []
    share = D(w.input_tokens_per_day) / w.tokens_per_day
    keep = query.copy()
    for name in PROFILE_FIELDS:
        keep.pop(name, None)
    chosen = d.choice.profile.pk if d.choice else None
    rows = []
    for p in d.profiles:
        offering = d.gpu_offerings.get(p.gpu_id)
        prefill, source, _ = _profile_prefill(p, d.profiles)
        cost = None
        if offering is not None and prefill and p.decode_tokens_per_second:
            cost = economics.mix_cost_per_mtok(
                share,
                p.gpus_per_replica,
                offering.latest_usd_per_gpu_hour,
                prefill,
                p.decode_tokens_per_second,
                w.utilization,
            )
        link = keep.copy()
        link["profile"] = p.key
        rows.append(
            {
                "profile": p,
                "offering": offering,
                "cost_per_mtok": cost,
                "prefill_source": source,
                "chosen": p.pk == chosen,
                "query": link.urlencode(),
            }
        )
    rows.sort(key=lambda r: (r["cost_per_mtok"] is None, r["cost_per_mtok"] or 0, r["profile"].key))
    return rows


def sensitivity(w: economics.Workload):
    rows = []
    for u in SENSITIVITY_UTILIZATIONS:
        c = economics.compare(replace(w, utilization=u))
        rows.append({"utilization": u, "result": c})
    return rows


ROUTES = {
    "managed": ("Managed API", "Vendor lock-in and price changes you do not control; read the data-use terms."),
    "serverless": (
        "Hosted open-weight serverless",
        "The same model's price spreads ~10x across providers, and providers differ in quantization, context "
        "and rate limits: check the one you pick.",
    ),
    "dedicated": (
        "Dedicated endpoint",
        "You pay for the endpoint's hours whether busy or idle, and the saving over per-token is thin here: "
        "prove the utilization before committing.",
    ),
    "self_hosted": (
        "Self-hosted GPUs",
        "The saving assumes the utilization you entered; that needs traffic you can prove, plus on-call, "
        "upgrades and capacity planning, which this estimate does not price.",
    ),
}


def winning_route(result: economics.Comparison, model):
    """Which route from the route map wins at these inputs, and its main watchout."""
    if not result.self_host_cheaper:
        key = "serverless" if model is not None and model.open_weights else "managed"
    elif result.self_host_monthly_cost > result.api_monthly_cost * Decimal("0.7"):
        key = "dedicated"
    else:
        key = "self_hosted"
    name, watchout = ROUTES[key]
    return {"key": key, "name": name, "watchout": watchout}


PROCUREMENT_MATRIX = [
    {
        "route": "Managed API",
        "stage": "Prototype; any volume where a closed model is the best fit",
        "use_when": "Traffic is spiky or unknown, the best model is closed, or the team has no ML operations.",
        "evidence": "A quality evaluation on your own prompts and a month's token bill.",
        "avoid_when": "Data may not leave your environment, or one vendor's price move would break the margin.",
    },
    {
        "route": "Hosted open-weight serverless",
        "stage": "Early production on an open-weight model",
        "use_when": "An open model is good enough and you want per-token pricing with a choice of providers.",
        "evidence": "The same evaluation run against two or three providers (quantization and context differ).",
        "avoid_when": "You need guaranteed throughput or latency, or a custom fine-tune the providers do not host.",
    },
    {
        "route": "Dedicated endpoint",
        "stage": "Steady production traffic",
        "use_when": "Volume is past breakeven at a proven utilization, but you do not want to run GPUs.",
        "evidence": "Weeks of traffic logs showing the peak-to-average ratio, and a load test on the endpoint.",
        "avoid_when": "Traffic is bursty with long idle periods: you pay for the idle hours.",
    },
    {
        "route": "Self-hosted GPUs (rented)",
        "stage": "Large, steady volume with an operations team",
        "use_when": "Volume is well past breakeven, utilization is proven, and you can run the serving stack.",
        "evidence": "Throughput measured on your own prompts with your engine, and an on-call rota.",
        "avoid_when": "Utilization is a guess, or nobody owns upgrades, failures and capacity planning.",
    },
    {
        "route": "Owned hardware",
        "stage": "Years of predictable, high-utilization demand",
        "use_when": "Rented GPU-hours for a multi-year horizon cost more than buying, hosting and powering them.",
        "evidence": "A year of utilization history, a capacity plan, and a data-centre contract.",
        "avoid_when": "Demand could fall or models could outgrow the memory within the depreciation period.",
    },
]


def decision_gates(resolved: Resolved, result):
    """The procurement gates, each marked answered (with the answer) where the inputs already answer it."""
    v, o = resolved.values, resolved.origins
    model, gpu = resolved.defaults.model, resolved.defaults.gpu
    gates = []
    if "peak_to_average_ratio" in v:
        shape = f"Peak is {v['peak_to_average_ratio']}x the average: capacity sized for the peak runs at " + (
            f"{v['utilization']:.0%} utilization."
        )
        gates.append(("Demand shape", True, shape))
    elif o.get("utilization") == "you":
        gates.append(("Demand shape", True, f"You put utilization at {v['utilization']:.0%}."))
    else:
        gates.append(("Demand shape", False, "Give a peak-to-average ratio from your traffic logs."))
    gates.append(
        (
            "Utilization proof",
            False,
            "No form can prove it: weeks of traffic logs at the utilization you assume.",
        )
    )
    fit = None
    if model is not None and gpu is not None and model.total_params_b and resolved.workload is not None:
        precision = resolved.precision if resolved.precision in economics.BYTES_PER_PARAM else "bf16"
        weights_gb = model.total_params_b * economics.bytes_per_param(precision)
        memory_gb = Decimal(gpu.vram_gb) * resolved.workload.gpus_per_replica
        fits = weights_gb <= memory_gb * KV_HEADROOM
        fit = (
            f"{weights_gb:,.0f} GB of weights at {precision.upper()} "
            + ("fit" if fits else "do not fit")
            + f" in {memory_gb:,.0f} GB ({resolved.workload.gpus_per_replica}x {gpu.name}) with room for the KV "
            "cache; long contexts need more."
        )
    gates.append(("Memory and context fit", fit is not None, fit or "Pick a model and a GPU to check the fit."))
    gates.append(("Operations maturity", False, "Who is on call for the serving stack? Not something a form knows."))
    if result is not None:
        gates.append(
            (
                "Fallback economics",
                True,
                f"If self-hosting fails, the API costs ${economics.cents(result.api_monthly_cost):,} a month "
                "at these inputs.",
            )
        )
    else:
        gates.append(("Fallback economics", False, "Enter the API prices."))
    return [{"name": n, "answered": a, "text": t} for n, a, t in gates]


def cost_chart(w: economics.Workload, result: economics.Comparison):
    """Monthly cost against daily volume (log axes): the API a line, self-hosting a step."""
    volume = w.tokens_per_day
    if volume <= 0:
        return None
    span = [volume]
    if result.breakeven_tokens_per_day:
        span.append(result.breakeven_tokens_per_day)
    low, high = min(span) / 30, max(span) * 30
    n = 160
    ratio = float(high / low) ** (1 / (n - 1))
    factors = [D(float(low) * ratio**i) / volume for i in range(n)]
    points = economics.cost_curve(w, factors)
    xs = [float(p[0]) for p in points]
    # A plain dict in plotly's format: plotly.graph_objects validation costs tens of ms per request
    # (tests pass the figure through go.Figure, so plotly still checks it).
    data = [
        {"type": "scatter", "x": xs, "y": [float(p[1]) for p in points], "name": "API", "mode": "lines"},
        {
            "type": "scatter",
            "x": xs,
            "y": [float(p[2]) for p in points],
            "name": "Self-hosted GPUs",
            "mode": "lines",
            "line": {"shape": "hv"},
        },
        {
            "type": "scatter",
            "x": [float(volume)],
            "y": [float(result.api_monthly_cost)],
            "name": "Your volume",
            "mode": "markers",
            "marker": {"size": 10},
        },
    ]
    layout = {
        "xaxis": {"type": "log", "title": {"text": "Tokens per day"}},
        "yaxis": {"type": "log", "title": {"text": "USD per month"}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": 1.12, "x": 0},
        "template": "none",
    }
    if result.breakeven_tokens_per_day:
        x = float(result.breakeven_tokens_per_day)
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "x0": x,
                "x1": x,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot"},
            }
        ]
        layout["annotations"] = [
            {
                "text": "breakeven",
                "xref": "x",
                "x": x,
                "yref": "y domain",
                "y": 1,
                "showarrow": False,
                "xanchor": "left",
            }
        ]
    return {"data": data, "layout": layout}


# --- the views -----------------------------------------------------------------------------------


def _input_share(form):
    cd = form.cleaned_data if form.is_valid() else {}
    if cd.get("input_tokens_per_day") is not None and cd.get("output_tokens_per_day") is not None:
        total = cd["input_tokens_per_day"] + cd["output_tokens_per_day"]
        if total > 0:
            return cd["input_tokens_per_day"] / total
    ratio = cd.get("input_per_output")
    ratio = DEFAULT_INPUT_PER_OUTPUT if ratio is None else ratio
    return ratio / (ratio + 1)


def _calculate(request, *, page):
    """(form, resolved, result): the form bound to the query string, its defaults, and the comparison."""
    form = BreakevenForm(request.GET)
    valid = form.is_valid()
    if not valid and not page:
        return form, None, None
    # An invalid page still shows the defaults (as placeholders) for the fields that were fine.
    cd = form.cleaned_data
    model = cd.get("model")
    if page and "model" not in request.GET:
        model = default_model()
    defaults = model_defaults(model, _input_share(form), cd.get("gpu"), cd.get("profile") or "")
    resolved = resolve(cd, defaults, page=page)
    if defaults.unknown_profile and not page:
        # The page lets a profile left over from another model go (the reader changed the model).
        # Only this error: the fields it would have filled are not missing, the profile is wrong.
        resolved.errors = {"profile": [f"{defaults.unknown_profile!r} is not a throughput profile of this model."]}
        resolved.workload = None
    for name, messages in resolved.errors.items():
        if name in form.errors:
            continue
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not valid or resolved.workload is None:
        return form, resolved, None
    return form, resolved, economics.compare(resolved.workload)


def _number(value, places):
    if value is None:
        return None
    return float(D(value).quantize(Decimal(1).scaleb(-places)))


def _plain(value):
    """A number as a form would take it back: no exponent, no thousands separators, 2 decimals past 100."""
    if isinstance(value, int):
        return str(value)
    d = D(value)
    d = d.quantize(Decimal("0.01") if abs(d) >= 100 else Decimal("0.000001")).normalize()
    return f"{d:f}"


def _api_query(resolved):
    """The API query string that reproduces this page's numbers exactly (every input explicit)."""
    params = {
        name: _plain(value)
        for name, value in resolved.values.items()
        if name not in ("tokens_per_day", "input_per_output", "peak_to_average_ratio")
    }
    if resolved.defaults.model is not None:
        params["model"] = resolved.defaults.model.slug
    return urlencode(params)


@require_GET
def breakeven_api(request):
    """GET /api/v1/breakeven: the comparison as JSON; bad input is a 400 naming each field."""
    form, resolved, result = _calculate(request, page=False)
    if result is None:
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    v = resolved.values
    return JsonResponse(
        {
            "api_monthly_cost": _number(result.api_monthly_cost, 2),
            "self_host_monthly_cost": _number(result.self_host_monthly_cost, 2),
            "replicas": result.replicas,
            "gpus": result.gpus,
            "breakeven_tokens_per_day": (
                int(result.breakeven_tokens_per_day.to_integral_value()) if result.breakeven_tokens_per_day else None
            ),
            "no_breakeven_reason": result.no_breakeven_reason or None,
            "self_host_cost_per_mtok": _number(result.self_host_cost_per_mtok, 6),
            "api_cost_per_mtok": _number(result.api_cost_per_mtok, 6),
            "api_daily_cost": _number(result.api_daily_cost, 2),
            "busy_fraction": _number(result.busy_fraction, 6),
            "cheaper": "self_host" if result.self_host_cheaper else "api",
            "inputs": {name: (value if isinstance(value, int) else _number(value, 6)) for name, value in v.items()}
            | {
                "model": resolved.defaults.model.slug if resolved.defaults.model else None,
                "gpu": resolved.defaults.gpu.slug if resolved.defaults.gpu else None,
            },
            "sources": resolved.origins,
        }
    )


@require_GET
def breakeven_page(request):
    """/breakeven/: the calculator. Queries: the form's model and GPU, the defaults (three), the selects."""
    form, resolved, result = _calculate(request, page=True)
    context = {"form": form, "resolved": resolved, "result": result}
    if resolved is not None:
        for name, value in resolved.values.items():
            if name in form.fields and resolved.origins.get(name) != "you":
                form.fields[name].widget.attrs["placeholder"] = _plain(value)
        context["api_query"] = _api_query(resolved)
        if "model" not in request.GET and resolved.defaults.model is not None:
            form.initial["model"] = resolved.defaults.model.slug
            form.data = form.data.copy()
            form.data["model"] = resolved.defaults.model.slug
    if result is not None:
        w = resolved.workload
        context |= {
            "workload": w,
            "sensitivity": sensitivity(w),
            "chart": cost_chart(w, result),
            "bounds": bounds_for(resolved),
            "route": winning_route(result, resolved.defaults.model),
            "profile_choice": resolved.defaults.choice,
            "profile_rows": profile_rows(resolved, request.GET),
        }
    context["gates"] = decision_gates(resolved, result) if resolved is not None else []
    context["matrix"] = PROCUREMENT_MATRIX
    context["routes"] = [name for name, _ in ROUTES.values()]
    context["today"] = today_utc()
    return render(request, "inference/breakeven.html", context, status=200)
