"""/gpus/ and /gpus/<slug>/ (a family slug like "h100" leads to a chooser)."""

from django.http import Http404
from django.shortcuts import render

from computeprices.freshness import today_utc
from computeprices.tables import table_csv

from .. import columns, listing, pages, queries
from ..forms import PRICING_CHOICES, GpuListForm
from ..models import Gpu, PricingType


def gpu_list(request):
    """Every GPU type with its current market; GPUs without a price last. Queries: GPUs, offerings (+2 footer)."""
    all_gpus = list(Gpu.objects.all())
    architectures = sorted({g.architecture for g in all_gpus if g.architecture}, key=str.lower)
    form = GpuListForm(request.GET, architecture={a: a for a in architectures})
    pricing_type = form.option("pricing_type")
    gpus = listing.filter_gpus(all_gpus, form.option("vendor"), form.option("architecture"), form.option("min_vram"))
    rows = queries.gpu_rows(gpus, pricing_type or PricingType.ON_DEMAND)
    if pricing_type:  # asked for one pricing type: only the GPUs someone rents that way
        rows = [r for r in rows if r.cheapest is not None]
    rows, sorts = listing.sorted_by(form, listing.priced_first(rows, lambda r: r.cheapest), columns.GPU_SORTS, "vendor")
    if form.wants_csv:
        return table_csv(form.csv_name("gpus"), columns.GPU_CSV, rows)
    return render(request, "providers/gpu_list.html", {
        "rows": rows, "filters": form, "sorts": sorts, "csv_url": form.url(format="csv"),
        "vendors": Gpu.Vendor.choices, "architectures": architectures, "pricing_types": PricingType.choices,
        "selected": form.cleaned_data, "pricing_label": PRICING_CHOICES[pricing_type or PricingType.ON_DEMAND],
    })  # fmt: skip


def gpu_detail(request, slug):
    """One GPU: specs, offerings (grouped), cheapest-now callouts and the price history chart.

    Queries: the GPU, its listed offerings, the daily statistics, the per-provider daily prices (+2 footer).
    A family slug ("h100") that is no GPU's own leads to a chooser.
    """
    gpu = Gpu.objects.filter(slug=slug).first()
    if gpu is None:
        return gpu_chooser_or_404(request, slug)
    today = today_utc()
    table = pages.GpuOfferingsTable(gpu, request.GET, today)
    form = table.form
    if form.wants_csv and form.option("table") != "history":
        return table_csv(form.csv_name(f"{gpu.slug}-offerings"), columns.GPU_OFFERING_CSV, table.rows)
    chart = pages.HistoryChart(gpu, form, today)
    if form.wants_csv:
        return table_csv(f"{gpu.slug}-history-{chart.pricing_type}", columns.GPU_HISTORY_CSV, chart.last_30_days)
    return render(request, "providers/gpu_detail.html", {"gpu": gpu, **table.context(), **chart.context()})


def gpu_chooser_or_404(request, slug):
    """A family slug ("h100", "a100") names several GPUs: a page to choose one; anything else is a 404."""
    from computeprices.search import gpu_family

    gpus = gpu_family(slug)
    if not gpus:
        raise Http404("No such GPU.")
    rows = listing.priced_first(queries.gpu_rows(gpus), lambda r: r.cheapest)
    return render(request, "providers/gpu_chooser.html", {"family": slug, "rows": rows})
