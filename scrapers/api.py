"""The sources operation of the JSON API (/api/v1/sources): each source's last run and status, as /sources/ shows."""

from datetime import date, datetime, timedelta
from typing import Literal

from ninja import Field, Router, Schema

from computeprices.apitypes import responses
from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from inference.models import InferencePriceObservation
from providers.models import GpuPriceObservation

from .models import ScrapeRun
from .sources import REGISTRY
from .views import _current_prices_by_source, _failing_since

router = Router(tags=["Sources"])


class RunOut(Schema):
    started: datetime
    finished: datetime | None
    observed_on: date = Field(..., description="The UTC day the run recorded prices for.")
    status: Literal[tuple(ScrapeRun.Status.values)]
    rows_published: int
    error: str


class SourceOut(Schema):
    name: str
    kind: Literal["gpu", "inference"]
    url: str
    status: Literal["ok", "failing", "never_run"] = Field(
        ..., description="failing: its newest real run failed after its last success."
    )
    last_successful_run: RunOut | None
    failing_since: RunOut | None
    current_prices: int = Field(..., description=f"Offerings it priced in the last {STALE_AFTER_DAYS} days.")


def run_out(run):
    if run is None:
        return None
    return {
        "started": run.started,
        "finished": run.finished,
        "observed_on": run.observed_on,
        "status": run.status,
        "rows_published": run.rows_published,
        "error": run.error,
    }


@router.get(
    "/sources",
    response=responses(list[SourceOut], with_404=False),
    summary="Every price source, its last run and status",
)
def sources(request):
    """The rows of /sources/, by name. Four queries whatever the number of sources, runs or prices."""
    since = today_utc() - timedelta(days=STALE_AFTER_DAYS)
    feeds = _current_prices_by_source(GpuPriceObservation, since)
    for source, count in _current_prices_by_source(InferencePriceObservation, since).items():
        feeds[source] = feeds.get(source, 0) + count
    real_runs = ScrapeRun.objects.filter(dry_run=False)
    last_ok = real_runs.last_successful_per_source()
    last_failed = real_runs.filter(status=ScrapeRun.Status.FAILED).newest_per_source()
    rows = []
    for name, source in sorted(REGISTRY.items()):
        ok, failing = last_ok.get(name), _failing_since(last_ok.get(name), last_failed.get(name))
        rows.append(
            {
                "name": name,
                "kind": "gpu" if source.kind == "gpu" else "inference",
                "url": getattr(source, "page_url", source.url),
                "status": "failing" if failing else ("ok" if ok else "never_run"),
                "last_successful_run": run_out(ok),
                "failing_since": run_out(failing),
                "current_prices": feeds.get(name, 0),
            }
        )
    return rows
