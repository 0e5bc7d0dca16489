"""When an offering is current, stale or delisted (DESIGN.md: 3 and 14 days since its source saw it)."""

from datetime import UTC, date, datetime

STALE_AFTER_DAYS = 3
DELISTED_AFTER_DAYS = 14


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
