"""Display filters for measured speed: tokens/s per request and milliseconds to the first token."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()
MISSING = "—"


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def tps(value):
    """Tokens per second: one decimal below 100 (45.2), whole above (179, 1,250)."""
    d = _decimal(value)
    if d is None:
        return MISSING
    if abs(d) >= 100:
        return f"{d.quantize(Decimal('1'), ROUND_HALF_UP):,}"
    return f"{d.quantize(Decimal('0.1'), ROUND_HALF_UP)}"


@register.filter
def ms(value):
    """Milliseconds, whole: 289 -> 289 ms, 13818 -> 13,818 ms."""
    d = _decimal(value)
    return MISSING if d is None else f"{d.quantize(Decimal('1'), ROUND_HALF_UP):,} ms"
