"""Display formats for trace figures: rounding happens here only, the numbers stay Decimal."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def usd(value):
    """$1,234.56 from a dollar up; four significant figures below ($0.01234, $0.0004567, $0.02)."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if abs(value) >= 1:
        return f"${value:,.2f}"
    if value == 0:
        return "$0"
    text = format(value.quantize(Decimal(1).scaleb(value.adjusted() - 3)), "f").rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


@register.filter
def percent(value):
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.0f}%"


@register.filter
def whole(value):
    """Thousands-separated, no decimals (token counts, milliseconds, tokens per second)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.0f}"


@register.filter
def route_label(value):
    from traces.models import Route

    return dict(Route.choices).get(value, value)
