"""Units: every record becomes USD per GPU-hour (and per instance-hour) or USD per 1M tokens, as Decimal.

The bounds that need no database live here too: a price must be above zero and under a ceiling per
unit. A value that is off by a unit factor (a per-1M price stored per token, a reservation's term total
read as hourly) lands far above the ceiling and is refused with the reason.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .sources.base import GpuRecord, GpuUnit, TokenRecord, TokenUnit

# No GPU rents for more than this per GPU-hour (B300 lists ~$8-18); TPU placeholders (700/8) land above.
GPU_HOUR_CEILING = Decimal("60")
# Nothing rents for less than a cent per GPU-hour; below it is a placeholder (Azure's 0.01/instance-hour).
GPU_HOUR_FLOOR = Decimal("0.01")
# o1-pro output is $600 per 1M and legitimate; per-1K prices stored per token land in the thousands.
MTOK_CEILING = Decimal("1000")
GPU_PLACES = Decimal("0.0001")
MTOK_PLACES = Decimal("0.000001")
MILLION = Decimal(1_000_000)

TOKEN_FACTORS = {
    TokenUnit.PER_TOKEN: MILLION,
    TokenUnit.PER_1K: Decimal(1000),
    TokenUnit.PER_1M: Decimal(1),
    TokenUnit.CENTS_PER_TOKEN: MILLION / 100,
}


@dataclass(frozen=True, slots=True)
class GpuPrice:
    record: GpuRecord
    usd_per_gpu_hour: Decimal
    usd_per_instance_hour: Decimal


@dataclass(frozen=True, slots=True)
class TokenPrice:
    record: TokenRecord
    input: Decimal
    output: Decimal
    cached_input: Decimal | None
    cache_write: Decimal | None
    batch_discount: Decimal | None

    @property
    def blended(self):
        return (3 * self.input + self.output) / 4


class Refused(Exception):
    pass


def _round(value, places):
    return value.quantize(places, rounding=ROUND_HALF_UP)


def gpu_price(record: GpuRecord) -> GpuPrice:
    """USD per GPU-hour and per instance-hour; raises Refused with the reason."""
    gpus = Decimal(record.gpus_per_instance)
    if record.price <= 0:
        raise Refused("price is zero or negative")
    if record.unit == GpuUnit.INSTANCE_HOUR:
        instance = record.price
    elif record.unit == GpuUnit.GPU_HOUR:
        instance = record.price * gpus
    elif record.unit == GpuUnit.INSTANCE_TERM_TOTAL:
        if not record.term_hours:
            raise Refused("term total without a term")
        instance = record.price / Decimal(record.term_hours)
    else:
        raise Refused(f"unknown unit {record.unit!r}")
    per_gpu = _round(instance / gpus, GPU_PLACES)
    if per_gpu < GPU_HOUR_FLOOR:
        raise Refused(f"below the floor of ${GPU_HOUR_FLOOR}/GPU-hour (placeholder?)")
    if per_gpu > GPU_HOUR_CEILING:
        raise Refused(f"above the ceiling of ${GPU_HOUR_CEILING}/GPU-hour")
    return GpuPrice(record, per_gpu, _round(instance, GPU_PLACES))


def _per_mtok(value, factor):
    return None if value is None else _round(value * factor, MTOK_PLACES)


def token_price(record: TokenRecord) -> TokenPrice:
    """USD per 1M tokens; raises Refused with the reason."""
    factor = TOKEN_FACTORS.get(record.unit)
    if factor is None:
        raise Refused(f"unknown unit {record.unit!r}")
    price_in, price_out = _per_mtok(record.input, factor), _per_mtok(record.output, factor)
    if price_in <= 0 or price_out <= 0:
        raise Refused("input or output price is zero or negative")
    if price_in > MTOK_CEILING or price_out > MTOK_CEILING:
        raise Refused(f"above the ceiling of ${MTOK_CEILING} per 1M tokens (wrong unit?)")
    cached, write = _per_mtok(record.cached_input, factor), _per_mtok(record.cache_write, factor)
    cached = cached if cached is not None and 0 <= cached <= MTOK_CEILING else None
    write = write if write is not None and 0 <= write <= MTOK_CEILING else None
    # batch_discount is the share taken off the list price (1 - batch / list), as load_curated stores it:
    # 0.5 for OpenAI's half-price batch API, 0.6 for a batch price at 40% of list.
    discount = None
    if record.batch_input is not None and record.input > 0:
        ratio = record.batch_input / record.input
        if 0 < ratio <= 1:
            discount = (1 - ratio).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return TokenPrice(record, price_in, price_out, cached, write, discount)
