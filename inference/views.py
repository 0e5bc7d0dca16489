"""The per-token pages: every model across providers, one model's offerings, and price against model size.

Every page reads its blend ratio from ?blend= (3:1 by default) and applies it to every blended figure;
query-string filters that do not parse are ignored and listed on the page, never an error. Each table
downloads as CSV with ?format=csv, holding exactly the rows the page shows. Views read options through
inference.forms, rows through inference.listing and inference.queries, CSV columns from
inference.columns and the rest of a page from inference.pages.
"""

from django.shortcuts import get_object_or_404, render

from computeprices.freshness import today_utc
from computeprices.tables import TablePage, table_csv

from . import analysis as price_size
from . import columns, listing, pages, price_charts, speed
from .forms import ModelListFilterForm, ModelPageForm, PageOptionsForm
from .models import LanguageModel
from .queries import BLEND_CHOICES, model_offerings, offering_rows


def model_list(request):
    """Every model with its cheapest, median and highest current blended price. Three queries."""
    creators, modalities = listing.filter_choices()
    form = ModelListFilterForm(request.GET, creators, modalities)
    blend, sort = form.chosen_blend, listing.chosen_sort(form.cleaned_data)
    summaries = listing.model_summaries(form.cleaned_data, blend)
    if form.wants_csv:
        return table_csv(columns.csv_name("models", blend), columns.model_list_csv(blend), summaries)
    page = TablePage(summaries, request.GET, anchor="#models")  # at most page_size() rows; the CSV has them all
    return render(request, "inference/model_list.html", {
        "summaries": page.rows, "page": page, "model_count": len(summaries), "blend": blend,
        "blend_choices": BLEND_CHOICES, "sort": sort, "filters": form.cleaned_data, "creators": creators,
        "modalities": modalities, "ignored": form.notices + page.notices, "sort_columns": listing.sort_columns(sort),
    })  # fmt: skip


def model_detail(request, slug):
    """One model's listed offerings, cheapest blended first, with charts. Four queries.

    The model, its listed offerings with their latest prices and providers, their price history, and
    their latest speed measurements (inference.speed).
    """
    model = get_object_or_404(LanguageModel, slug=slug)
    form = ModelPageForm(request.GET)
    blend, today = form.chosen_blend, today_utc()
    rows = offering_rows(model_offerings(model), blend, today)
    if form.wants_csv:
        return table_csv(columns.csv_name(f"{model.slug}-offerings", blend), columns.model_offerings_csv(blend), rows)
    shown = pages.offerings_page(model, rows, blend, today, request.GET)  # a page of rows; summary, charts: 1 query
    return render(request, "inference/model_detail.html", {
        "model": model, "blend": blend, "blend_choices": BLEND_CHOICES, "ignored": form.notices + shown["page"].notices,
        **shown, **pages.bounded_speed(speed.model_page_context(form, rows, blend, today), request.GET),  # 1 query
    })  # fmt: skip


def analysis(request):
    """Cheapest price against parameter count, with the least-squares line. At most one query (cached)."""
    form = PageOptionsForm(request.GET)
    blend = form.chosen_blend
    result = price_size.price_size_analysis(blend)
    rows = pages.analysis_rows(result)
    if form.wants_csv:
        return table_csv(columns.csv_name("price-vs-size", blend), columns.analysis_csv(blend), rows)
    return render(request, "inference/analysis.html", {
        "analysis": result, "rows": rows, "blend": blend, "blend_choices": BLEND_CHOICES, "ignored": form.notices,
        "figure": price_charts.price_size_figure(result) if rows else None,
    })  # fmt: skip
