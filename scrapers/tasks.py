"""Celery tasks: one per source run (with a time limit) and the nightly fan-out.

Tasks stay thin: they call scrapers.ingest.run_source(). The fan-out is a chord: every source runs as
its own task, a failing source records a failed ScrapeRun and returns (never raises), and once all are
done the daily statistics are recomputed once.
"""

import importlib
import logging
from datetime import date

from celery import chord, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from computeprices.freshness import today_utc

from .ingest import run_source
from .models import ScrapeRun
from .sources import REGISTRY, get_source

logger = logging.getLogger(__name__)

DEFAULT_SOFT_TIME_LIMIT = 600
HARD_TIME_LIMIT_MARGIN = 60


@shared_task(
    name="scrapers.scrape_source",
    soft_time_limit=DEFAULT_SOFT_TIME_LIMIT,
    time_limit=DEFAULT_SOFT_TIME_LIMIT + HARD_TIME_LIMIT_MARGIN,
)
def scrape_source(name, day=None, payload_path=None):
    """Run one source; returns the run summary. A timeout is recorded as a failed run."""
    source = get_source(name)  # an unknown name raises: the chord's error callback still refreshes
    observed_on = date.fromisoformat(day) if day else None
    payload = source.read_file(payload_path) if payload_path else None
    try:
        run = run_source(source, payload=payload, day=observed_on)
    except SoftTimeLimitExceeded:
        run = ScrapeRun.objects.create(
            source=name,
            observed_on=observed_on or today_utc(),
            status=ScrapeRun.Status.FAILED,
            error=f"time limit of {DEFAULT_SOFT_TIME_LIMIT}s exceeded",
        )
    return run.summary()


@shared_task(name="scrapers.refresh_statistics")
def refresh_statistics(results=None):
    """Recompute the daily aggregates pages read, once, after every source has run.

    Imported here because providers.stats and inference.analysis belong to other apps and load lazily.
    """
    refreshed = []
    for module, function in (
        ("providers.stats", "refresh_gpu_daily_stats"),
        ("inference.analysis", "refresh_price_size_fit"),
    ):
        try:
            refresh = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            logger.warning("%s.%s does not exist yet; statistics not refreshed", module, function)
            continue
        refresh()
        refreshed.append(f"{module}.{function}")
    results = [r for r in results or [] if isinstance(r, dict)]
    return {
        "sources": len(results),
        "failed": sorted(r["source"] for r in results if r.get("status") == ScrapeRun.Status.FAILED),
        "refreshed": refreshed,
    }


def _time_limit(name):
    source = REGISTRY.get(name)
    return source.time_limit if source else DEFAULT_SOFT_TIME_LIMIT


def nightly_signature(names=None):
    """A chord: every source's task, then refresh_statistics once with their summaries.

    Source tasks record their own failures and return normally; should one still die (a hard time
    limit, a worker lost, a source no longer registered) Celery skips a chord's body, so the same
    refresh is linked as the body's error callback: the statistics are recomputed either way.
    """
    names = list(names or sorted(n for n, s in REGISTRY.items() if getattr(s, "nightly", True)))  # not file-only
    body = refresh_statistics.s()
    body.link_error(refresh_statistics.si())
    return chord(
        [
            scrape_source.si(name).set(
                soft_time_limit=_time_limit(name),
                time_limit=_time_limit(name) + HARD_TIME_LIMIT_MARGIN,
            )
            for name in names
        ],
        body,
    )


@shared_task(name="scrapers.scrape_all")
def scrape_all():
    """The nightly job: every source independently, then the statistics once."""
    return nightly_signature().apply_async().id
