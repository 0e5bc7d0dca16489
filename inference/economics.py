"""Rent GPUs or pay per token: the arithmetic behind the breakeven page and its JSON API.

Pure functions on Decimal, no Django imports, so the page, the API and any other caller agree to
the cent. Prices are USD: API prices per 1M tokens, GPU prices per GPU-hour. Token volumes are
per day; a month is 365/12 days for the API bill and 730 hours for rented GPUs.

What "utilization" means here (calculators disagree): the share of the capacity you pay for that
does useful work. Capacity is sized for the peak, so you pay for the idle rest; a workload whose
peak is 5x its average runs at 20% utilization.
"""

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

DAYS_PER_MONTH = Decimal(365) / Decimal(12)
HOURS_PER_MONTH = Decimal(730)
HOURS_PER_DAY = Decimal(24)
SECONDS_PER_DAY = Decimal(86400)
SECONDS_PER_HOUR = Decimal(3600)
MILLION = Decimal(1_000_000)
BOUND_TOLERANCE = Decimal("0.02")  # a published figure may sit this far above its bound (rounding, clocks)

# Bytes of weights read per parameter, by the precision a throughput figure was measured at.
BYTES_PER_PARAM = {"bf16": Decimal(2), "fp16": Decimal(2), "fp8": Decimal(1), "fp4": Decimal("0.5")}


def D(value) -> Decimal:
    """A Decimal from an int, str, Decimal or float (floats through str, so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def cents(value) -> Decimal:
    return D(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the API side --------------------------------------------------------------------------------


def api_daily_cost(
    input_tokens_per_day,
    output_tokens_per_day,
    api_input_price,
    api_output_price,
    cached_input_price=None,
    cache_hit_rate=0,
    batch_share=0,
    batch_discount=0,
) -> Decimal:
    """USD per day: cache hits at the cached price, and the batch share at the batch discount."""
    inp, out, hit = D(input_tokens_per_day), D(output_tokens_per_day), D(cache_hit_rate)
    cached = D(api_input_price) if cached_input_price is None else D(cached_input_price)
    list_price = inp * (1 - hit) * D(api_input_price) + inp * hit * cached + out * D(api_output_price)
    return list_price / MILLION * (1 - D(batch_share) * D(batch_discount))


def monthly_from_daily(daily) -> Decimal:
    return D(daily) * DAYS_PER_MONTH


# --- the self-hosting side -----------------------------------------------------------------------


def busy_fraction(input_tokens_per_day, output_tokens_per_day, prefill_tokens_per_second, decode_tokens_per_second):
    """Share of one replica's day spent on the work: prefill and decode take different GPU time."""
    seconds = D(input_tokens_per_day) / D(prefill_tokens_per_second) + D(output_tokens_per_day) / D(
        decode_tokens_per_second
    )
    return seconds / SECONDS_PER_DAY


def replicas_needed(busy, utilization) -> int:
    """Whole replicas, sized so each is busy at most `utilization` of the time; never fewer than one."""
    needed = (D(busy) / D(utilization)).to_integral_value(rounding=ROUND_CEILING)
    return max(1, int(needed))


def replica_monthly_cost(gpus_per_replica, gpu_hourly_price) -> Decimal:
    return D(gpus_per_replica) * D(gpu_hourly_price) * HOURS_PER_MONTH


def gpu_cost_per_day(gpus, gpu_hourly_price) -> Decimal:
    return D(gpus) * D(gpu_hourly_price) * HOURS_PER_DAY


def self_host_cost_per_mtok(gpus, gpu_hourly_price, tokens_per_hour, utilization=1) -> Decimal:
    """USD per 1M tokens from a fleet producing `tokens_per_hour` at full use, paid for at `utilization`."""
    return D(gpus) * D(gpu_hourly_price) / (D(tokens_per_hour) / MILLION) / D(utilization)


def mix_cost_per_mtok(
    input_share, gpus_per_replica, gpu_hourly_price, prefill_tokens_per_second, decode_tokens_per_second, utilization
) -> Decimal:
    """USD per 1M tokens of a mix (`input_share` of them input), ignoring whole-replica rounding."""
    share = D(input_share)
    seconds = share * MILLION / D(prefill_tokens_per_second) + (1 - share) * MILLION / D(decode_tokens_per_second)
    return seconds / SECONDS_PER_HOUR * D(gpus_per_replica) * D(gpu_hourly_price) / D(utilization)


def utilization_from_peak_to_average(ratio) -> Decimal:
    """Capacity sized for the peak: average use is 1 / (peak / average)."""
    return 1 / D(ratio)


# --- both sides ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    input_tokens_per_day: Decimal
    output_tokens_per_day: Decimal
    api_input_price: Decimal
    api_output_price: Decimal
    gpu_hourly_price: Decimal
    gpus_per_replica: int
    prefill_tokens_per_second: Decimal
    decode_tokens_per_second: Decimal
    utilization: Decimal
    cached_input_price: Decimal | None = None
    cache_hit_rate: Decimal = Decimal(0)
    batch_share: Decimal = Decimal(0)
    batch_discount: Decimal = Decimal(0)

    @property
    def tokens_per_day(self) -> Decimal:
        return D(self.input_tokens_per_day) + D(self.output_tokens_per_day)

    def scaled(self, factor) -> "Workload":
        """The same workload at `factor` times the daily volume (mix unchanged)."""
        return replace(
            self,
            input_tokens_per_day=D(self.input_tokens_per_day) * D(factor),
            output_tokens_per_day=D(self.output_tokens_per_day) * D(factor),
        )


@dataclass(frozen=True)
class Comparison:
    api_daily_cost: Decimal
    api_monthly_cost: Decimal
    busy_fraction: Decimal
    replicas: int
    gpus: int
    replica_monthly_cost: Decimal
    self_host_monthly_cost: Decimal
    api_cost_per_mtok: Decimal | None
    self_host_cost_per_mtok: Decimal | None
    breakeven_tokens_per_day: Decimal | None
    no_breakeven_reason: str

    @property
    def self_host_cheaper(self) -> bool:
        return self.self_host_monthly_cost < self.api_monthly_cost


def breakeven_tokens_per_day(api_monthly, busy, replica_monthly, utilization, tokens_per_day) -> Decimal | None:
    """Total tokens per day at which the API bill equals one replica, scaling both volumes together.

    None when the API is cheaper at every volume at this utilization (a <= c x F / u): past one
    replica, self-hosting cost grows at least as fast as the API bill.
    """
    a, c, f, u = D(api_monthly), D(busy), D(replica_monthly), D(utilization)
    if a <= 0 or a <= c * f / u:
        return None
    return f / a * D(tokens_per_day)


def compare(w: Workload) -> Comparison:
    daily = api_daily_cost(
        w.input_tokens_per_day,
        w.output_tokens_per_day,
        w.api_input_price,
        w.api_output_price,
        w.cached_input_price,
        w.cache_hit_rate,
        w.batch_share,
        w.batch_discount,
    )
    monthly = monthly_from_daily(daily)
    busy = busy_fraction(
        w.input_tokens_per_day, w.output_tokens_per_day, w.prefill_tokens_per_second, w.decode_tokens_per_second
    )
    replicas = replicas_needed(busy, w.utilization)
    one = replica_monthly_cost(w.gpus_per_replica, w.gpu_hourly_price)
    self_host = replicas * one
    mtok_per_month = w.tokens_per_day * DAYS_PER_MONTH / MILLION
    breakeven = breakeven_tokens_per_day(monthly, busy, one, w.utilization, w.tokens_per_day)
    reason = ""
    if breakeven is None:
        if w.tokens_per_day <= 0:
            reason = "With no tokens a day there is no bill to compare."
        elif monthly <= 0:
            reason = "The API is free at these prices, so renting GPUs never pays."
        else:
            reason = (
                "The API is cheaper at every volume at this utilization: past one replica, each extra "
                "replica costs more than the API bill for the tokens it can serve."
            )
    return Comparison(
        api_daily_cost=daily,
        api_monthly_cost=monthly,
        busy_fraction=busy,
        replicas=replicas,
        gpus=replicas * int(w.gpus_per_replica),
        replica_monthly_cost=one,
        self_host_monthly_cost=self_host,
        api_cost_per_mtok=monthly / mtok_per_month if mtok_per_month > 0 else None,
        self_host_cost_per_mtok=self_host / mtok_per_month if mtok_per_month > 0 else None,
        breakeven_tokens_per_day=breakeven,
        no_breakeven_reason=reason,
    )


def cost_curve(w: Workload, factors) -> list[tuple[Decimal, Decimal, Decimal]]:
    """[(total tokens per day, API monthly, self-host monthly)] at each volume factor."""
    api_per_factor = monthly_from_daily(
        api_daily_cost(
            w.input_tokens_per_day,
            w.output_tokens_per_day,
            w.api_input_price,
            w.api_output_price,
            w.cached_input_price,
            w.cache_hit_rate,
            w.batch_share,
            w.batch_discount,
        )
    )
    busy = busy_fraction(
        w.input_tokens_per_day, w.output_tokens_per_day, w.prefill_tokens_per_second, w.decode_tokens_per_second
    )
    one = replica_monthly_cost(w.gpus_per_replica, w.gpu_hourly_price)
    points = []
    for k in factors:
        k = D(k)
        points.append((w.tokens_per_day * k, api_per_factor * k, replicas_needed(busy * k, w.utilization) * one))
    return points


# --- physical bounds -----------------------------------------------------------------------------


class BoundExceeded(ValueError):
    """A throughput figure above what the hardware can physically do."""


def bytes_per_param(precision) -> Decimal:
    return BYTES_PER_PARAM[precision]


def decode_bound_per_sequence(memory_bandwidth_gbps_per_gpu, gpus, active_params_b, precision) -> Decimal:
    """Tokens/s one sequence can decode: every token reads the active weights once from memory."""
    bandwidth = D(memory_bandwidth_gbps_per_gpu) * 10**9 * D(gpus)
    weight_bytes = D(active_params_b) * 10**9 * bytes_per_param(precision)
    return bandwidth / weight_bytes


def compute_bound(dense_tflops_per_gpu, gpus, active_params_b) -> Decimal:
    """Aggregate tokens/s the replica's dense peak FLOP/s allow: 2 FLOPs per active parameter per token."""
    return D(dense_tflops_per_gpu) * 10**12 * D(gpus) / (2 * D(active_params_b) * 10**9)


def check_within_bound(value, bound, what) -> None:
    """Refuse a figure more than 2% above its physical bound, naming the bound."""
    if bound is not None and D(value) > D(bound) * (1 + BOUND_TOLERANCE):
        raise BoundExceeded(
            f"{what} of {D(value):,.0f} tokens/s is above the physical bound of {D(bound):,.0f} tokens/s "
            f"(more than {BOUND_TOLERANCE:.0%} over)."
        )


@dataclass(frozen=True)
class Bounds:
    """Physical ceilings for one replica at one precision (None where the catalogue lacks a spec)."""

    compute_tokens_per_second: Decimal | None
    decode_tokens_per_second_per_sequence: Decimal | None
    precision_used: str


def replica_bounds(
    active_params_b, gpus, memory_bandwidth_gbps, bf16_dense_tflops, fp8_dense_tflops, precision, has_fp4=False
):
    """Bounds for a replica of `gpus` whole GPUs, from dense (not sparse) peak FLOP/s and bandwidth.

    FP8 on a GPU without FP8 tensor cores runs at the BF16 rate. FP4 runs at twice the FP8 rate only on a
    GPU with FP4 tensor cores (`has_fp4`: Blackwell); elsewhere at the FP8 rate. A figure whose precision
    the source does not state is held to the best precision the GPU really has (FP4 on Blackwell, else
    FP8 where it has FP8 tensor cores, else BF16), never to a rate the hardware lacks.
    """
    if not active_params_b or not gpus:
        return Bounds(None, None, precision)
    fp8_rate = fp8_dense_tflops or bf16_dense_tflops
    if precision not in BYTES_PER_PARAM:  # unstated
        precision_for_bound = "fp4" if has_fp4 and fp8_dense_tflops else ("fp8" if fp8_dense_tflops else "bf16")
    else:
        precision_for_bound = precision
    if precision_for_bound in ("bf16", "fp16"):
        tflops = bf16_dense_tflops
    elif precision_for_bound == "fp8" or not has_fp4:
        tflops = fp8_rate
    else:
        tflops = 2 * D(fp8_rate) if fp8_rate else None
    compute = compute_bound(tflops, gpus, active_params_b) if tflops else None
    decode = (
        decode_bound_per_sequence(memory_bandwidth_gbps, gpus, active_params_b, precision_for_bound)
        if memory_bandwidth_gbps
        else None
    )
    return Bounds(compute, decode, precision)
