"""The record speed sources parse into (kind "speed"); scrapers.speed_ingest matches, validates and saves it.

Kept free of Django imports so a source module can import it while the scrapers package loads.
"""

from dataclasses import dataclass
from decimal import Decimal

VALUE_FIELDS = (
    "tokens_per_second_p50",
    "tokens_per_second_p90",
    "tokens_per_second_p99",
    "ttft_ms_p50",
    "ttft_ms_p90",
    "ttft_ms_p99",
    "uptime_percent",
    "request_count",
    "window_minutes",
)


@dataclass(frozen=True, slots=True)
class SpeedRecord:
    """One endpoint's figures as a source gives them: tokens/s per request, TTFT in ms, uptime in %."""

    provider: str
    model: str
    quantization: str = ""
    endpoint: str = ""
    tokens_per_second_p50: Decimal | None = None
    tokens_per_second_p90: Decimal | None = None
    tokens_per_second_p99: Decimal | None = None
    ttft_ms_p50: Decimal | None = None
    ttft_ms_p90: Decimal | None = None
    ttft_ms_p99: Decimal | None = None
    uptime_percent: Decimal | None = None
    request_count: int | None = None
    window_minutes: int | None = None
    blended_usd_per_mtok: Decimal | None = None  # the endpoint's list price, only to fold duplicates
    model_candidates: tuple[str, ...] = ()
    source_url: str = ""

    def values(self):
        return {field: getattr(self, field) for field in VALUE_FIELDS}


def run_speed_ingest(source, parsed, **kwargs):
    """What a speed source's `ingest` points at: scrapers.speed_ingest.ingest, imported when first run."""
    from scrapers.speed_ingest import ingest

    return ingest(source, parsed, **kwargs)
