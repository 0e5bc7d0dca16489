"""Schema and price drift: a run that looks like the source changed under us fails loudly.

Two checks, both owned here:

- check_run(): called once by scrapers.ingest.ingest(), inside the run's transaction, after the rows
  are saved. It raises Drift (so the transaction rolls back: published prices untouched, the run
  FAILED with the reason on its ScrapeRun, shown on /sources/, in admin and in the nightly summary)
  when the run parsed rows but could publish none (renamed keys, a missing column), or published far
  fewer than the source's last good run.
- thirty_day_medians() / past_median(): a price more than 5x away from its offering's 30-day median
  goes to review even when each step from the last price was below 5x (slow drift compounds).
"""

import statistics
from datetime import timedelta
from decimal import Decimal

from inference.models import blended_price

from .models import ScrapeRun

FEWER_THAN_LAST_GOOD = Decimal("0.5")  # publishing under half of the last good run's rows is a failure
MEDIAN_WINDOW_DAYS = 30
MEDIAN_FACTOR = Decimal(5)


class Drift(Exception):
    """The payload no longer looks like the source's format; the run fails and nothing is written."""


def last_good_run(source_name, *, exclude_pk=None):
    """The source's newest ok/partial run that published something (dry runs do not count)."""
    runs = ScrapeRun.objects.successful().filter(source=source_name, dry_run=False).exclude(pk=exclude_pk)
    for run in runs.order_by("-started", "-pk")[:20]:
        if run.rows_published:
            return run
    return None


def check_run(source, run, parsed):
    """Raise Drift when the run's counts say the payload's shape changed; return None otherwise."""
    parsed_rows = len(parsed.records) + len(parsed.skipped)
    published = run.rows_published
    reached_catalogue = published + run.rows_flagged + run.rows_unmatched + run.rows_collapsed
    if parsed_rows and not reached_catalogue:
        # Unknown names are the catalogue's gap (listed on the run); no row surviving the parser is drift.
        raise Drift(f"parsed {parsed_rows} rows but none was a usable price ({_why_nothing(run, parsed)})")
    previous = last_good_run(source.name, exclude_pk=run.pk)
    if previous is not None and published + run.rows_flagged < previous.rows_published * FEWER_THAN_LAST_GOOD:
        raise Drift(
            f"published {published} rows, far fewer than the {previous.rows_published} of the last good run "
            f"({previous.started:%Y-%m-%d}); prices left untouched"
        )


def _why_nothing(run, parsed):
    """The commonest reason rows were skipped or refused: what a reader needs to find the renamed field."""
    reasons = dict(run.refusal_reasons or {})
    for skip in parsed.skipped:
        reasons[skip.reason] = reasons.get(skip.reason, 0) + 1
    if not reasons:
        return "required fields renamed or missing?"
    top = max(reasons, key=reasons.get)
    return f"most often: {top}; required fields renamed or missing?"


def thirty_day_medians(kind, offering_ids, day):
    """{offering id: median comparable price over the 30 days up to `day`} in one query."""
    if not offering_ids:
        return {}
    since = day - timedelta(days=MEDIAN_WINDOW_DAYS)
    observations = kind.observation_model.objects.filter(
        offering_id__any_of=set(offering_ids), observed_on__gte=since, observed_on__lte=day
    )
    prices = {}
    if kind.offering_item_field == "gpu_id":
        for offering_id, price in observations.values_list("offering_id", "usd_per_gpu_hour"):
            prices.setdefault(offering_id, []).append(price)
    else:
        rows = observations.values_list("offering_id", "usd_per_mtok_input", "usd_per_mtok_output")
        for offering_id, inp, out in rows:
            prices.setdefault(offering_id, []).append(blended_price(inp, out))
    return {pk: statistics.median(values) for pk, values in prices.items() if values}


def past_median(price, median):
    """True when price is 5x or more away from the 30-day median (either way)."""
    if median is None or median <= 0:
        return False
    return price >= median * MEDIAN_FACTOR or price * MEDIAN_FACTOR <= median
