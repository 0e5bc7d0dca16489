"""The per-token operations of the JSON API (/api/v1/models...).

Each operation reads the same functions (inference.listing, inference.pages, inference.queries) and
validates with the same form (inference.forms) as its page, so every figure equals the page's at the
same `blend`; a value the page would ignore is a 422 naming it here. Query counts are the pages' and
constant in the size of the data.
"""

from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from computeprices.apitypes import (
    Number,
    Pagination,
    Ratio,
    UsdPerMtok,
    check_range,
    form_errors,
    refuse,
    responses,
)
from computeprices.freshness import today_utc

from .columns import SORTS
from .forms import ModelListFilterForm
from .listing import filter_choices, model_summaries
from .models import EndpointMeasurement, InferencePriceObservation, LanguageModel, ServingKind
from .pages import current_summary
from .queries import model_offerings, offering_rows, parse_blend

router = Router(tags=["Models (per-token prices)"])

BLEND_HELP = "input:output token mix for blended prices, whole numbers, e.g. 3:1 (the default) or 10:1."
ServingKindName = Literal[tuple(ServingKind.values)]
SortName = Literal[tuple(f"{d}{k}" for k in SORTS for d in ("", "-"))]


BLEND_ERROR = "write it as input:output with whole numbers up to 100 (not both 0), e.g. 3:1."


def blend_from(raw):
    blend, error = parse_blend(raw)
    if error:
        refuse([("blend", BLEND_ERROR)])
    return blend


class ModelOut(Schema):
    slug: str
    name: str
    url: str
    creator: str
    family: str
    total_params_b: Number | None = Field(..., description="Total parameters, billions.")
    active_params_b: Number | None = Field(..., description="Parameters used per token, billions.")
    context_window: int | None
    modalities: list[str]
    open_weights: bool
    release_date: date | None
    license: str
    blend: str = Field(..., description="The input:output mix the blended figures are at.")
    provider_count: int = Field(..., description="Providers with a current serverless or dedicated price.")
    cheapest_blended_usd_per_mtok: UsdPerMtok | None
    median_blended_usd_per_mtok: UsdPerMtok | None
    highest_blended_usd_per_mtok: UsdPerMtok | None
    spread: Ratio | None = Field(..., description="Highest over cheapest blended price.")
    cheapest_provider: str | None = Field(..., description="Slug of the provider with the cheapest blended price.")


class ModelOfferingOut(Schema):
    provider: str = Field(..., description="Provider slug.")
    provider_name: str
    quantization: str
    serving_kind: ServingKindName
    usd_per_mtok_input: UsdPerMtok | None
    usd_per_mtok_output: UsdPerMtok | None
    blended_usd_per_mtok: UsdPerMtok | None = Field(..., description="At the `blend` asked for (3:1 by default).")
    usd_per_mtok_cached_input: UsdPerMtok | None
    usd_per_mtok_cache_write: UsdPerMtok | None
    batch_discount: Ratio | None = Field(..., description="0.5 = batch costs half the list price.")
    batch_blended_usd_per_mtok: UsdPerMtok | None
    context_served: int | None
    price_date: date | None = Field(..., description="UTC day of the price shown.")
    last_seen_on: date | None
    status: Literal["current", "stale", "delisted"]
    source: str | None
    source_url: str | None
    tokens_per_second_p50: float | None = Field(
        None, description="Measured output tokens/s per request, p50 (OpenRouter's own traffic; see /about/#speed)."
    )
    ttft_ms_p50: float | None = Field(None, description="Measured time to first token, ms, p50.")
    uptime_percent: float | None = None
    measured_on: date | None = Field(None, description="UTC day of the speed measurement.")
    measurement_status: Literal["current", "stale", "delisted"] | None = None


class ModelHistoryOut(Schema):
    day: date
    provider: str = Field(..., description="Provider slug.")
    quantization: str
    serving_kind: ServingKindName
    usd_per_mtok_input: UsdPerMtok
    usd_per_mtok_output: UsdPerMtok
    blended_usd_per_mtok: UsdPerMtok


class BlendOnly(Schema):
    blend: str | None = Field(None, max_length=20, description=BLEND_HELP)


class ModelFilters(BlendOnly):
    creator: str | None = Field(None, max_length=100)
    open: bool | None = Field(None, description="true: open-weight models only.")
    min_context: int | None = Field(None, ge=0, description="Minimum context window in tokens.")
    min_params: float | None = Field(None, ge=0, le=10**7, description="Minimum total parameters, billions.")
    max_params: float | None = Field(None, ge=0, le=10**7, description="Maximum total parameters, billions.")
    modality: str | None = Field(None, max_length=50)
    sort: SortName | None = Field(None, description="A column, - for descending; most providers first by default.")


class HistoryFilters(BlendOnly):
    start: date | None = Field(None, description="First UTC day (inclusive).")
    end: date | None = Field(None, description="Last UTC day (inclusive).")


def model_out(summary, blend) -> dict:
    m = summary.model
    return {
        "slug": m.slug,
        "name": m.name,
        "url": m.get_absolute_url(),
        "creator": m.creator,
        "family": m.family,
        "total_params_b": m.total_params_b,
        "active_params_b": m.active_params_b,
        "context_window": m.context_window,
        "modalities": m.modality_list,
        "open_weights": m.open_weights,
        "release_date": m.release_date,
        "license": m.license,
        "blend": str(blend),
        "provider_count": summary.provider_count,
        "cheapest_blended_usd_per_mtok": summary.cheapest,
        "median_blended_usd_per_mtok": summary.median,
        "highest_blended_usd_per_mtok": summary.highest,
        "spread": summary.spread,
        "cheapest_provider": summary.cheapest_offering.provider.slug if summary.cheapest_offering else None,
    }


@router.get(
    "/models",
    response=responses(list[ModelOut], with_404=False),
    summary="Every model with its cheapest, median and highest price",
)
@paginate(Pagination)
def models(request, filters: Query[ModelFilters]):
    """Like /models/ (same filters, same form): blended prices across providers. Three queries."""
    creators, modalities = filter_choices()
    data = {k: v for k, v in filters.dict().items() if v is not None}
    if "open" in data:
        data["open"] = "1" if data["open"] else ""
    form = ModelListFilterForm(data, creators, modalities)
    if not form.is_valid():
        errors = form_errors(form)
        if "blend" in errors:
            errors["blend"] = [BLEND_ERROR]
        refuse(errors)
    blend = form.cleaned_data["blend"]
    return [model_out(s, blend) for s in model_summaries(form.cleaned_data, blend)]


@router.get("/models/{slug}", response=responses(ModelOut), summary="One model and its price summary")
def model(request, slug: str, filters: Query[BlendOnly]):
    """The facts and the summary line of /models/<slug>/. Two queries."""
    blend = blend_from(filters.blend)
    model = get_object_or_404(LanguageModel, slug=slug)
    today = today_utc()
    rows = offering_rows(model_offerings(model), blend, today)
    return model_out(current_summary(model, rows, blend), blend)


@router.get(
    "/models/{slug}/offerings",
    response=responses(list[ModelOfferingOut]),
    summary="One model's listed offerings, cheapest blended first",
)
@paginate(Pagination)
def model_offerings_api(request, slug: str, filters: Query[BlendOnly]):
    """The table of /models/<slug>/ at `blend`, with each offering's latest measured speed. Three queries."""
    blend = blend_from(filters.blend)
    model = get_object_or_404(LanguageModel, slug=slug)
    rows = offering_rows(model_offerings(model), blend, today_utc())
    speeds = EndpointMeasurement.objects.latest_by_offering([r.offering.pk for r in rows])
    return [
        {
            "provider": r.offering.provider.slug,
            "provider_name": r.offering.provider.name,
            "quantization": r.offering.quantization,
            "serving_kind": r.offering.serving_kind,
            "usd_per_mtok_input": r.offering.latest_input,
            "usd_per_mtok_output": r.offering.latest_output,
            "blended_usd_per_mtok": r.blended,
            "usd_per_mtok_cached_input": r.offering.latest_cached_input,
            "usd_per_mtok_cache_write": r.offering.latest_cache_write,
            "batch_discount": r.offering.latest_batch_discount,
            "batch_blended_usd_per_mtok": r.batch_blended,
            "context_served": r.offering.latest_context,
            "price_date": r.offering.latest_observed_on,
            "last_seen_on": r.offering.last_seen_on,
            "status": r.freshness,
            "source": r.offering.latest_source,
            "source_url": r.offering.latest_source_url,
            **_speed(speeds.get(r.offering.pk)),
        }
        for r in rows
    ]


def _speed(m):
    if m is None:
        return {}
    return {
        "tokens_per_second_p50": m.tokens_per_second_p50,
        "ttft_ms_p50": m.ttft_ms_p50,
        "uptime_percent": m.uptime_percent,
        "measured_on": m.measured_on,
        "measurement_status": m.freshness(),
    }


@router.get(
    "/models/{slug}/history",
    response=responses(list[ModelHistoryOut]),
    summary="One model's daily prices per offering",
)
@paginate(Pagination)
def model_history(request, slug: str, filters: Query[HistoryFilters]):
    """Every offering's price per UTC day (a curated price wins a same-day tie), oldest first. Two queries."""
    blend = blend_from(filters.blend)
    check_range(filters.start, filters.end)
    model = get_object_or_404(LanguageModel, slug=slug)
    observations = InferencePriceObservation.objects.filter(offering__model=model)
    if filters.start:
        observations = observations.filter(observed_on__gte=filters.start)
    if filters.end:
        observations = observations.filter(observed_on__lte=filters.end)
    rows, seen = [], set()
    for offering_id, day, provider, quantization, kind, price_in, price_out in observations.order_by(
        "observed_on", "offering__provider__slug", "offering_id", "-is_curated", "-pk"
    ).values_list(
        "offering_id",
        "observed_on",
        "offering__provider__slug",
        "offering__quantization",
        "offering__serving_kind",
        "usd_per_mtok_input",
        "usd_per_mtok_output",
    ):
        if (offering_id, day) in seen:
            continue
        seen.add((offering_id, day))
        rows.append(
            {
                "day": day,
                "provider": provider,
                "quantization": quantization,
                "serving_kind": kind,
                "usd_per_mtok_input": price_in,
                "usd_per_mtok_output": price_out,
                "blended_usd_per_mtok": blend.price(price_in, price_out),
            }
        )
    return rows
