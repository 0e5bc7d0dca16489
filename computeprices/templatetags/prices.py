"""The site's one rule for showing money: whole cents from $1 up, three significant digits below
(never fewer than two decimals): $15.00, $2.49, $0.263, $0.30, $0.035, $0.0075. Every page's
prices go through `usd` (per GPU-hour, per 1M tokens, per GB-hour alike); CSVs keep full precision.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

MISSING = "—"
SIGNIFICANT = 3


def to_decimal(value):
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return d if d.is_finite() else None


def money_text(d: Decimal) -> str:
    """The number part of `usd` (no sign, no $)."""
    d = abs(d)
    if d >= 1 or d == 0:
        return f"{d.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    exponent = d.adjusted()  # 0.0263 -> -2
    places = max(2, SIGNIFICANT - 1 - exponent)
    text = f"{d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"
    if Decimal(text) >= 1:
        return "1.00"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    return f"{whole}.{decimals}"


@register.filter
def usd(value):
    """A price by the one rule; "—" for nothing; a true minus sign for negatives."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    return ("−$" if d < 0 else "$") + money_text(d)


# Vast.ai's machine ids: "2x-A100_PCIE-32-65536" = GPUs, GPU, vCPUs, RAM in MB. Other sellers' ids that
# look alike ("1x-H100-75-722") are left as written: we do not know what their numbers mean.
MACHINE_ID = re.compile(r"^(\d+)x-[A-Za-z0-9_]+-(\d+)-(\d{5,})$")


@register.filter
def instance(name):
    """An instance name for readers: marketplace machine ids become what they describe
    ("2x-A100_PCIE-32-65536" -> "32 vCPU, 64 GB RAM"); cloud instance types stay as they are."""
    name = str(name or "")
    match = MACHINE_ID.match(name)
    if match:
        return f"{int(match[2])} vCPU, {round(int(match[3]) / 1024):,} GB RAM"
    return name
