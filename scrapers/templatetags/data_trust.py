"""Age and stale badges any page can use, from an offering annotated by with_latest_price():

    {% load data_trust %}{% price_age offering %}

renders the price's age ("7 months old") with a stale badge unless a source saw the offering in the last
3 days, and says "undated" where the source states no date (the age then counts from the day it was
collected). `{{ offering|price_age_words }}` is the age alone, for headlines that must say how old.
"""

from django import template

from computeprices.freshness import age_in_words, offering_freshness, price_age_days, today_utc

register = template.Library()


def _age(offering, today=None):
    return price_age_days(
        getattr(offering, "latest_price_date", None), getattr(offering, "latest_observed_on", None), today
    )


@register.inclusion_tag("scrapers/_price_age.html")
def price_age(offering, today=None):
    today = today or today_utc()
    days = _age(offering, today)
    status = offering_freshness(offering, today) if hasattr(offering, "listed_until") else "stale"
    return {
        "o": offering,
        "days": days,
        "words": age_in_words(days) if days is not None else "",
        "current": status == "current",
        "undated": getattr(offering, "latest_price_date", None) is None,
    }


@register.filter
def price_age_words(offering):
    days = _age(offering)
    return age_in_words(days) if days is not None else "undated"


@register.filter
def origin_file(url):
    """A short name for the file a price's number came from: "genai-prices/anthropic.yml" for a GitHub file
    at its version, the host for any other page."""
    from urllib.parse import urlsplit

    parts = urlsplit(str(url or ""))
    path = [p for p in parts.path.split("/") if p]
    if parts.netloc == "github.com" and len(path) >= 5 and path[2] in ("blob", "tree"):
        return f"{path[1]}/{path[-1]}"
    return parts.netloc.removeprefix("www.") or str(url or "")
