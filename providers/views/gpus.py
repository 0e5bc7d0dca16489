"""/gpus/ and /gpus/<slug>/ (a family slug like "h100" leads to a chooser)."""

from django.http import Http404
from django.shortcuts import render

from computeprices.freshness import today_utc
from computeprices.tables import table_csv

from .. import charts, columns, listing, queries
from ..forms import HISTORY_DAYS, HISTORY_RANGES, PRICING_CHOICES, GpuDetailForm, GpuListForm
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
    """
    gpu = Gpu.objects.filter(slug=slug).first() or gpu_chooser_or_404(request, slug)
    if not isinstance(gpu, Gpu):
        return gpu
    today = today_utc()
    all_offerings = queries.gpu_offerings(gpu, today)
    for offering in all_offerings:
        offering.status = offering.freshness(today)
    providers = sorted({o.provider.slug: o.provider for o in all_offerings}.values(), key=lambda p: p.name.lower())
    form = GpuDetailForm(request.GET, provider={p.slug: p.name for p in providers},
                         region={r: r for r in listing.regions_of(all_offerings)})  # fmt: skip
    wanted = {k: form.option(k) for k in ("pricing_type", "gpus", "provider", "region")}
    offerings, sorts = listing.sorted_by(
        form, [o for o in all_offerings if listing.matches(o, **wanted)], columns.GPU_OFFERING_SORTS, "price"
    )
    chart_pricing = wanted["pricing_type"] or PricingType.ON_DEMAND
    if form.wants_csv and form.option("table") != "history":
        return table_csv(form.csv_name(f"{gpu.slug}-offerings"), columns.GPU_OFFERING_CSV, offerings)
    history = queries.gpu_history(gpu, chart_pricing, today, days=HISTORY_DAYS[form.option("history", "1y")])
    if form.wants_csv:
        return table_csv(f"{gpu.slug}-history-{chart_pricing}", columns.GPU_HISTORY_CSV, history.stats[::-1][:30])
    return render(request, "providers/gpu_detail.html", {
        "gpu": gpu, "offerings": offerings, "groups": listing.group_offerings(offerings),
        "offering_count": len(all_offerings), "cheapest_now": queries.cheapest_now(all_offerings, today),
        "cheapest_node": listing.cheapest_node(all_offerings), "filters": form, "sorts": sorts,
        "providers": providers, "instance_sizes": sorted({o.gpus_per_instance for o in all_offerings}),
        "regions": listing.regions_of(all_offerings), "pricing_types": PricingType.choices,
        "selected": wanted, "csv_url": form.url(format="csv", table=None),
        "history": history, "history_rows": history.stats[::-1][:30],
        "history_csv_url": form.url(format="csv", table="history"),
        "chart_pricing_label": PRICING_CHOICES[chart_pricing], "history_range_urls": history_links(form),
        "figure": charts.gpu_history_figure(history, f"{gpu.name}, {PRICING_CHOICES[chart_pricing]}")
        if history else None,
    })  # fmt: skip


def history_links(form):
    current = form.option("history", "1y")
    return [(label, form.url(history=key) + "#history", key == current) for key, label in HISTORY_RANGES.items()]


def gpu_chooser_or_404(request, slug):
    """A family slug ("h100", "a100") names several GPUs: a page to choose one; anything else is a 404."""
    from computeprices.search import gpu_family

    gpus = gpu_family(slug)
    if not gpus:
        raise Http404("No such GPU.")
    rows = listing.priced_first(queries.gpu_rows(gpus), lambda r: r.cheapest)
    return render(request, "providers/gpu_chooser.html", {"family": slug, "rows": rows})
