"""Number formats for the self-hosting pages: percentages, token counts, money, plain numbers."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from computeprices.templatetags.prices import MISSING, to_decimal

register = template.Library()


@register.filter
def pct(value):
    """A fraction as a percentage: 0.5 -> 50%, 0.125 -> 12.5%."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    text = f"{(d * 100).quantize(Decimal('0.1'), ROUND_HALF_UP):f}".removesuffix(".0")
    return f"{text}%"


@register.filter
def tok(value):
    """A token count or rate, compact: 1234 -> 1,234; 46700000 -> 46.7M; 2.5e9 -> 2.5B."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    for size, suffix in ((Decimal("1e12"), "T"), (Decimal("1e9"), "B"), (Decimal("1e6"), "M")):
        if abs(d) >= size:
            scaled = (d / size).quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
            return f"{scaled:f}{suffix}"
    return f"{d.quantize(Decimal('1'), ROUND_HALF_UP):,f}"


@register.filter
def money(value):
    """USD to the cent with thousands separators: 87072 -> $87,072.00."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    return f"${d.quantize(Decimal('0.01'), ROUND_HALF_UP):,f}"


@register.filter
def num(value):
    """A plain number for tables of inputs: 75000000 -> 75,000,000; 0.5 -> 0.5; 28271.4285 -> 28,271.43."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    places = Decimal("0.01") if abs(d) >= 100 else Decimal("0.000001")
    d = d.quantize(places, ROUND_HALF_UP).normalize()
    return f"{d:,f}"
