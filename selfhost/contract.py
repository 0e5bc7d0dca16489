"""The one contract for /breakeven/ and GET /api/v1/breakeven: inputs, defaults, validation, the answer.

`compute(query)` binds the query to BreakevenForm, fills blanks with the same defaults for page and API
(every default recorded in `sources` with where it came from), plans a replica (selfhost.planner),
takes measured or estimated throughput (selfhost.throughput), prices both sides (inference.economics),
lists where self-hosting wins (selfhost.volumes) and advises a route (selfhost.advisor).
`breakeven_response(query) -> (status, dict)` is the JSON answer any view can wrap. Bad input is a 400
naming each field, never a 500. A latency target (tokens/s per user, p95 time to first token) that no
planned replica meets is a question, not bad input: the answer marks self-hosting ineligible (`Unmet`: the
closest replica and what it reaches), claims no breakeven volume, and prices the per-token offering
measured at that speed. Queries are constant in the size of the catalogue.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db.models import Count, Q

from inference import economics, speed
from inference.economics import D
from inference.models import LanguageModel, ServingKind
from providers.models import Gpu

from . import advisor, catalogue, planner, throughput, volumes
from .numbers import number_field

DEFAULT_TOKENS_PER_DAY = Decimal(100_000_000)
DEFAULT_INPUT_PER_OUTPUT = Decimal(3)  # the 3:1 convention of the blended price
DEFAULT_UTILIZATION = Decimal("0.5")
OUTPUT_TOKENS_PER_REQUEST = 500  # a request's answer; its prompt is input_per_output x this
MAX_TOKENS_PER_DAY = Decimal("1e15")
MAX_USD_PER_MTOK = Decimal(10_000)
MAX_USD_PER_GPU_HOUR = Decimal(10_000)
MAX_TOKENS_PER_SECOND = Decimal("1e9")
MIN_UTILIZATION = Decimal("0.01")
PRECISION_CHOICES = [("", "(the GPU's best: FP8 where it has it)"), ("bf16", "BF16"), ("fp8", "FP8"), ("fp4", "FP4")]
RESIDENCY_CHOICES = [
    ("any", "Any: per-token APIs are fine"),
    ("region", "In a region: the provider must serve it there"),
    ("own_account", "In our own cloud account"),
]
UNITS = {
    "prices": "USD per 1M tokens (API), USD per GPU-hour (GPUs)",
    "costs": "USD per month (365/12 days; GPUs 730 hours)",
    "volumes": "tokens per day",
    "throughput": "tokens per second per replica (aggregate)",
    "memory": "GB (10^9 bytes)",
}


def _rate(label, help_text):
    return number_field(label, maximum=Decimal(1), help_text=help_text)


class BreakevenForm(forms.Form):
    """Every input is optional; what stays missing after the defaults is reported per field."""

    model = forms.ModelChoiceField(
        LanguageModel.objects.order_by("name"), to_field_name="slug", required=False, empty_label="(none)"
    )
    tokens_per_day = number_field("Tokens per day", maximum=MAX_TOKENS_PER_DAY, help_text="e.g. 100M or 2.5B")
    input_per_output = number_field("Input tokens per output token", maximum=Decimal(10_000), help_text="3 = 3:1")
    input_tokens_per_day = number_field("Input tokens per day", maximum=MAX_TOKENS_PER_DAY)
    output_tokens_per_day = number_field("Output tokens per day", maximum=MAX_TOKENS_PER_DAY)
    peak_to_average_ratio = number_field(
        "Peak-to-average ratio", minimum=Decimal(1), maximum=Decimal(1000), help_text="burstiness; sets utilization"
    )
    utilization = number_field(
        "Utilization", minimum=MIN_UTILIZATION, maximum=Decimal(1), help_text="0.01 to 1: share of paid GPU time busy"
    )
    tokens_per_second_per_user = number_field(
        "Speed per user", maximum=Decimal(10_000), positive=True, help_text="output tokens/s each user sees"
    )
    p95_ttft_ms = number_field(
        "p95 time to first token", maximum=Decimal(600_000), positive=True, help_text="milliseconds"
    )
    residency = forms.ChoiceField(label="Where data may go", choices=RESIDENCY_CHOICES, required=False)
    api_input_price = number_field("API input price", maximum=MAX_USD_PER_MTOK, help_text="USD per 1M tokens")
    api_output_price = number_field("API output price", maximum=MAX_USD_PER_MTOK, help_text="USD per 1M tokens")
    cached_input_price = number_field("Cached input price", maximum=MAX_USD_PER_MTOK, help_text="blank = input")
    cache_hit_rate = _rate("Cache hit rate", "0 to 1")
    batch_share = _rate("Batch share", "0 to 1: traffic sent as batch")
    batch_discount = _rate("Batch discount", "0 to 1: 0.5 = half price")
    gpu = forms.ModelChoiceField(
        Gpu.objects.order_by("name"), label="GPU", to_field_name="slug", required=False, empty_label="(cheapest plan)"
    )
    gpu_hourly_price = number_field("GPU price", maximum=MAX_USD_PER_GPU_HOUR, help_text="USD per GPU-hour")
    gpus_per_replica = number_field(
        "GPUs per replica", minimum=1, maximum=Decimal(100_000), integer=True, help_text="blank = smallest that fits"
    )
    precision = forms.ChoiceField(label="Precision", choices=PRECISION_CHOICES, required=False)
    context_tokens = number_field(
        "Context per sequence", minimum=Decimal(128), maximum=Decimal(10_000_000), integer=True, help_text="tokens"
    )
    concurrency = number_field(
        "Sequences held", minimum=1, maximum=Decimal(100_000), integer=True, help_text="at that context, for memory"
    )
    prefill_tokens_per_second = number_field(
        "Prefill tokens/s", maximum=MAX_TOKENS_PER_SECOND, positive=True, help_text="per replica"
    )
    decode_tokens_per_second = number_field(
        "Decode tokens/s", maximum=MAX_TOKENS_PER_SECOND, positive=True, help_text="per replica"
    )
    profile = forms.SlugField(required=False, max_length=150, widget=forms.HiddenInput)

    FIELDSETS = (  # the page's fieldsets: legend, then its inputs in order
        ("Workload", "model tokens_per_day input_per_output input_tokens_per_day output_tokens_per_day"),
        ("Demand and targets", "peak_to_average_ratio utilization tokens_per_second_per_user p95_ttft_ms residency"),
        (
            "Per-token API",
            "api_input_price api_output_price cached_input_price cache_hit_rate batch_share batch_discount",
        ),
        (
            "Rented GPUs",
            "gpu gpu_hourly_price gpus_per_replica precision context_tokens concurrency "
            "prefill_tokens_per_second decode_tokens_per_second",
        ),
    )

    def fieldsets(self):
        """[(legend, [bound fields])] in the page's order: every visible input once (profile is hidden)."""
        return [(legend, [self[name] for name in names.split()]) for legend, names in self.FIELDSETS]


# --- the answer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmet:
    """A latency target that no planned self-hosted replica meets: the closest replica and what it reaches.

    `reached` is the most output tokens/s one user sees on it (field tokens_per_second_per_user), or the
    least time to first token a prompt alone takes (field p95_ttft_ms); `basis` is measured or estimated.
    """

    field: str
    target: Decimal
    reached: float
    basis: str
    replica: str
    reason: str

    @property
    def unit(self):
        return "ms (p95 time to first token)" if self.field == "p95_ttft_ms" else "output tokens/s per user"

    @property
    def short_unit(self):
        return "ms" if self.field == "p95_ttft_ms" else "tokens/s"

    @property
    def brief(self):
        """One line for a table of GPUs: what this replica reaches against the target."""
        target = f"{self.target.normalize():f}"
        if self.field == "p95_ttft_ms":
            return (
                f"{self.replica}: a prompt alone takes ~{self.reached:,.0f} ms ({self.basis}), over your {target} ms."
            )
        return f"{self.replica}: at most ~{self.reached:,.0f} tokens/s per user ({self.basis}), under your {target}."


def _speed_unmet(plan, target, reached, basis):
    return Unmet(
        "tokens_per_second_per_user",
        D(target),
        reached,
        basis,
        plan.describe(),
        f"Self-hosting cannot meet {target:g} tokens/s per user: {plan.describe()} reaches at most "
        f"~{reached:,.0f} tokens/s for one user of {plan.model.name} ({basis}); a bigger replica (GPUs per "
        "replica) decodes faster.",
    )


def _ttft_unmet(plan, target, alone_ms, prompt_tokens, basis):
    return Unmet(
        "p95_ttft_ms",
        D(target),
        alone_ms,
        basis,
        plan.describe(),
        f"Self-hosting cannot meet a p95 time to first token of {target:g} ms: on {plan.describe()} a "
        f"{prompt_tokens:,}-token prompt alone takes ~{alone_ms:,.0f} ms to prefill ({basis}); a bigger replica "
        "prefills faster.",
    )


@dataclass(frozen=True)
class ApiBill:
    """The per-token side alone, for answers with no self-hosting figure (USD)."""

    daily: Decimal
    monthly: Decimal
    per_mtok: Decimal | None


@dataclass(frozen=True)
class ApiAtTarget:
    """The cheapest per-token offering measured at or above the user's speed (inference.speed), or why none."""

    target: Decimal
    offering: object = None
    tokens_per_second: Decimal | None = None
    measured_on: object = None
    monthly: Decimal | None = None
    fastest_provider: str = ""
    fastest_tokens_per_second: Decimal | None = None
    reason: str = ""

    def as_dict(self):
        o = self.offering
        return {
            "target_tokens_per_second_per_user": _number(self.target, 1),
            "met": o is not None,
            "provider": o.provider.name if o else None,
            "usd_per_mtok_input": _number(o.latest_input) if o else None,
            "usd_per_mtok_output": _number(o.latest_output) if o else None,
            "tokens_per_second_p50": _number(self.tokens_per_second, 1),
            "measured_on": self.measured_on.isoformat() if self.measured_on else None,
            "monthly_cost": _number(self.monthly, 2),
            "fastest_provider": self.fastest_provider or None,
            "fastest_tokens_per_second_p50": _number(self.fastest_tokens_per_second, 1),
            "reason": self.reason or None,
        }


@dataclass
class Answer:
    form: BreakevenForm
    values: dict = field(default_factory=dict)  # name -> value used
    origins: dict = field(default_factory=dict)  # name -> where it came from
    errors: dict = field(default_factory=dict)  # name -> [messages]
    model: LanguageModel | None = None
    gpu: Gpu | None = None
    plan: planner.Plan | None = None
    no_plan: planner.NoPlan | None = None
    rates: throughput.Rates | None = None
    profile: object = None  # the ThroughputProfile used, if measured
    api_offering: object = None
    gpu_offering: object = None
    workload: economics.Workload | None = None
    result: economics.Comparison | None = None
    ranges: volumes.Ranges | None = None
    route: dict | None = None
    notes: list = field(default_factory=list)
    candidates: list = field(default_factory=list)  # [(gpu, plan or NoPlan, rates, cost per 1M)] for the table
    model_profiles: list = field(default_factory=list)  # the model's measured profiles, for "use this one" links
    unmet: Unmet | None = None  # a latency target self-hosting cannot meet: no self-hosting figure, still an answer
    api_bill: ApiBill | None = None  # the API's figures when there is no comparison (unmet)
    api_at_target: ApiAtTarget | None = None  # the per-token offering measured at the user's speed

    @property
    def ok(self):
        return self.result is not None or (self.unmet is not None and self.api_bill is not None)

    @property
    def tokens_per_day(self):
        return self.values["input_tokens_per_day"] + self.values["output_tokens_per_day"]

    @property
    def api_monthly(self):
        return self.result.api_monthly_cost if self.result is not None else self.api_bill.monthly


def default_model():
    """The open-weight model most providers serve. One query."""
    return (
        LanguageModel.objects.filter(open_weights=True)
        .annotate(served_by=Count("offerings", filter=~Q(offerings__serving_kind=ServingKind.BATCH), distinct=True))
        .filter(served_by__gt=0)
        .order_by("-served_by", "name")
        .first()
    )


def _origin(offering, what):
    if getattr(offering, "is_current", True):
        return f"{offering.provider.name}, {what}"
    return (
        f"{offering.provider.name}, {what.replace('current ', '')} (stale: last seen {offering.last_seen_on:%Y-%m-%d})"
    )


def _fully_explicit(cd):
    return all(
        cd.get(n) is not None for n in ("gpus_per_replica", "prefill_tokens_per_second", "decode_tokens_per_second")
    )


def compute(query, api_speeds=None, model=None) -> Answer:
    """The answer for a query (a QueryDict or dict). `model` passes an already-loaded LanguageModel."""
    form = BreakevenForm(query)
    if model is not None:
        form.fields["model"].queryset = LanguageModel.objects.none()
    valid = form.is_valid()
    a = Answer(form=form)
    cd = form.cleaned_data
    if model is not None:
        cd["model"] = model

    def take(name, default=None, origin=""):
        if cd.get(name) is not None:
            a.values[name], a.origins[name] = cd[name], "you"
            return cd[name]
        if default is not None:
            a.values[name], a.origins[name] = default, origin
        return default

    def missing(name, why):
        a.errors.setdefault(name, []).append(why)

    # The model: the one asked for, else (unless the self-hosting side is fully explicit) the default.
    model = cd.get("model")
    if model is None and "model" not in query and not _fully_explicit(cd):
        model = catalogue.per_version("default-model", default_model)
        if model is not None:
            a.origins["model"] = "site default: the open-weight model most providers serve"
    elif model is not None:
        a.origins["model"] = "you"
    a.model = model
    if model is not None and not model.open_weights:
        missing(
            "model",
            f"{model.name} has closed weights: it cannot be self-hosted, so there is no self-hosting figure; "
            "only its vendor's API serves it.",
        )

    # Volumes and mix.
    if cd.get("input_tokens_per_day") is not None or cd.get("output_tokens_per_day") is not None:
        for name in ("input_tokens_per_day", "output_tokens_per_day"):
            if take(name) is None:
                missing(name, "Missing: give both input and output tokens per day.")
        total = sum(a.values.get(n, 0) for n in ("input_tokens_per_day", "output_tokens_per_day"))
        share = a.values.get("input_tokens_per_day", 0) / total if total else Decimal("0.75")
    else:
        total = take("tokens_per_day", DEFAULT_TOKENS_PER_DAY, "site default")
        ratio = take("input_per_output", DEFAULT_INPUT_PER_OUTPUT, "the 3:1 convention")
        share = ratio / (ratio + 1)
        a.values["input_tokens_per_day"] = total * share
        a.values["output_tokens_per_day"] = total - total * share
        a.origins["input_tokens_per_day"] = a.origins["output_tokens_per_day"] = "tokens per day x mix"
    ratio_io = share / (1 - share) if share < 1 else Decimal(100)
    input_per_request = max(1, min(200_000, int(ratio_io * OUTPUT_TOKENS_PER_REQUEST)))
    shape = (input_per_request, OUTPUT_TOKENS_PER_REQUEST)

    # Utilization: given, else 1 / peak-to-average, else the site default (page and API alike).
    if cd.get("utilization") is not None:
        take("utilization")
    elif cd.get("peak_to_average_ratio") is not None:
        a.values["peak_to_average_ratio"], a.origins["peak_to_average_ratio"] = cd["peak_to_average_ratio"], "you"
        a.values["utilization"] = max(
            MIN_UTILIZATION, economics.utilization_from_peak_to_average(cd["peak_to_average_ratio"])
        )
        a.origins["utilization"] = "1 / peak-to-average ratio"
    else:
        take("utilization", DEFAULT_UTILIZATION, "site default")
    a.values["residency"] = cd.get("residency") or "any"
    a.origins["residency"] = "you" if cd.get("residency") else "site default"
    for name in ("tokens_per_second_per_user", "p95_ttft_ms"):
        take(name)

    # The per-token side.
    offerings = catalogue.cached_api_offerings(model) if model is not None else []
    a.api_offering = catalogue.cheapest_api_offering(offerings, share) if offerings else None
    where = _origin(a.api_offering, "the cheapest current offering") if a.api_offering else ""
    o = a.api_offering
    take("api_input_price", o.latest_input if o else None, where)
    take("api_output_price", o.latest_output if o else None, where)
    take("cached_input_price", o.latest_cached_input if o else None, where)
    take("cache_hit_rate", Decimal(0), "site default")
    take("batch_share", Decimal(0), "site default")
    discount = o.latest_batch_discount if o is not None else None
    take(
        "batch_discount",
        discount if discount is not None else Decimal(0),
        where if discount is not None else "site default",
    )
    for name in ("api_input_price", "api_output_price"):
        if name not in a.values:
            missing(
                name,
                f"Missing: {model.name} has no API offering; enter a price." if model else "Missing: enter a price.",
            )

    if not valid:
        for name, messages in a.errors.items():
            if name in form.fields and name not in form.errors:
                for m in messages:
                    form.add_error(name, m)
        for name, messages in form.errors.items():
            a.errors[name] = list(messages)
        return a
    if "model" not in a.errors:
        _self_hosting(a, cd, model, shape, share)
    for name, messages in a.errors.items():
        if name in form.fields and name not in form.errors:
            for m in messages:
                form.add_error(name, m)
    if a.errors:
        return a
    v = a.values
    if a.unmet is not None:
        # A legitimate question with no self-hosting answer: the API's bill, no volume, the route that meets it.
        daily = economics.api_daily_cost(
            v["input_tokens_per_day"],
            v["output_tokens_per_day"],
            v["api_input_price"],
            v["api_output_price"],
            v.get("cached_input_price"),
            v["cache_hit_rate"],
            v["batch_share"],
            v["batch_discount"],
        )
        monthly = economics.monthly_from_daily(daily)
        mtok_per_month = total * economics.DAYS_PER_MONTH / economics.MILLION
        a.api_bill = ApiBill(daily, monthly, monthly / mtok_per_month if mtok_per_month > 0 else None)
        a.ranges = volumes.Ranges([], None, None, a.unmet.reason)
        a.route = _route(a, offerings, api_speeds)
        return a
    a.workload = economics.Workload(
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
    a.result = economics.compare(a.workload)
    a.ranges = volumes.winning_ranges(a.workload)
    a.route = _route(a, offerings, api_speeds)
    return a


def _cost_per_mtok(share, gpus, price, rates, utilization):
    return economics.mix_cost_per_mtok(share, gpus, price, D(rates.prefill), D(rates.decode), utilization)


def _measured_rates(plan, measured, profile_key, shape):
    """Rates from a measured profile of exactly this model, GPU, replica and precision, or None."""
    mine = [
        m
        for m in measured
        if m.model.slug == plan.model.slug
        and m.gpu.slug == plan.gpu.slug
        and m.gpus == plan.gpus
        and m.precision == plan.precision
        and (not profile_key or m.key.split(":")[0] == profile_key)
    ]
    outputs = [m for m in mine if not m.kind.startswith("prefill")]
    if not outputs:
        return None
    wanted = math.log(shape[0] / shape[1])

    def distance(m):
        i, o = m.shape
        return (abs(math.log(i / o) - wanted) if m.kind == "total_output" else 0, -m.value)

    chosen = min(outputs, key=distance)
    # The profile's own prefill figure (even one counting cache hits: those are its workload's), else the
    # same setup's published compute rate.
    prefills = [m for m in mine if m.kind.startswith("prefill") and m.key.split(":")[0] == chosen.key.split(":")[0]]
    prefills = prefills or [m for m in mine if m.kind == "prefill"]
    return chosen, (max(prefills, key=lambda m: m.value) if prefills else None)


def rates_for(plan, measured, efficiency, shape, speed=None, profile_key=""):
    """(Rates, profile key or "") for a plan: a matching measured profile wins unless a speed target is set."""
    estimated = throughput.estimate(
        plan.model, plan.gpu, plan.precision, plan.gpus, efficiency, shape[0], shape[1], speed
    )
    found = None if speed else _measured_rates(plan, measured, profile_key, shape)
    if not found:
        return estimated, ""
    out, pre = found
    prefill = pre.value if pre else estimated.prefill
    decode = out.value
    if out.kind == "total_output":
        # Output per second of wall time includes its prompts' prefill: take the estimated prefill time out.
        i, o = out.shape
        per_request = o / out.value - i / prefill
        decode = o / per_request if per_request > 0 else out.value
        decode = min(decode, estimated.decode_bound)
    label = f"measured: {out.engine} on {out.gpus}x {out.gpu.name} at {out.precision.upper()}" + (
        "" if pre else " (prefill estimated: the profile publishes none)"
    )
    conditions = "the profile's own conditions" + (
        f" ({out.concurrency:,} sequences in flight)" if out.concurrency else " (the load it was measured at)"
    )
    return (
        throughput.Rates(
            prefill=prefill,
            decode=decode,
            prefill_bound=estimated.prefill_bound,
            decode_bound=estimated.decode_bound,
            batch=out.concurrency or estimated.batch,
            basis="measured",
            label=label,
            conditions=conditions,
            prefill_range=(prefill, prefill) if pre else estimated.prefill_range,
            decode_range=(decode, decode),
            per_user_tokens_per_second=decode / out.concurrency if out.concurrency else None,
            efficiency=estimated.efficiency,
        ),
        out.key.split(":")[0],
    )


def _self_hosting(a: Answer, cd, model, shape, share):
    """Fill gpu, plan, rates, gpu price, gpus_per_replica, prefill/decode (or errors naming the field)."""
    utilization = a.values["utilization"]
    speed = float(cd["tokens_per_second_per_user"]) if cd.get("tokens_per_second_per_user") else None
    gpu = cd.get("gpu")
    profile_key = cd.get("profile") or ""
    if model is None:
        # Pure arithmetic: every self-hosting figure typed in (no query beyond the GPU asked for, if any).
        if gpu is not None:
            a.gpu = gpu
            a.gpu_offering = catalogue.cached_gpu_offerings([gpu.pk]).get(gpu.pk)
        _take_explicit(a, cd)
        return
    measured = catalogue.cached_measured_profiles()
    if profile_key:
        profile_rows = [m for m in measured if m.key.split(":")[0] == profile_key and m.model.slug == model.slug]
        if not profile_rows:
            a.errors["profile"] = [f"{profile_key!r} is not a throughput profile of {model.name}."]
            return
        gpu = gpu or Gpu.objects.get(slug=profile_rows[0].gpu.slug)
    candidates = [gpu] if gpu is not None else catalogue.candidate_gpus(model, measured)
    prices = catalogue.cached_gpu_offerings([g.pk for g in candidates])
    mspec = catalogue.model_spec(model)
    gpus_asked, precision_asked = cd.get("gpus_per_replica"), cd.get("precision") or None
    profile_gpus = next((m.gpus for m in measured if m.key.split(":")[0] == profile_key), None) if profile_key else None
    context = cd.get("context_tokens") or max(planner.DEFAULT_CONTEXT_TOKENS, sum(shape))
    concurrency = cd.get("concurrency") or planner.DEFAULT_CONCURRENCY
    ttft = float(cd["p95_ttft_ms"]) if cd.get("p95_ttft_ms") else None
    best, misses = None, []  # misses: [(Unmet, gpu, plan, rates or None, offering)] for targets not met
    for g in candidates:
        gspec = catalogue.gpu_spec(g)
        precision = precision_asked
        if profile_key and precision is None:
            precision = next(m.precision for m in measured if m.key.split(":")[0] == profile_key)
        plan = planner.plan_replica(
            mspec, gspec, precision, gpus_asked or profile_gpus, context_tokens=context, concurrency=concurrency
        )
        if isinstance(plan, planner.NoPlan):
            a.candidates.append((g, plan, None, None))
            continue
        eff = catalogue.cached_efficiency(
            measured, throughput.engine_class("", plan.gpus), mspec.is_moe, gspec.generation
        )
        try:
            rates, used = rates_for(plan, measured, eff, shape, speed, profile_key)
        except throughput.TargetUnreachable as exc:
            if exc.reached is None:
                a.candidates.append((g, planner.NoPlan(str(exc), exc.field), None, None))
                continue
            reached, basis, measured_rates = _fastest_for_one_user(plan, measured, eff, shape, profile_key, exc.reached)
            if reached < speed:
                miss = _speed_unmet(plan, speed, reached, basis)
                a.candidates.append((g, planner.NoPlan(miss.brief, miss.field), None, None))
                misses.append((miss, g, plan, None, prices.get(g.pk)))
                continue
            rates, used = measured_rates  # a measured profile of this very replica serves each user that fast
        if ttft is not None:
            typed = cd.get("prefill_tokens_per_second")
            prefill = float(typed) if typed is not None else rates.prefill
            _, alone = throughput.ttft_utilization_cap(shape[0], prefill, ttft)
            if alone > ttft:
                miss = _ttft_unmet(plan, cd["p95_ttft_ms"], alone, shape[0], "yours" if typed else rates.basis)
                a.candidates.append((g, planner.NoPlan(miss.brief, miss.field), None, None))
                misses.append((miss, g, plan, rates, prices.get(g.pk)))
                continue
        offering = prices.get(g.pk)
        price = (
            cd.get("gpu_hourly_price")
            if cd.get("gpu_hourly_price") is not None
            else (offering.latest_usd_per_gpu_hour if offering else None)
        )
        cost = _cost_per_mtok(share, plan.gpus, price, rates, utilization) if price else None
        a.candidates.append((g, plan, rates, cost))
        key = (cost is None, cost or 0)
        if best is None or key < best[0]:
            best = (key, g, plan, rates, used, offering)
    a.candidates.sort(key=lambda c: (c[3] is None, c[3] or 0, c[0].name))
    if not a.candidates:
        a.errors["gpu"] = [
            "No GPU with published specs in the catalogue: pick one, or enter every self-hosting figure."
        ]
        return
    replica = (gpus_asked, profile_gpus, precision_asked, context, concurrency)
    if best is None and misses:
        # Replicas hold the model but none meets the latency target: an answer, with the closest replica.
        # A replica that met the speed and missed only the time to first token is closer than one too slow.
        ttft_misses = [m for m in misses if m[0].field == "p95_ttft_ms"]
        if ttft_misses:
            closest = min(ttft_misses, key=lambda m: (m[0].reached, m[1].name))
        else:
            closest = max(misses, key=lambda m: (m[0].reached, m[1].name))
        a.unmet, a.gpu, a.plan, a.rates, a.gpu_offering = closest
        a.model_profiles = _model_profiles(measured, model.slug, "")
        _take_replica(a, cd, model, replica)
        return
    if best is None:
        # Every candidate refused: report the one asked for (or the first) against its field.
        g, refusal = a.candidates[0][0], a.candidates[0][1]
        a.gpu, a.no_plan = g, refusal
        if len(candidates) > 1:
            reasons = "; ".join(f"{c[0].name}: {c[1].reason}" for c in a.candidates)
            a.errors["gpu"] = [f"No GPU in the catalogue can serve {model.name} here. {reasons}"]
        else:
            a.errors[refusal.field if refusal.field in BreakevenForm.base_fields else "gpu"] = [refusal.reason]
        return
    _, a.gpu, a.plan, a.rates, used, a.gpu_offering = best
    a.model_profiles = _model_profiles(measured, model.slug, used)
    if used:
        from inference.models import ThroughputProfile

        a.profile = catalogue.per_version(
            f"profile:{used}", lambda: ThroughputProfile.objects.select_related("gpu", "model").filter(key=used).first()
        )
    _take_replica(a, cd, model, replica)
    if "gpu_hourly_price" not in a.values:
        a.errors["gpu_hourly_price"] = [
            f"Missing: no on-demand listing for {a.gpu.name}; enter gpu_hourly_price (USD per GPU-hour)."
        ]
    # A time-to-first-token target caps utilization (queueing adds to a prompt's prefill time); a replica
    # whose lone prompt misses it was refused above.
    if ttft is not None:
        cap, alone = throughput.ttft_utilization_cap(shape[0], float(a.values["prefill_tokens_per_second"]), ttft)
        if cap is not None and D(round(cap, 4)) < a.values["utilization"]:
            a.values["utilization"] = max(MIN_UTILIZATION, D(round(cap, 4)))
            a.origins["utilization"] = (
                f"capped so p95 time to first token stays under {cd['p95_ttft_ms']} ms "
                f"(a prompt alone: ~{alone:,.0f} ms)"
            )


def _fastest_for_one_user(plan, measured, efficiency, shape, profile_key, estimated):
    """(tokens/s one user sees at best, basis, (Rates, profile key) or None) on a replica the estimate says
    is too slow: `estimated` (one sequence alone), unless a measured profile of this very replica shows its
    users more (then its rates come too, usable when they reach the target)."""
    rates, used = rates_for(plan, measured, efficiency, shape, None, profile_key)
    per_user = rates.per_user_tokens_per_second if rates.basis == "measured" else None
    if per_user and per_user > estimated:
        return per_user, "measured", (rates, used)
    return estimated, "estimated", None


def _take_replica(a, cd, model, replica):
    """Record the chosen replica's figures in values and origins (gpu, precision, GPUs, context, sequences,
    prefill and decode when there are rates, the GPU's price when it has one)."""
    gpus_asked, profile_gpus, precision_asked, context, concurrency = replica
    plan_origin = f"planner: smallest replica of {a.gpu.name} holding {model.name} at {a.plan.precision.upper()}"
    a.values["gpu"], a.origins["gpu"] = (
        a.gpu.slug,
        "you" if cd.get("gpu") else "planner: the cheapest plan per 1M tokens",
    )
    if a.unmet is not None and not cd.get("gpu"):
        a.origins["gpu"] = "planner: the replica closest to your latency target"
    a.values["precision"] = a.plan.precision
    a.origins["precision"] = "you" if precision_asked else "planner: FP8 where the GPU has it, else BF16"
    if gpus_asked is not None:
        a.values["gpus_per_replica"], a.origins["gpus_per_replica"] = gpus_asked, "you"
    elif profile_gpus:
        a.values["gpus_per_replica"] = a.plan.gpus
        a.origins["gpus_per_replica"] = "the measured profile's whole deployment"
    else:
        a.values["gpus_per_replica"], a.origins["gpus_per_replica"] = a.plan.gpus, plan_origin
    a.values["context_tokens"] = context
    a.origins["context_tokens"] = "you" if cd.get("context_tokens") else "site default (or one request's length)"
    a.values["concurrency"] = concurrency
    a.origins["concurrency"] = "you" if cd.get("concurrency") else "site default: sequences the replica must hold"
    if a.rates is not None:
        take_rate = {"prefill_tokens_per_second": a.rates.prefill, "decode_tokens_per_second": a.rates.decode}
        for name, value in take_rate.items():
            if cd.get(name) is not None:
                a.values[name], a.origins[name] = cd[name], "you"
            else:
                a.values[name] = D(round(value, 2))
                a.origins[name] = a.rates.label + "; " + a.rates.conditions
    if cd.get("gpu_hourly_price") is not None:
        a.values["gpu_hourly_price"], a.origins["gpu_hourly_price"] = cd["gpu_hourly_price"], "you"
    elif a.gpu_offering is not None:
        a.values["gpu_hourly_price"] = a.gpu_offering.latest_usd_per_gpu_hour
        a.origins["gpu_hourly_price"] = _origin(a.gpu_offering, f"the cheapest current on-demand {a.gpu.name}")


def _model_profiles(measured, slug, used):
    """[{key, engine, replica, precision, figures, used}] of one model's measured profiles (no queries)."""
    rows = {}
    for m in measured:
        if m.model.slug != slug:
            continue
        key = m.key.split(":")[0]
        row = rows.setdefault(
            key,
            {
                "key": key,
                "engine": m.engine,
                "replica": f"{m.gpus}x {m.gpu.name}",
                "precision": m.precision,
                "figures": [],
                "used": key == used,
            },  # fmt: skip
        )
        row["figures"].append((m.kind.replace("_", " "), m.value))
    return sorted(rows.values(), key=lambda r: (not r["used"], r["replica"], r["key"]))


def _take_explicit(a, cd):
    for name in ("gpus_per_replica", "prefill_tokens_per_second", "decode_tokens_per_second", "gpu_hourly_price"):
        if cd.get(name) is not None:
            a.values[name], a.origins[name] = cd[name], "you"
        elif name == "gpu_hourly_price" and a.gpu_offering is not None:
            a.values[name] = a.gpu_offering.latest_usd_per_gpu_hour
            a.origins[name] = _origin(a.gpu_offering, f"the cheapest current on-demand {a.gpu.name}")
        else:
            a.errors.setdefault(name, []).append(
                "Missing: pick a model (the planner fills it) or enter a value."
                if name != "gpu_hourly_price"
                else "Missing: enter gpu_hourly_price (USD per GPU-hour) or pick a GPU with a listing."
            )


def _route(a: Answer, offerings, api_speeds):
    model, v = a.model, a.values
    input_per_day, output_per_day = v["input_tokens_per_day"], v["output_tokens_per_day"]

    def monthly_at(o):
        return economics.monthly_from_daily(
            economics.api_daily_cost(input_per_day, output_per_day, o.latest_input, o.latest_output)
        )

    dedicated = [o for o in offerings if o.serving_kind == ServingKind.DEDICATED]
    dedicated_best = catalogue.cheapest_api_offering(dedicated, Decimal("0.75")) if dedicated else None
    dedicated_monthly = monthly_at(dedicated_best) if dedicated_best is not None else None
    api_monthly, api_label = a.api_monthly, _api_label(a)
    target = v.get("tokens_per_second_per_user")
    if api_speeds is None and model is not None and target:
        api_speeds, at_speed = _measured_speeds(model, target)
        a.api_at_target = _api_at_target(at_speed, monthly_at)
        if at_speed and a.origins.get("api_input_price") != "you":
            # The per-token route is priced at the cheapest offering measured at the user's speed, not the
            # cheapest overall (which may stream at half the speed).
            o = at_speed.offering
            api_monthly = a.api_at_target.monthly
            api_label = (
                f"{o.provider.name} at ${o.latest_input.normalize():f} input / ${o.latest_output.normalize():f} output"
                f" per 1M, the cheapest measured at or above {target:g} tokens/s per request"
            )
    r = a.result
    situation = advisor.Situation(
        tokens_per_day=input_per_day + output_per_day,
        open_weights=model.open_weights if model is not None else True,
        residency=v.get("residency", "any"),
        peak_to_average=v.get("peak_to_average_ratio"),
        utilization=v["utilization"],
        p95_ttft_ms=v.get("p95_ttft_ms"),
        tokens_per_second_per_user=target,
        api_monthly=api_monthly,
        api_offering=api_label,
        dedicated_monthly=dedicated_monthly,
        self_host_monthly=r.self_host_monthly_cost if r is not None else None,
        self_host_gpus=r.gpus if r is not None else None,
        self_host_problem=a.unmet.reason if a.unmet is not None else "",
    )
    return advisor.advise(situation, api_speeds=api_speeds)


def _api_label(a: Answer) -> str:
    if a.api_offering is not None and a.origins.get("api_input_price") != "you":
        o = a.api_offering
        prices = f"${o.latest_input.normalize():f} input / ${o.latest_output.normalize():f} output per 1M"
        return f"{o.provider.name} at {prices}"
    return "the prices you entered"


def _measured_speeds(model, target):
    """({endpoint: measured p50 tokens/s per request}, the SpeedAnswer at `target`) from the measured API
    endpoint speeds (inference.speed); None for the first where the model was never measured, so the
    advisor says the speed is unknown instead of assuming it. The answer is falsy when nothing reaches it."""
    answer = speed.cheapest_at_speed(model, D(target))
    if answer:
        name = f"{answer.offering.provider.name} (p50, measured {answer.measured_on:%Y-%m-%d})"
        return {name: float(answer.tokens_per_second)}, answer
    if answer.fastest is not None:
        fastest = answer.fastest
        return {f"{fastest.offering.provider.name} (p50)": float(fastest.tokens_per_second)}, answer
    return None, answer


def _api_at_target(answer, monthly_at) -> ApiAtTarget:
    """The per-token offering at the user's speed for the answer: priced at this workload, or why none."""
    if answer:
        return ApiAtTarget(
            target=answer.min_tokens_per_second,
            offering=answer.offering,
            tokens_per_second=answer.tokens_per_second,
            measured_on=answer.measured_on,
            monthly=monthly_at(answer.offering),
        )
    target = f"{answer.min_tokens_per_second.normalize():f}"
    if answer.fastest is None:
        return ApiAtTarget(
            answer.min_tokens_per_second, reason=f"No endpoint speed of this model is measured: {target} tokens/s "
            "per request is unknown at every per-token offering; test the provider."
        )  # fmt: skip
    fastest = answer.fastest
    return ApiAtTarget(
        answer.min_tokens_per_second,
        fastest_provider=fastest.offering.provider.name,
        fastest_tokens_per_second=fastest.tokens_per_second,
        reason=f"No measured offering reaches {target} tokens/s per request; the fastest is "
        f"{fastest.offering.provider.name} at {fastest.tokens_per_second.normalize():f} tokens/s (p50).",
    )


# --- JSON ------------------------------------------------------------------------------------------


def _number(value, places=6):
    if value is None:
        return None
    return float(D(value).quantize(Decimal(1).scaleb(-places)))


def _json_value(value):
    if isinstance(value, int | str) or value is None:
        return value
    return _number(value)


def answer_json(a: Answer) -> dict:
    r, u = a.result, a.unmet
    rates = a.rates
    if r is not None:
        body = {
            "api_monthly_cost": _number(r.api_monthly_cost, 2),
            "self_host_monthly_cost": _number(r.self_host_monthly_cost, 2),
            "replicas": r.replicas,
            "gpus": r.gpus,
            "breakeven_tokens_per_day": int(r.breakeven_tokens_per_day.to_integral_value())
            if r.breakeven_tokens_per_day
            else None,
            "no_breakeven_reason": r.no_breakeven_reason or None,
            "self_host_cost_per_mtok": _number(r.self_host_cost_per_mtok),
            "api_cost_per_mtok": _number(r.api_cost_per_mtok),
            "api_daily_cost": _number(r.api_daily_cost, 2),
            "self_host_daily_cost": _number(r.self_host_monthly_cost / economics.DAYS_PER_MONTH, 2),
            "busy_fraction": _number(r.busy_fraction),
            "cheaper": "self_host" if r.self_host_cheaper else "api",
        }
    else:  # a latency target self-hosting cannot meet: the API's figures only, no volume claimed
        bill = a.api_bill
        body = dict.fromkeys(
            ("self_host_monthly_cost", "replicas", "gpus", "breakeven_tokens_per_day", "self_host_cost_per_mtok"),
        ) | {
            "api_monthly_cost": _number(bill.monthly, 2),
            "no_breakeven_reason": u.reason,
            "api_cost_per_mtok": _number(bill.per_mtok),
            "api_daily_cost": _number(bill.daily, 2),
            "self_host_daily_cost": None,
            "busy_fraction": None,
            "cheaper": "api",
        }
    body |= {
        "self_host": {
            "eligible": u is None,
            "reason": u.reason if u else None,
            "target_field": u.field if u else None,
            "target": _number(u.target, 1) if u else None,
            "reached": round(u.reached, 1) if u else None,
            "unit": u.unit if u else None,
            "basis": u.basis if u else None,
            "replica": a.plan.describe() if a.plan else None,
        },
        "api_at_target": a.api_at_target.as_dict() if a.api_at_target else None,
        "volumes": a.ranges.as_dict(),
        "inputs": {name: _json_value(value) for name, value in a.values.items()}
        | {"model": a.model.slug if a.model else None, "gpu": a.gpu.slug if a.gpu else None},
        "sources": a.origins,
        "memory": a.plan.memory.as_dict() if a.plan else None,
        "throughput": None,
        "route": a.route,
        "units": UNITS,
    }
    body["inputs"].setdefault("precision", a.plan.precision if a.plan else None)
    if rates is not None:
        body["throughput"] = {
            "basis": rates.basis,
            "label": rates.label,
            "conditions": rates.conditions,
            "prefill_tokens_per_second": round(rates.prefill, 1),
            "decode_tokens_per_second": round(rates.decode, 1),
            "prefill_range": [round(x, 1) for x in rates.prefill_range],
            "decode_range": [round(x, 1) for x in rates.decode_range],
            "prefill_bound": round(rates.prefill_bound, 1),
            "decode_bound": round(rates.decode_bound, 1),
            "sequences_in_flight": rates.batch,
            "tokens_per_second_per_user": round(rates.per_user_tokens_per_second, 1)
            if rates.per_user_tokens_per_second
            else None,
            "profile": a.profile.key if a.profile is not None else None,
        }
    return body


def breakeven_response(query, api_speeds=None) -> tuple[int, dict]:
    """(HTTP status, JSON body) for GET /api/v1/breakeven: 200 with the answer, or 400 naming each field."""
    a = compute(query, api_speeds=api_speeds)
    if not a.ok:
        errors = {name: [str(m) for m in messages] for name, messages in a.errors.items()}
        for name, messages in a.form.errors.items():
            errors.setdefault(name, [str(m) for m in messages])
        return 400, {"errors": errors or {"__all__": ["No answer at these inputs."]}}
    return 200, answer_json(a)
