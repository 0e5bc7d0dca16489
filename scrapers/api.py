"""The sources operation of the JSON API (/api/v1/sources): each source's last run and status, as /sources/ shows."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Router, Schema

from computeprices.apitypes import responses

from .models import ScrapeRun
from .report import data_report
from .sources import REGISTRY

router = Router(tags=["Sources"])
KIND = {"gpu": "gpu", "token": "inference", "speed": "speed"}


class RunOut(Schema):
    started: datetime
    finished: datetime | None
    observed_on: date = Field(..., description="The UTC day the run recorded prices for.")
    status: Literal[tuple(ScrapeRun.Status.values)]
    rows_published: int
    error: str


class SourceOut(Schema):
    name: str
    kind: Literal["gpu", "inference", "speed"]
    url: str
    status: Literal["ok", "failing", "never_run"] = Field(
        ..., description="failing: its newest real run failed after its last success."
    )
    last_successful_run: RunOut | None
    failing_since: RunOut | None
    current_prices: int = Field(..., description="Listed offerings whose published price comes from this source.")


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
    """The rows of /sources/, by name, from the same report (scrapers.report.data_report)."""
    return [
        {
            "name": row.name,
            "kind": KIND[REGISTRY[row.name].kind],
            "url": row.url,
            "status": "failing" if row.failing else ("ok" if row.last_run else "never_run"),
            "last_successful_run": run_out(row.last_run),
            "failing_since": run_out(row.failing),
            "current_prices": row.published,
        }
        for row in data_report().sources
    ]
