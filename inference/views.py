"""The per-token pages: every model across providers, one model's offerings, and price against model size.

Every page reads its blend ratio from ?blend= (3:1 by default) and applies it to every blended figure;
query-string filters that do not parse are ignored and listed on the page, never an error. Each table
downloads as CSV with ?format=csv, holding exactly the rows the page shows.
"""

import csv
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from computeprices.freshness import today_utc
from computeprices.numbers import BoundedDecimalField

from . import analysis as price_size
from . import price_charts
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
    parse_blend,
    price_history,
    summarize,
)

CSV_DIGITS = Decimal("0.000001")  # the precision prices are stored at


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.quantize(CSV_DIGITS).normalize(), "f")  # plain: 2.49, never 2.490000 or 2.49E+0
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value  # a spreadsheet would run it (names come from providers and sources)
    return value


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return response


class PageOptionsForm(forms.Form):
    """What every per-token page accepts: the blend ratio and the output format."""

    blend = forms.CharField(required=False)
    format = forms.ChoiceField(required=False, choices=[("", "page"), ("html", "page"), ("csv", "CSV")])

    def clean_blend(self):
        blend, error = parse_blend(self.cleaned_data["blend"])
        if error:
            raise forms.ValidationError(error)
        return blend


def ignored_messages(form):
    """One line per query-string value the form refused: it was ignored and the page says so."""
    messages = []
    for name, errors in form.errors.items():
        raw = form.data.get(name, "")
        for error in errors:
            text = error if error.startswith("Ignored") else f"Ignored {name}={raw!r}: {error}"
            messages.append(text)
    return messages


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
    min_context = BoundedDecimalField(required=False, minimum=0, maximum=MAX_CONTEXT_FILTER, integer=True)
    min_params = BoundedDecimalField(required=False, minimum=0, maximum=9_999_999, places=3)
    max_params = BoundedDecimalField(required=False, minimum=0, maximum=9_999_999, places=3)
    modality = forms.CharField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(f"{d}{k}", k) for k in SORTS for d in ("", "-")])

    def __init__(self, data, creators, modalities):
        super().__init__(data)
        self.creators = {c.lower(): c for c in creators}
        self.modalities = {m.lower(): m for m in modalities}

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
    known = [s for s in summaries if key(s) is not None]
    unknown = [s for s in summaries if key(s) is None]
    return sorted(known, key=key, reverse=descending) + unknown


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
    """One model's listed offerings, cheapest blended first, with charts. Three queries.

    The model, its listed offerings with their latest prices and providers, their price history.
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
            "summary": summary,
            "blend": blend,
            "blend_choices": BLEND_CHOICES,
            "ignored": ignored_messages(form),
            "bar_figure": price_charts.blended_bar_figure(rows, labels, blend) if has_bars else None,
            "history_figure": price_charts.history_figure(rows, labels, history, blend) if history else None,
            "history_days": HISTORY_DAYS,
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
    rows = []
    for point in [*result.dense, *result.moe, *result.proprietary]:
        row = {"point": point, "fit_at_total": None, "fit_at_active": None, "implied_params_b": None}
        if fit is not None:
            if point.kind != "proprietary":
                row["fit_at_total"] = fit.predict(point.total_params_b)
                if point.kind == "moe":
                    row["fit_at_active"] = fit.predict(point.active_params_b)
            if point.kind != "dense":
                row["implied_params_b"] = fit.implied_params_b(point.price)
        row["markup_at_total"] = _markup(point.price, row["fit_at_total"])
        row["markup_at_active"] = _markup(point.price, row["fit_at_active"])
        rows.append(row)
    order = {"dense": 0, "moe": 1, "proprietary": 2}
    rows.sort(key=lambda r: (order[r["point"].kind], r["point"].total_params_b or 0, r["point"].name.lower()))
    return rows
