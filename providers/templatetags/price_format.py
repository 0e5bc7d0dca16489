"""Display helpers for prices and comparisons: rounding happens here, in templates, and nowhere else."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def signed_percent(value, places=0):
    """0.123 -> "+12%", -0.05 -> "−5%" (a true minus sign); "" for None."""
    if value is None or value == "":
        return ""
    try:
        percent = (Decimal(value) * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if percent == 0:
        return f"{abs(percent)}%"
    return f"+{percent}%" if percent > 0 else f"−{abs(percent)}%"


@register.filter
def signed_usd(value, places=2):
    """0.5 -> "+$0.50", -0.5 -> "−$0.50"; "" for None."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if amount == 0:
        return f"${abs(amount)}"
    return f"+${amount}" if amount > 0 else f"−${abs(amount)}"


@register.filter
def percent(value, places=0):
    """0.5 -> "50%"; "" for None."""
    if value is None or value == "":
        return ""
    try:
        return f"{(Decimal(value) * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)}%"
    except (InvalidOperation, ValueError, TypeError):
        return ""
