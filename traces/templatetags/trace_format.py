"""Display formats for trace figures: rounding happens here only, the numbers stay Decimal."""

from decimal import Decimal

from django import template

from computeprices.templatetags.prices import usd as site_usd

register = template.Library()


@register.filter
def usd(value):
    """The site's one money rule (computeprices/templatetags/prices.py): $1,234.50, $0.325, $0.000323."""
    return site_usd(value)


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
