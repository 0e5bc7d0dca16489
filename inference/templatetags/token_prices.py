"""Display formats for the per-token pages: USD per 1M tokens, spreads, parameter counts.

Prices stay Decimal until here; this is the one place they are rounded, and only for display.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from computeprices.templatetags.prices import usd as site_usd

register = template.Library()

MISSING = "—"


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def usd(value):
    """The site's one money rule (computeprices/templatetags/prices.py): $15.00, $0.263, $0.30, $0.0075."""
    return site_usd(value)


@register.filter
def times(value):
    """A ratio as a multiple: 12.5 -> ×12.5, 3 -> ×3.0."""
    d = _decimal(value)
    return MISSING if d is None else f"×{d.quantize(Decimal('0.1'), ROUND_HALF_UP)}"


@register.filter
def params_b(value):
    """Billions of parameters: 70 -> 70B, 7.25 -> 7.25B, 1000 -> 1,000B."""
    d = _decimal(value)
    if d is None:
        return MISSING
    text = f"{d.normalize():,f}" if d == d.to_integral_value() else f"{d.quantize(Decimal('0.01')).normalize():f}"
    return f"{text}B"


@register.filter
def tokens(value):
    """A context length in tokens: 131072 -> 131,072."""
    return MISSING if value in (None, "") else f"{int(value):,}"
