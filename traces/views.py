"""Trace pages: the list of datasets and one dataset's routes compared per workload."""

from datetime import timedelta
from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from computeprices.numbers import BoundedDecimalField
from computeprices.tables import QueryForm
from inference.models import InferenceOffering, ServingKind

from . import charts, tables
from .metrics import DEFAULT_REVIEWER_USD_PER_MINUTE, ListPrice, summarize
from .models import TraceDataset


class TraceOptionsForm(QueryForm):
    """The reader's query-string options; a bad value is ignored and said so, never an error."""

    p95 = BoundedDecimalField(minimum=0, maximum=Decimal("1e9"), allow_zero=False, places=6, label="p95")
    reviewer = BoundedDecimalField(minimum=0, maximum=Decimal("1e6"), places=6, label="reviewer")


def dataset_list(request):
    """One query: every dataset, newest first. ?format=csv: the same table as CSV."""
    if request.GET.get("format") == "csv":
        return tables.datasets_csv(TraceDataset.objects.all())
    return render(request, "traces/dataset_list.html", {"datasets": TraceDataset.objects.all()})


def dataset_detail(request, slug):
    """Three queries whatever the size: the dataset, its rows with their catalogue matches, and
    the latest list prices of the matched (provider, model) pairs."""
    dataset = get_object_or_404(TraceDataset, slug=slug)
    options, notices = read_options(request.GET)
    rows = list(dataset.rows.select_related("provider", "model").order_by("row_number"))
    summaries = summarize(rows, options["p95"], options["reviewer"], list_prices=latest_list_prices(rows))
    if request.GET.get("format") == "csv":  # ?table=routes: the side-by-side tables; otherwise every row
        return (tables.routes_csv if request.GET.get("table") == "routes" else tables.rows_csv)(
            dataset, summaries, options
        )
    workloads = [
        {
            "summary": summary,
            "cost_figure": charts.cost_by_route_figure(summary, options["p95"]),
            "p95_figure": charts.p95_concurrency_figure(summary, options["p95"]),
            "cost_id": f"cost-figure-{number}",
            "p95_id": f"p95-figure-{number}",
        }
        for number, summary in enumerate(summaries, start=1)
    ]
    return render(
        request,
        "traces/dataset_detail.html",
        {
            "dataset": dataset,
            "workloads": workloads,
            "p95_target": options["p95"],
            "reviewer": options["reviewer"],
            "notices": notices,
            "csv_query": urlencode({k: format(v, "f") for k, v in options.items() if v is not None}),
        },
    )


def read_options(query):
    """({name: Decimal or default}, notices), read through TraceOptionsForm."""
    form = TraceOptionsForm(query)
    options = {"p95": form.option("p95"), "reviewer": form.option("reviewer", DEFAULT_REVIEWER_USD_PER_MINUTE)}
    return options, form.notices


def latest_list_prices(rows):
    """{(provider_id, model_id): ListPrice} for the matched pairs, in one query.

    Of a pair's offerings, a current one wins (then serverless, then the lowest input price); an
    older price is still shown, with its date, rather than nothing.
    """
    pairs = {(r.provider_id, r.model_id) for r in rows if r.provider_id and r.model_id}
    if not pairs:
        return {}
    offerings = (
        InferenceOffering.objects.filter(provider_id__in={p for p, _ in pairs}, model_id__in={m for _, m in pairs})
        .with_latest_price()
        .values(
            "provider_id",
            "model_id",
            "serving_kind",
            "last_seen_on",
            "latest_input",
            "latest_output",
            "latest_cached_input",
            "latest_observed_on",
        )
    )
    current_since = today_utc() - timedelta(days=STALE_AFTER_DAYS)
    best = {}
    for o in offerings:
        key = (o["provider_id"], o["model_id"])
        if key not in pairs or o["latest_input"] is None or o["latest_output"] is None:
            continue
        is_current = o["last_seen_on"] is not None and o["last_seen_on"] >= current_since
        rank = (not is_current, o["serving_kind"] != ServingKind.SERVERLESS, o["latest_input"])
        if key not in best or rank < best[key][0]:
            price = ListPrice(o["latest_input"], o["latest_output"], o["latest_cached_input"], o["latest_observed_on"])
            best[key] = (rank, price)
    return {key: price for key, (_, price) in best.items()}
