"""Trace pages: the list of datasets and one dataset's routes compared per workload."""

from datetime import timedelta
from decimal import Decimal

from django.shortcuts import get_object_or_404, render

from computeprices.freshness import STALE_AFTER_DAYS, today_utc
from computeprices.numbers import NumberError, parse_number
from inference.models import InferenceOffering, ServingKind

from . import charts
from .metrics import DEFAULT_REVIEWER_USD_PER_MINUTE, ListPrice, summarize
from .models import TraceDataset

# The reader's query-string options: name -> (what it is, default, smallest allowed, largest allowed).
PAGE_OPTIONS = {
    "p95": ("p95 target (ms)", None, Decimal("0"), Decimal("1e9")),
    "reviewer": ("reviewer cost (USD per minute)", DEFAULT_REVIEWER_USD_PER_MINUTE, Decimal("0"), Decimal("1e6")),
}


def dataset_list(request):
    """One query: every dataset, newest first."""
    return render(request, "traces/dataset_list.html", {"datasets": TraceDataset.objects.all()})


def dataset_detail(request, slug):
    """Three queries whatever the size: the dataset, its rows with their catalogue matches, and
    the latest list prices of the matched (provider, model) pairs."""
    dataset = get_object_or_404(TraceDataset, slug=slug)
    options, notices = read_options(request.GET)
    rows = list(dataset.rows.select_related("provider", "model").order_by("row_number"))
    summaries = summarize(rows, options["p95"], options["reviewer"], list_prices=latest_list_prices(rows))
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
        },
    )


def read_options(query):
    """({name: Decimal or default}, notices): a bad value is ignored and said so, never an error.

    Parsed by computeprices.numbers, which bounds the text, exponent and magnitude before any arithmetic.
    """
    options, notices = {}, []
    for name, (label, default, low, high) in PAGE_OPTIONS.items():
        options[name] = default
        raw = query.get(name, "").strip()
        if not raw:
            continue
        try:
            options[name] = parse_number(raw, minimum=low, maximum=high, places=6, allow_zero=name != "p95")
        except NumberError as exc:
            notices.append(f'{name}="{raw[:40]}" ignored ({label}): {exc}')
    return options, notices


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
