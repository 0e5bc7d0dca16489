"""/breakeven/ and GET /api/v1/breakeven: thin views over selfhost.contract (logic lives there)."""

from dataclasses import replace
from decimal import Decimal
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from computeprices.freshness import today_utc
from inference import economics
from inference.economics import D

from . import charts, contract, volumes

SENSITIVITY_UTILIZATIONS = [Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8"), Decimal("1")]


def sensitivity(w: economics.Workload):
    """Rows at other utilizations, and which columns actually change across them (the rest said once)."""
    rows = []
    for u in SENSITIVITY_UTILIZATIONS:
        c = economics.compare(replace(w, utilization=u))
        r = volumes.winning_ranges(replace(w, utilization=u))
        rows.append(
            {
                "utilization": u,
                "current": u == w.utilization,
                "replicas": c.replicas,
                "monthly": c.self_host_monthly_cost,
                "per_mtok": c.self_host_cost_per_mtok,
                "stays_cheaper_from": r.stays_cheaper_from,
                "cheaper": "GPUs" if c.self_host_cheaper else "API",
            }
        )
    columns = [
        name
        for name in ("replicas", "monthly", "per_mtok", "stays_cheaper_from", "cheaper")
        if len({str(r[name]) for r in rows}) > 1
    ]
    return {"rows": rows, "columns": columns}


def _plain(value):
    if isinstance(value, int | str):
        return str(value)
    d = D(value)
    d = d.quantize(Decimal("0.01") if abs(d) >= 100 else Decimal("0.000001")).normalize()
    return f"{d:f}"


API_QUERY_SKIP = {"tokens_per_day", "input_per_output", "peak_to_average_ratio"}


def api_query(a: contract.Answer):
    """The API query string that reproduces the page's numbers (every input explicit)."""
    params = {name: _plain(value) for name, value in a.values.items() if name not in API_QUERY_SKIP}
    if a.model is not None:
        params["model"] = a.model.slug
    return urlencode(params)


@require_GET
def breakeven_api(request):
    """GET /api/v1/breakeven: contract.breakeven_response as JSON (400 names each field)."""
    status, body = contract.breakeven_response(request.GET)
    return JsonResponse(body, status=status)


@require_GET
def breakeven_page(request):
    """Queries (constant in the catalogue's size): the default model, the model's offerings, the measured
    profiles, the candidate GPUs and their prices, the profile used (when measured), the two selects."""
    a = contract.compute(request.GET)
    form = a.form
    for name, value in a.values.items():
        if name in form.fields and a.origins.get(name) != "you" and name not in ("gpu", "residency", "precision"):
            form.fields[name].widget.attrs["placeholder"] = _plain(value)
    if "model" not in request.GET and a.model is not None:
        form.data = form.data.copy()
        form.data["model"] = a.model.slug
    context = {"form": form, "a": a, "today": today_utc(), "api_query": api_query(a) if a.ok else ""}
    if a.result is not None:  # not when a latency target rules self-hosting out (a.unmet): nothing to compare
        context |= {
            "workload": a.workload,
            "result": a.result,
            "sensitivity": sensitivity(a.workload),
            "chart": charts.cost_chart(a.workload, a.result, a.ranges),
        }
    return render(request, "selfhost/breakeven.html", context)
