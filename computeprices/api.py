"""The JSON API under /api/v1/: one NinjaAPI, a router per app, the OpenAPI schema and local docs.

Every answer carries an ETag (a hash of its body; If-None-Match answers 304) and Cache-Control.
Each client (by address) may make API_RATE_LIMIT requests (settings; "120/m" unless the environment
says otherwise); past that the answer is 429 with Retry-After. A bad parameter is a 422 naming it in
`detail[].loc` (the breakeven keeps its own 400 contract); an unknown slug is a 404.
"""

import hashlib
import logging
from typing import Any, Literal

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from ninja import Field, NinjaAPI, Schema, Status
from ninja.throttling import AnonRateThrottle

from computeprices.apitypes import ErrorOut
from inference.api import router as inference_router
from providers.api import router as providers_router
from scrapers.api import router as scrapers_router
from selfhost.contract import BreakevenForm, breakeven_response

logger = logging.getLogger(__name__)

API_DESCRIPTION = """Prices of AI compute as open data: GPU-hour prices across rental clouds, per-token prices across
inference APIs, their daily history, and the breakeven between them.

Money is a decimal string in the unit its field names: USD per GPU-hour, USD per instance-hour, USD per
1M tokens. Days are UTC. Every figure equals the one the matching page shows. Lists are paginated with
`limit` and `offset` and answer `{"items": [...], "count": total}`.

Rate limit: see `/api/`. Past it the answer is 429 with a Retry-After header (seconds)."""


class SettingsRateThrottle(AnonRateThrottle):
    """Per-client rate from settings.API_RATE_LIMIT, read on each request (so tests and env can change it)."""

    scope = "api"

    def __init__(self):
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request):
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request)
        except Exception:  # the counts live in the cache; a dead cache lifts the limit, never fails the request
            logger.warning("API rate limit skipped: the cache did not answer", exc_info=True)
            return True


class PricesAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if response.status_code != 200:
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
        patch_vary_headers(response, ["Accept-Encoding"])
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response


api = PricesAPI(
    title="ComputePrices API",
    version="1",
    description=API_DESCRIPTION,
    urls_namespace="api",
    throttle=[SettingsRateThrottle()],
)
api.add_router("", providers_router)
api.add_router("", inference_router)
api.add_router("", scrapers_router)


# /api/v1/breakeven: the calculator's JSON, described in this schema. A thin adapter over
# selfhost.contract.breakeven_response, the one contract the /breakeven/ page shares (answer and 400 errors).


class SelfHostOut(Schema):
    """Whether self-hosting on rented GPUs can serve the workload at the latency targets asked for."""

    eligible: bool = Field(
        ..., description="False when no planned replica meets tokens_per_second_per_user or p95_ttft_ms: then "
        "every self-hosting cost and the breakeven are null and the route advisor recommends a per-token route."
    )  # fmt: skip
    reason: str | None = Field(None, description="Why self-hosting is not eligible, with the figures; null if it is.")
    target_field: Literal["tokens_per_second_per_user", "p95_ttft_ms"] | None = Field(
        None, description="The input whose target is not met."
    )
    target: float | None = Field(None, description="The target asked for, in `unit`.")
    reached: float | None = Field(
        None, description="The best the closest replica does, in `unit`: the most output tokens/s one user sees "
        "on it, or the least time to first token (a prompt alone, no queue)."
    )  # fmt: skip
    unit: str | None = Field(None, description="`output tokens/s per user` or `ms (p95 time to first token)`.")
    basis: str | None = Field(None, description="`measured` (a throughput profile), `estimated`, or `yours`.")
    replica: str | None = Field(None, description="The replica planned (or closest to the target), in words.")


class ApiAtTargetOut(Schema):
    """The cheapest per-token offering measured at or above tokens_per_second_per_user (p50 per request)."""

    target_tokens_per_second_per_user: float
    met: bool = Field(..., description="True when a measured offering reaches the target.")
    provider: str | None
    usd_per_mtok_input: float | None
    usd_per_mtok_output: float | None
    tokens_per_second_p50: float | None = Field(None, description="Its measured p50 output tokens/s per request.")
    measured_on: str | None = Field(None, description="UTC day of that measurement.")
    monthly_cost: float | None = Field(None, description="USD per month for this workload at its prices.")
    fastest_provider: str | None = Field(None, description="When none reaches the target: the fastest measured.")
    fastest_tokens_per_second_p50: float | None
    reason: str | None = Field(None, description="Why no offering qualifies (none measured, or none that fast).")


class BreakevenOut(Schema):
    api_monthly_cost: float | None = Field(..., description="USD per month through the API.")
    self_host_monthly_cost: float | None = Field(
        ..., description="USD per month for the GPUs; null when self_host.eligible is false."
    )
    replicas: int | None
    gpus: int | None
    breakeven_tokens_per_day: int | None
    no_breakeven_reason: str | None
    self_host: SelfHostOut | None = Field(None, description="Whether self-hosting can meet the latency targets.")
    api_at_target: ApiAtTargetOut | None = Field(
        None, description="With tokens_per_second_per_user and a model: the per-token offering measured that fast."
    )
    self_host_cost_per_mtok: float | None = Field(..., description="USD per 1M tokens self-hosted.")
    api_cost_per_mtok: float | None = Field(..., description="USD per 1M tokens through the API.")
    api_daily_cost: float | None
    busy_fraction: float | None
    self_host_daily_cost: float | None = Field(None, description="USD per day for the GPUs.")
    cheaper: Literal["self_host", "api"] = Field(..., description="`api` whenever self-hosting is not eligible.")
    volumes: dict[str, Any] | None = Field(None, description="Tokens/day ranges where self-hosting is cheaper.")
    inputs: dict[str, Any]
    sources: dict[str, Any]
    memory: dict[str, Any] | None = Field(None, description="GB: weights, KV cache, overhead, available, fits.")
    throughput: dict[str, Any] | None = Field(None, description="Tokens/s: measured or estimated, range, bounds.")
    route: dict[str, Any] | None = Field(None, description="The route advisor: recommended route, costs, reasons.")
    units: dict[str, Any] | None = Field(None, description="The unit of every figure in this answer.")


class BreakevenErrors(Schema):
    errors: dict[str, list[str]] = Field(..., description="{field: [messages]} for each refused input.")


def _breakeven_parameters():
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": " ".join(str(t) for t in (field.label, field.help_text) if t),
        }
        for name, field in BreakevenForm.base_fields.items()
    ]


@api.get(
    "/breakeven",
    response={200: BreakevenOut, 400: BreakevenErrors, 429: ErrorOut},
    tags=["Breakeven"],
    summary="API cost against self-hosting on rented GPUs",
    openapi_extra={"parameters": _breakeven_parameters()},
)
def breakeven(request):
    """The numbers of /breakeven/; a bad input is a 400 naming each field. A latency target that no
    self-hosted replica meets is not an error: a 200 with `self_host.eligible` false, no breakeven, and the
    per-token route that meets it (`api_at_target`)."""
    status, body = breakeven_response(request.GET)
    return Status(status, body)


# /api/: the human page about the API (curl examples, limits, feeds, alerts).

EXAMPLES = [
    (
        "The cheapest 8 × H100 on-demand instance right now (offerings come cheapest first)",
        "gpus/h100-sxm/offerings?pricing_type=on_demand&gpus=8&status=current&limit=1",
    ),
    ("Every GPU with its cheapest and median on-demand price per GPU-hour", "gpus?limit=100"),
    ("A model's offerings at every provider, blended 3:1", "models/gpt-oss-120b/offerings?blend=3:1"),
    (
        "A GPU's daily cheapest and median price since a date",
        "gpus/h100-sxm/history?pricing_type=on_demand&start=2026-01-01",
    ),
    ("Open-weight models, cheapest blended price at 10:1 input to output", "models?open=true&blend=10:1&sort=cheapest"),
    ("One provider in both markets", "providers/lambda"),
    ("Each price source's last run and status", "sources"),
]


def api_page(request):
    """/api/: what the API answers, with curl examples against this site. No queries but the footer's."""
    from django.shortcuts import render

    base = request.build_absolute_uri("/api/v1/")
    return render(
        request,
        "api.html",
        {
            "base": base,
            "examples": [(what, base + path) for what, path in EXAMPLES],
            "rate_limit": settings.API_RATE_LIMIT,
            "cache_seconds": settings.API_CACHE_SECONDS,
        },
    )
