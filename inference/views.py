"""The per-token pages: every model across providers, one model's offerings, and price against model size.

Every page reads its blend ratio from ?blend= (3:1 by default) and applies it to every blended figure;
query-string filters that do not parse are ignored and listed on the page, never an error. Each table
downloads as CSV with ?format=csv, holding exactly the rows the page shows.
"""

from datetime import timedelta

from django import forms
from django.shortcuts import get_object_or_404, render

from computeprices.charts import implied_size_limit
from computeprices.freshness import today_utc
from computeprices.tables import QueryForm, TablePage, csv_response, sort_rows

from . import analysis as price_size
from . import price_charts, speed
from .forms import BlendField
from .models import LanguageModel
from .queries import (
    BLEND_CHOICES,
    DEFAULT_BLEND,
    HISTORY_DAYS,
    SUMMARY_SERVING_KINDS,
    modality_filter,
    model_offerings,
    model_price_summaries,
    offering_rows,
    price_history,
    summarize,
)


class PageOptionsForm(QueryForm):
    """What every per-token page accepts: the blend ratio and the output format (from QueryForm)."""

    blend = BlendField()


def ignored_messages(form):
    """One line per query-string value the form refused, in the site's one wording (computeprices.tables)."""
    return form.notices


def bounded_speed(context, query):
    """The speed table (computed over every offering: one query) shown a page at a time (?speed_page=)."""
    page = TablePage(context["speed_rows"], query, param="speed_page", label="speed page", anchor="#speed")
    ignored = context["speed_ignored"] + page.notices
    return context | {"speed_rows": page.rows, "speed_page": page, "speed_ignored": ignored}


def page_options(form):
    """(blend, wants_csv) from a validated PageOptionsForm, defaults where a value was refused."""
    blend = form.cleaned_data.get("blend") or DEFAULT_BLEND
    return blend, form.cleaned_data.get("format") == "csv"


# /models/ ------------------------------------------------------------------------------------------

SORTS = {
    "name": lambda s: s.model.name.lower(),
    "creator": lambda s: s.model.creator.lower(),
    "params": lambda s: s.model.total_params_b,
    "active": lambda s: s.model.active_params_b,
    "context": lambda s: s.model.context_window,
    "released": lambda s: s.model.release_date,
    "providers": lambda s: s.provider_count or None,
    "cheapest": lambda s: s.cheapest,
    "median": lambda s: s.median,
    "highest": lambda s: s.highest,
    "spread": lambda s: s.spread,
}
DEFAULT_SORT = "-providers"
MAX_CONTEXT_FILTER = 2**31 - 1  # the column's range: a larger number would overflow the query, not filter


class ModelListFilterForm(PageOptionsForm):
    creator = forms.CharField(required=False)
    open = forms.ChoiceField(required=False, choices=[("", "all"), ("1", "open weights only")])
    min_context = forms.IntegerField(required=False, min_value=0, max_value=MAX_CONTEXT_FILTER)
    min_params = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=3)
    max_params = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=3)
    modality = forms.CharField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(f"{d}{k}", k) for k in SORTS for d in ("", "-")])

    def __init__(self, data, creators, modalities):
        self.creators = {c.lower(): c for c in creators}
        self.modalities = {m.lower(): m for m in modalities}
        super().__init__(data)

    def clean_creator(self):
        value = self.cleaned_data["creator"].strip()
        if value and value.lower() not in self.creators:
            raise forms.ValidationError("no model has that creator.")
        return self.creators.get(value.lower(), "")

    def clean_modality(self):
        value = self.cleaned_data["modality"].strip()
        if value and value.lower() not in self.modalities:
            raise forms.ValidationError("no model has that modality.")
        return self.modalities.get(value.lower(), "")

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_params"), cleaned.get("max_params")
        if low is not None and high is not None and high < low:
            self.add_error("max_params", f"it is below min_params={low}.")
        return cleaned


def filter_choices():
    """Every creator and modality in the catalogue, for the filter form. One query."""
    creators, modalities = set(), set()
    for creator, modality_csv in LanguageModel.objects.order_by().values_list("creator", "modalities").distinct():
        creators.add(creator)
        modalities.update(m.strip() for m in modality_csv.split(",") if m.strip())
    return sorted(creators, key=str.lower), sorted(modalities)


def filtered_models(options):
    models = LanguageModel.objects.all()
    if options.get("creator"):
        models = models.filter(creator=options["creator"])
    if options.get("open") == "1":
        models = models.filter(open_weights=True)
    if options.get("min_context") is not None:
        models = models.filter(context_window__gte=options["min_context"])
    if options.get("min_params") is not None:
        models = models.filter(total_params_b__gte=options["min_params"])
    if options.get("max_params") is not None:
        models = models.filter(total_params_b__lte=options["max_params"])
    if options.get("modality"):
        models = models.filter(modality_filter(options["modality"]))
    return models


def sort_summaries(summaries, sort):
    """Sort by one column; models without a value for it go last whichever the direction."""
    descending, key = sort.startswith("-"), SORTS[sort.lstrip("-")]
    summaries = sorted(summaries, key=lambda s: (s.model.name.lower(), s.model.pk))
    return sort_rows(summaries, key, descending)


def model_list(request):
    """Every model with its cheapest, median and highest current blended price. Three queries."""
    creators, modalities = filter_choices()
    form = ModelListFilterForm(request.GET, creators, modalities)
    form.is_valid()
    blend, wants_csv = page_options(form)
    sort = form.cleaned_data.get("sort") or DEFAULT_SORT
    summaries = sort_summaries(model_price_summaries(filtered_models(form.cleaned_data), blend), sort)
    if wants_csv:
        return csv_response(
            f"models-blend-{blend.input_parts}-{blend.output_parts}.csv",
            [
                "model", "slug", "creator", "total_params_b", "active_params_b", "context_window", "open_weights",
                "modalities", "providers", f"cheapest_blended_{blend.input_parts}_{blend.output_parts}",
                "median_blended", "highest_blended", "spread", "cheapest_provider",
            ],
            [
                [
                    s.model.name, s.model.slug, s.model.creator, s.model.total_params_b, s.model.active_params_b,
                    s.model.context_window, s.model.open_weights, s.model.modalities, s.provider_count,
                    s.cheapest, s.median, s.highest, s.spread,
                    s.cheapest_offering.provider.name if s.cheapest_offering else "",
                ]
                for s in summaries
            ],
        )  # fmt: skip
    return render(
        request,
        "inference/model_list.html",
        {
            "summaries": summaries,
            "blend": blend,
            "blend_choices": BLEND_CHOICES,
            "sort": sort,
            "filters": form.cleaned_data,
            "creators": creators,
            "modalities": modalities,
            "ignored": ignored_messages(form),
            "sort_columns": _sort_columns(sort),
        },
    )


def _sort_columns(sort):
    """{column: the sort value its header link sets}: a click on the current column flips the direction."""
    numeric_first_desc = {"providers", "spread", "released", "context", "params", "active"}
    columns = {}
    for key in SORTS:
        default = f"-{key}" if key in numeric_first_desc else key
        if sort == key:
            columns[key] = f"-{key}"
        elif sort == f"-{key}":
            columns[key] = key
        else:
            columns[key] = default
    return columns


# /models/<slug>/ -----------------------------------------------------------------------------------


def model_detail(request, slug):
    """One model's listed offerings, cheapest blended first, with charts. Four queries.

    The model, its listed offerings with their latest prices and providers, their price history, and
    their latest speed measurements (inference.speed).
    """
    model = get_object_or_404(LanguageModel, slug=slug)
    form = PageOptionsForm(request.GET)
    form.is_valid()
    blend, wants_csv = page_options(form)
    today = today_utc()
    rows = offering_rows(model_offerings(model), blend, today)
    if wants_csv:
        return csv_response(
            f"{model.slug}-offerings-blend-{blend.input_parts}-{blend.output_parts}.csv",
            [
                "provider", "input", "output", f"blended_{blend.input_parts}_{blend.output_parts}",
                "cached_input", "cache_write", "batch_discount", "batch_blended", "context_served",
                "quantization", "serving_kind", "last_seen_on", "freshness", "source", "source_url",
            ],
            [
                [
                    r.offering.provider.name, r.offering.latest_input, r.offering.latest_output, r.blended,
                    r.offering.latest_cached_input, r.offering.latest_cache_write,
                    r.offering.latest_batch_discount, r.batch_blended, r.offering.latest_context,
                    r.offering.quantization, r.offering.serving_kind, r.offering.last_seen_on, r.freshness,
                    r.offering.latest_source, r.offering.latest_source_url,
                ]
                for r in rows
            ],
        )  # fmt: skip
    summary = summarize(
        model,
        [r.offering for r in rows if r.freshness == "current" and r.offering.serving_kind in SUMMARY_SERVING_KINDS],
        blend,
    )
    page = TablePage(rows, request.GET, anchor="#offerings")  # table and charts: one page; the CSV: every row
    all_rows, rows = rows, page.rows
    provider_ids = [r.offering.provider_id for r in rows]
    repeated = {pid for pid in provider_ids if provider_ids.count(pid) > 1}
    labels = [price_charts.offering_label(r, repeated) for r in rows]
    history = price_history([r.offering for r in rows], today - timedelta(days=HISTORY_DAYS))
    has_bars = any(r.blended is not None for r in rows)
    return render(
        request,
        "inference/model_detail.html",
        {
            "model": model,
            "rows": rows,
            "page": page,
            "row_count": len(all_rows),
            "summary": summary,
            "blend": blend,
            "blend_choices": BLEND_CHOICES,
            "ignored": ignored_messages(form) + page.notices,
            "bar_figure": price_charts.blended_bar_figure(rows, labels, blend) if has_bars else None,
            "history_figure": price_charts.history_figure(rows, labels, history, blend) if history else None,
            "history_days": HISTORY_DAYS,
            **bounded_speed(speed.model_page_context(request.GET, all_rows, blend, today), request.GET),
        },
    )


# /analysis/ ----------------------------------------------------------------------------------------


def analysis(request):
    """Cheapest price against parameter count, with the least-squares line. At most one query (cached)."""
    form = PageOptionsForm(request.GET)
    form.is_valid()
    blend, wants_csv = page_options(form)
    result = price_size.price_size_analysis(blend)
    rows = analysis_rows(result)
    if wants_csv:
        return csv_response(
            f"price-vs-size-blend-{blend.input_parts}-{blend.output_parts}.csv",
            [
                "model", "slug", "creator", "kind", "total_params_b", "active_params_b",
                f"cheapest_blended_{blend.input_parts}_{blend.output_parts}", "cheapest_provider",
                "fit_price_at_total", "markup_at_total", "fit_price_at_active", "markup_at_active",
                "priced_like_dense_b",
            ],
            [
                [
                    r["point"].name, r["point"].slug, r["point"].creator, r["point"].kind, r["point"].total_params_b,
                    r["point"].active_params_b, r["point"].price, r["point"].provider_name, r["fit_at_total"],
                    r["markup_at_total"], r["fit_at_active"], r["markup_at_active"], r["implied_params_b"],
                ]
                for r in rows
            ],
        )  # fmt: skip
    return render(
        request,
        "inference/analysis.html",
        {
            "analysis": result,
            "rows": rows,
            "blend": blend,
            "blend_choices": BLEND_CHOICES,
            "ignored": ignored_messages(form),
            "figure": price_charts.price_size_figure(result) if rows else None,
        },
    )


def _markup(price, predicted):
    return price / predicted if predicted is not None and predicted > 0 else None


def analysis_rows(result):
    """One dict per model: its price beside what the line predicts for its size, and the size its price implies."""
    fit = result.fit
    limit = implied_size_limit([p.total_params_b for p in result.dense])
    rows = []
    for point in [*result.dense, *result.moe, *result.proprietary]:
        row = {"point": point, "fit_at_total": None, "fit_at_active": None, "implied_params_b": None}
        if fit is not None:
            if point.kind != "proprietary":
                row["fit_at_total"] = fit.predict(point.total_params_b)
                if point.kind == "moe":
                    row["fit_at_active"] = fit.predict(point.active_params_b)
            if point.kind != "dense":
                implied = fit.implied_params_b(point.price)
                # Far beyond the largest open model the line is guessing: the page says so, not a number.
                row["beyond_range"] = implied is not None and limit is not None and implied > limit
                row["implied_params_b"] = None if row["beyond_range"] else implied
        row["markup_at_total"] = _markup(point.price, row["fit_at_total"])
        row["markup_at_active"] = _markup(point.price, row["fit_at_active"])
        rows.append(row)
    order = {"dense": 0, "moe": 1, "proprietary": 2}
    rows.sort(key=lambda r: (order[r["point"].kind], r["point"].total_params_b or 0, r["point"].name.lower()))
    return rows
