"""The public /sources/ page: every price source, its last successful run, and how many prices it feeds."""

from datetime import timedelta

from django.db.models import Count
from django.shortcuts import render

from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from inference.models import InferencePriceObservation
from providers.models import GpuPriceObservation

from .models import ScrapeRun
from .sources import REGISTRY


def _current_prices_by_source(observation_model, since):
    """{source: offerings it priced since `since`}: one grouped query."""
    rows = (
        observation_model.objects.filter(observed_on__gte=since, is_curated=False)
        .values("source")
        .annotate(offerings=Count("offering", distinct=True))
    )
    return {row["source"]: row["offerings"] for row in rows}


def _failing_since(last_ok, last_failed):
    """The newest failed run when it is newer than the last success: the source is down."""
    if last_failed is None or (last_ok is not None and last_ok.pk > last_failed.pk):
        return None
    return last_failed


def sources(request):
    """Four queries (plus the footer's two) whatever the number of sources, runs or prices."""
    since = today_utc() - timedelta(days=STALE_AFTER_DAYS)
    feeds = _current_prices_by_source(GpuPriceObservation, since)
    for source, count in _current_prices_by_source(InferencePriceObservation, since).items():
        feeds[source] = feeds.get(source, 0) + count
    real_runs = ScrapeRun.objects.filter(dry_run=False)
    last_ok = real_runs.last_successful_per_source()
    last_failed = real_runs.filter(status=ScrapeRun.Status.FAILED).newest_per_source()
    rows = [
        {
            "name": name,
            "anchor": name.replace(":", "-"),
            "kind": {"gpu": "GPU-hour prices", "speed": "Endpoint speed"}.get(source.kind, "Per-token prices"),
            "url": getattr(source, "page_url", source.url),
            "last_run": last_ok.get(name),
            "failing": _failing_since(last_ok.get(name), last_failed.get(name)),
            "prices": feeds.get(name, 0),
        }
        for name, source in sorted(REGISTRY.items())
    ]
    return render(request, "scrapers/sources.html", {"sources": rows, "stale_after_days": STALE_AFTER_DAYS})
