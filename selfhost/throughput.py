"""Throughput for any (model, GPU, replica, precision): physical bounds times a fitted efficiency.

Pure Python, no Django. Bounds (per replica, aggregate tokens/s):
- prefill: dense peak FLOP/s at the precision / (2 x active parameters);
- decode at a batch of B sequences with an average KV length L: each step reads the active weights once
  and every sequence's KV cache, so B x bandwidth / (active weight bytes + B x L x KV bytes per token),
  and never above the compute bound. Without a stated batch, B is what the free memory holds.
Estimates are those bounds times an efficiency for prefill and one for decode, fitted on the measured
profiles (least squares on log ratios over a grid) by engine class and GPU generation, falling back to
the engine class and then to every profile when a group has fewer than MIN_GROUP profiles. Efficiencies
are at most 1, so no estimate is above its bound. `calibrate()` is the leave-one-out check the
`throughput_calibration` command prints.
"""

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .planner import BYTES_PER_PARAM, GB, GpuSpec, ModelSpec

DEFAULT_INPUT_TOKENS = 1000  # a request's shape where neither the user nor the profile says
DEFAULT_OUTPUT_TOKENS = 1000
MAX_BATCH_PER_GPU = 512  # serving engines' batch ceilings; memory usually binds first
MIN_GROUP = 3
FITTED_KINDS = ("prefill", "decode", "total_output")  # a prefill rate counting cache hits is not fitted
GRID = [round(0.02 * 1.1**i, 4) for i in range(42)]  # 0.02 .. ~1.0
GRID = [g for g in GRID if g <= 1.0] + [1.0]
SINGLE, DISAGGREGATED = "single-replica engine", "disaggregated multi-node serving"


def engine_class(engine: str, gpus: int) -> str:
    """Prefill/decode-disaggregated or expert-parallel multi-node deployments vs one engine on one replica."""
    text = engine.lower()
    if gpus > 8 or any(w in text for w in ("disaggregation", "pd ", "(pd", " ep", "in-house", "mooncake")):
        return DISAGGREGATED
    return SINGLE


def prefill_bound(model: ModelSpec, gpu: GpuSpec, precision, gpus) -> float | None:
    tflops = gpu.tflops(precision)
    if not tflops or not model.active_params_b:
        return None
    return tflops * 1e12 * gpus / (2 * model.active_params_b * 1e9)


def max_batch(model: ModelSpec, gpu: GpuSpec, precision, gpus, kv_len, overhead_share=0.0) -> int:
    """Sequences of `kv_len` tokens whose KV cache fits beside the weights (capped at the engines' ceiling)."""
    free = gpu.vram_gb * gpus * (1 - overhead_share) - model.total_params_b * BYTES_PER_PARAM[precision]
    per_sequence = model.kv_bytes_per_token(precision) * kv_len / GB
    if free <= 0 or not per_sequence:
        return 0
    return max(1, min(int(free / per_sequence), MAX_BATCH_PER_GPU * gpus))


def weights_read_per_step_b(model: ModelSpec, batch) -> float:
    """Billions of parameters a decode step of `batch` sequences reads: a mixture-of-experts model reads
    more experts as the batch grows (each token picks its own), approaching all of them."""
    active, total = model.active_params_b, model.total_params_b or model.active_params_b
    if total <= active:
        return active
    share = active / total
    return active + (total - active) * (1 - (1 - share) ** max(0, batch - 1))


def decode_bound(model: ModelSpec, gpu: GpuSpec, precision, gpus, batch, kv_len, experts_read=False) -> float | None:
    """The decode bound; with `experts_read`, a mixture-of-experts step reads the experts the batch touches
    (used for estimates: more bytes, so never above the bound, which counts the active weights only)."""
    if not gpu.bandwidth_gbps or not batch:
        return None
    params = weights_read_per_step_b(model, batch) if experts_read else model.active_params_b
    weights = params * 1e9 * BYTES_PER_PARAM[precision]
    kv = batch * kv_len * model.kv_bytes_per_token(precision)
    memory = batch * gpu.bandwidth_gbps * 1e9 * gpus / (weights + kv)
    compute = prefill_bound(model, gpu, precision, gpus)
    return min(memory, compute) if compute else memory


def total_output(prefill, decode, input_tokens, output_tokens):
    """Output tokens/s of a replica that prefills each prompt and then decodes its answer."""
    return output_tokens / (input_tokens / prefill + output_tokens / decode)


@dataclass(frozen=True)
class Measured:
    """One measured profile reduced to what the fit needs. kind: prefill | decode | total_output."""

    key: str
    model: ModelSpec
    gpu: GpuSpec
    precision: str  # already resolved: an unstated precision is the best the GPU has
    gpus: int
    kind: str
    value: float
    input_tokens: int | None = None
    output_tokens: int | None = None
    concurrency: int | None = None
    engine: str = ""

    @property
    def engine_class(self):
        return engine_class(self.engine, self.gpus)

    @property
    def shape(self):
        return (self.input_tokens or DEFAULT_INPUT_TOKENS, self.output_tokens or DEFAULT_OUTPUT_TOKENS)

    def kv_len(self):
        i, o = self.shape
        return i + o / 2

    def batch(self):
        return self.concurrency or max_batch(self.model, self.gpu, self.precision, self.gpus, sum(self.shape))

    @cached_property
    def components(self):
        """(prefill bound, decode bound, decode physics with the experts a batch reads) for these conditions."""
        p = prefill_bound(self.model, self.gpu, self.precision, self.gpus)
        args = (self.model, self.gpu, self.precision, self.gpus, self.batch(), self.kv_len())
        return p, decode_bound(*args), decode_bound(*args, experts_read=True)

    def predict(self, ep, ed, bound=False):
        p, d_bound, d_read = self.components
        d = d_bound if bound else d_read
        if self.kind.startswith("prefill"):
            return ep * p if p else None
        if not d:
            return None
        if self.kind == "decode":
            return ed * d
        i, o = self.shape
        return total_output(ep * p, ed * d, i, o) if p else None

    def bound(self):
        return self.predict(1.0, 1.0, bound=True)


@dataclass(frozen=True)
class Efficiency:
    prefill: float
    decode: float
    group: str  # which profiles it was fitted on, in words
    n: int
    low: float = 1.0  # spread of measured / fitted on those profiles (10th and 90th percentiles)
    high: float = 1.0


def _fit(profiles) -> tuple[float, float, float, float]:
    usable = [(m, math.log(m.value)) for m in profiles if m.kind in FITTED_KINDS and m.bound()]
    best, best_err = (GRID[len(GRID) // 2],) * 2, None
    kinds = {m.kind for m, _ in usable}
    for ep in GRID if kinds - {"decode"} else [best[0]]:
        for ed in GRID if kinds - {"prefill"} else [best[1]]:
            err = sum((math.log(m.predict(ep, ed)) - log_value) ** 2 for m, log_value in usable)
            if best_err is None or err < best_err:
                best, best_err = (ep, ed), err
    ratios = sorted(m.value / m.predict(*best) for m, _ in usable)
    low, high = _percentile(ratios, 0.1), _percentile(ratios, 0.9)
    return best[0], best[1], low, high


def _percentile(sorted_values, q):
    if not sorted_values:
        return 1.0
    k = (len(sorted_values) - 1) * q
    f, c = math.floor(k), math.ceil(k)
    return sorted_values[f] + (sorted_values[c] - sorted_values[f]) * (k - f)


def kind_of(model: ModelSpec) -> str:
    return "mixture-of-experts" if model.is_moe else "dense"


# From the narrowest group to all profiles; the first with MIN_GROUP profiles is fitted.
GROUPINGS = (
    (("engine class", "model kind", "GPU generation"), lambda m: (m.engine_class, kind_of(m.model), m.gpu.generation)),
    (("engine class", "model kind"), lambda m: (m.engine_class, kind_of(m.model))),
    (("engine class",), lambda m: (m.engine_class,)),
    ((), lambda m: ()),
)


@lru_cache(maxsize=1024)
def efficiency_for(profiles: tuple, cls: str, moe: bool, generation: str) -> Efficiency:
    """The efficiency for an engine class, model kind and GPU generation, fitted on `profiles`."""
    wanted = (cls, "mixture-of-experts" if moe else "dense", generation)
    fitted = [m for m in profiles if m.kind in FITTED_KINDS]
    for names, key in GROUPINGS:
        chosen = [m for m in fitted if key(m) == wanted[: len(names)]]
        if len(chosen) >= MIN_GROUP or not names:
            ep, ed, low, high = _fit(chosen)
            label = ", ".join(f"{n}: {v}" for n, v in zip(names, wanted, strict=False)) or "all measured profiles"
            return Efficiency(ep, ed, label, len(chosen), low, high)
    raise AssertionError("unreachable")


def calibrate(profiles) -> list[dict]:
    """Leave-one-out: each profile estimated from a fit on all the others (and without its twins)."""
    profiles = tuple(profiles)
    rows = []
    for m in profiles:
        bound = m.bound()
        if not bound or m.kind not in FITTED_KINDS:
            continue
        # Left out with it: its twins (the same published figure filed under a sibling model, e.g. V3 and R1).
        twin = (m.engine, m.gpu.slug, m.gpus, m.kind, m.value)
        others = tuple(p for p in profiles if (p.engine, p.gpu.slug, p.gpus, p.kind, p.value) != twin)
        eff = efficiency_for(others, m.engine_class, m.model.is_moe, m.gpu.generation)
        estimated = m.predict(eff.prefill, eff.decode)
        rows.append(
            {
                "profile": m.key,
                "kind": m.kind,
                "measured": round(m.value, 1),
                "estimated": round(estimated, 1),
                "bound": round(bound, 1),
                "ratio": round(estimated / m.value, 3),
                "fitted_on": eff.group,
                "n": eff.n,
                "prefill_efficiency": eff.prefill,
                "decode_efficiency": eff.decode,
            }
        )
    return rows


def summary(rows) -> dict:
    errors = sorted(abs(r["estimated"] / r["measured"] - 1) for r in rows)
    factors = sorted(max(r["estimated"] / r["measured"], r["measured"] / r["estimated"]) for r in rows)
    return {
        "profiles": len(rows),
        "median_abs_error": round(_percentile(errors, 0.5), 3),
        "p90_factor": round(_percentile(factors, 0.9), 3),
        "above_bound": sum(1 for r in rows if r["estimated"] > r["bound"] * 1.000001),
        "targets": {"median_abs_error": 0.35, "p90_factor": 2.0, "above_bound": 0},
    }


# --- rates for a plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """Aggregate tokens/s of one replica, with the bounds and where the figures come from."""

    prefill: float
    decode: float
    prefill_bound: float
    decode_bound: float
    batch: int
    basis: str  # "measured" | "estimated"
    label: str  # in words: "estimated from N measured profiles (...)", "measured: ..."
    conditions: str  # "offline maximum throughput" or the speed target met
    prefill_range: tuple = ()
    decode_range: tuple = ()
    per_user_tokens_per_second: float | None = None
    efficiency: Efficiency | None = None


class TargetUnreachable(ValueError):
    """A replica that cannot meet a target; `reached` is the best it does (output tokens/s for one user)."""

    def __init__(self, message, field, reached=None):
        super().__init__(message)
        self.field = field
        self.reached = reached


def per_user_speed(model, gpu, precision, gpus, batch, kv_len, ed):
    d = decode_bound(model, gpu, precision, gpus, batch, kv_len, experts_read=True)
    return ed * d / batch if d else 0.0


def batch_for_speed(model, gpu, precision, gpus, kv_len, ed, target, batch_max) -> int:
    """The largest batch whose per-user decode speed still meets `target` tokens/s (0 if even one cannot)."""
    if per_user_speed(model, gpu, precision, gpus, 1, kv_len, ed) < target:
        return 0
    lo, hi = 1, max(1, batch_max)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if per_user_speed(model, gpu, precision, gpus, mid, kv_len, ed) >= target:
            lo = mid
        else:
            hi = mid - 1
    return lo


def estimate(
    model: ModelSpec,
    gpu: GpuSpec,
    precision,
    gpus,
    efficiency: Efficiency,
    input_tokens=DEFAULT_INPUT_TOKENS,
    output_tokens=DEFAULT_OUTPUT_TOKENS,
    tokens_per_second_per_user=None,
    overhead_share=0.10,
) -> Rates:
    """Estimated prefill and decode tokens/s for a replica; a per-user speed target limits the batch."""
    kv_len = input_tokens + output_tokens / 2
    batch_max = max_batch(model, gpu, precision, gpus, input_tokens + output_tokens, overhead_share)
    pb = prefill_bound(model, gpu, precision, gpus)
    if not batch_max or not pb or not gpu.bandwidth_gbps:
        raise TargetUnreachable(
            f"{gpus}x {gpu.name} has no room for a KV cache beside the weights, or lacks bandwidth specs.",
            "gpus_per_replica",
        )
    batch, conditions = batch_max, "offline maximum throughput (as many sequences as the memory holds)"
    if tokens_per_second_per_user:
        batch = batch_for_speed(
            model, gpu, precision, gpus, kv_len, efficiency.decode, tokens_per_second_per_user, batch_max
        )
        if not batch:
            best = per_user_speed(model, gpu, precision, gpus, 1, kv_len, efficiency.decode)
            raise TargetUnreachable(
                f"{gpus}x {gpu.name} decodes at most ~{best:,.0f} tokens/s for one user of {model.name} "
                f"at {precision.upper()}; ask for less or use a bigger replica.",
                "tokens_per_second_per_user",
                reached=best,
            )
        conditions = f"{batch} sequences in flight, so each user sees >= {tokens_per_second_per_user:g} tokens/s"
    db = decode_bound(model, gpu, precision, gpus, batch, kv_len)
    prefill = efficiency.prefill * pb
    decode = efficiency.decode * decode_bound(model, gpu, precision, gpus, batch, kv_len, experts_read=True)
    low, high = efficiency.low, min(efficiency.high, 1 / max(efficiency.prefill, efficiency.decode))
    return Rates(
        prefill=prefill,
        decode=decode,
        prefill_bound=pb,
        decode_bound=db,
        batch=batch,
        basis="estimated",
        label=f"estimated from {efficiency.n} measured profiles (efficiency fitted by {efficiency.group})",
        conditions=conditions,
        prefill_range=(prefill * low, min(pb, prefill * high)),
        decode_range=(decode * low, min(db, decode * high)),
        per_user_tokens_per_second=decode / batch,
        efficiency=efficiency,
    )


QUEUE_P95 = math.log(20)  # p95 of an exponential wait, in mean waits


def ttft_utilization_cap(prompt_tokens, prefill_tokens_per_second, target_ms):
    """Highest utilization at which p95 time to first token stays within target, or None if a lone prompt misses it.

    A prompt alone takes prompt / prefill rate; queueing at utilization u adds about ln(20) x u / (1 - u)
    of that at the 95th percentile (an M/M/1 approximation).
    """
    alone_ms = prompt_tokens / prefill_tokens_per_second * 1000
    if alone_ms > target_ms:
        return None, alone_ms
    ratio = target_ms / alone_ms - 1
    return min(1.0, ratio / (QUEUE_P95 + ratio)), alone_ms
