"""Display filters for measured speed: tokens/s per request and milliseconds to the first token."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from computeprices.templatetags.prices import MISSING, to_decimal

register = template.Library()


@register.filter
def tps(value):
    """Tokens per second: one decimal below 100 (45.2), whole above (179, 1,250)."""
    d = to_decimal(value)
    if d is None:
        return MISSING
    if abs(d) >= 100:
        return f"{d.quantize(Decimal('1'), ROUND_HALF_UP):,}"
    return f"{d.quantize(Decimal('0.1'), ROUND_HALF_UP)}"


@register.filter
def ms(value):
    """Milliseconds, whole: 289 -> 289 ms, 13818 -> 13,818 ms."""
    d = to_decimal(value)
    return MISSING if d is None else f"{d.quantize(Decimal('1'), ROUND_HALF_UP):,} ms"


@register.inclusion_tag("inference/_provider_speed.html")
def provider_speed_table(offerings, provider=None):
    """The provider page's measured speeds for its listed inference offerings (annotated with .blended).

    One query (their latest published measurements), none when there are no offerings.
    """
    from inference.models import EndpointMeasurement

    offerings = list(offerings)
    latest = EndpointMeasurement.objects.latest_by_offering([o.pk for o in offerings]) if offerings else {}
    rows = [(o, latest[o.pk]) for o in offerings if o.pk in latest]
    rows.sort(key=lambda pair: (pair[0].model.name.lower(), -(pair[1].tokens_per_second_p50 or 0)))
    return {"rows": rows, "provider": provider, "offering_count": len(offerings)}
