"""When an offering is current, stale or delisted (DESIGN.md: 3 and 14 days since its source saw it)."""

from datetime import UTC, date, datetime

STALE_AFTER_DAYS = 3
DELISTED_AFTER_DAYS = 14
# A curated price stays listed for a year after its own date (or its collection day when undated), then
# leaves the listings (kept in history), unless a newer price is curated or a scraper sees the offering.
CURATED_LISTED_FOR_DAYS = 365


def today_utc() -> date:
    return datetime.now(UTC).date()


def freshness_of(last_seen_on: date | None, today: date | None = None) -> str:
    """'current', 'stale' or 'delisted' for an offering last seen on that day."""
    if last_seen_on is None:
        return "delisted"
    age = ((today or today_utc()) - last_seen_on).days
    if age <= STALE_AFTER_DAYS:
        return "current"
    if age <= DELISTED_AFTER_DAYS:
        return "stale"
    return "delisted"


def offering_freshness(offering, today: date | None = None) -> str:
    """'current', 'stale' or 'delisted' for a GpuOffering or InferenceOffering (see ListingQuerySet):
    delisted once past its listed_until or retired by a scraped source; current when seen in 3 days."""
    today = today or today_utc()
    if offering.retired_by or offering.listed_until is None or offering.listed_until < today:
        return "delisted"
    return "current" if freshness_of(offering.last_seen_on, today) == "current" else "stale"


def in_market(offering, today: date | None = None) -> bool:
    """The Python twin of ListingQuerySet.market(): current, or curated-only and still listed."""
    status = offering_freshness(offering, today)
    return status == "current" or (status == "stale" and offering.last_scraped_on is None)


def age_in_words(days: int) -> str:
    """'today', '3 days old', '7 months old', '2 years old'."""
    if days <= 0:
        return "today"
    if days == 1:
        return "1 day old"
    if days < 45:
        return f"{days} days old"
    if days < 365:
        months = round(days / 30.4)
        return f"{months} months old"
    years = days // 365
    return f"{years} year old" if years == 1 else f"{years} years old"


def price_age_days(price_date: date | None, observed_on: date | None, today: date | None = None) -> int | None:
    """Days since the price's own date, or since it was collected when the source states no date."""
    day = price_date or observed_on
    if day is None:
        return None
    return ((today or today_utc()) - day).days
