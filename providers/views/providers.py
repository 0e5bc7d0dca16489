"""/providers/ and /providers/<slug>/."""

from django.shortcuts import get_object_or_404, render

from computeprices.freshness import today_utc
from computeprices.tables import TablePage, page_size, table_csv

from .. import columns, listing, pages, queries
from ..forms import OFFERS_FILTER, ProviderDetailForm, ProviderListForm
from ..models import PricingType, Provider


def provider_list(request):
    """Every provider, what it sells and where it sits against the market; the A-vs-B form.

    Queries: providers, current GPU offerings, model counts (+2 for the footer).
    """
    form = ProviderListForm(request.GET)
    all_providers = list(Provider.objects.only("name", "slug", "offers"))  # what the rows show (thousands at 100x)
    rows = queries.provider_rows(listing.filter_providers(all_providers, form.option("offers")))
    rows, sorts = listing.sorted_by(form, rows, columns.PROVIDER_SORTS, "name")
    if form.wants_csv:
        return table_csv(form.csv_name("providers"), columns.PROVIDER_CSV, rows)
    page = TablePage(rows, request.GET, anchor="#providers")  # at most page_size() rows; the CSV has them all
    return render(request, "providers/provider_list.html", {
        "rows": page.rows, "page": page, "row_count": len(rows), "filters": form, "sorts": sorts,
        "csv_url": form.url(format="csv"), "offers_choices": OFFERS_FILTER.items(), "selected": form.cleaned_data,
        # Every provider in the A-vs-B selects while they fit a page; past that, type a name (see compare_pick).
        "all_providers": all_providers if len(all_providers) <= page_size() else None, "named_providers": page.rows,
        "compare_error": request.GET.get("compare") == "invalid",
    })  # fmt: skip


def provider_detail(request, slug):
    """One provider: only the markets it is in, each against the market; its GPU price history.

    Queries: the provider, its GPU offerings, the market for its GPUs, its inference offerings,
    the market for its models, its daily prices and those GPUs' daily statistics (+2 for the footer).
    """
    provider = get_object_or_404(Provider, slug=slug)
    today = today_utc()
    all_offerings = queries.provider_gpu_offerings(provider, today)
    gpus = sorted({o.gpu.slug: o.gpu for o in all_offerings}.values(), key=lambda g: g.name.lower())
    form = ProviderDetailForm(request.GET, gpu={g.slug: g.name for g in gpus})
    wanted = {"pricing_type": form.option("pricing_type"), "gpu": form.option("gpu")}
    offerings = [o for o in all_offerings if listing.matches(o, **wanted)]
    offerings, sorts = listing.sorted_by(form, offerings, columns.PROVIDER_GPU_SORTS, "gpu")
    inference = queries.provider_inference_offerings(provider, today)
    for offering in [*all_offerings, *inference]:
        offering.status = offering.freshness(today)
    if form.wants_csv:
        if form.option("table") == "inference":
            return table_csv(form.csv_name(f"{provider.slug}-inference"), columns.PROVIDER_INFERENCE_CSV, inference)
        return table_csv(form.csv_name(f"{provider.slug}-gpus"), columns.PROVIDER_GPU_CSV, offerings)
    return render(request, "providers/provider_detail.html", {
        "provider": provider, **pages.provider_tables(offerings, inference, request.GET),  # a page of each
        "offering_count": len(all_offerings), "gpus": gpus,
        "inference": inference, "token_position": listing.market_position(inference),
        "sells": queries.sells_label(len(all_offerings), len(inference), provider),
        "filters": form, "sorts": sorts, "pricing_types": PricingType.choices, "selected": wanted,
        "csv_url": form.url(format="csv", table=None), "inference_csv_url": form.url(format="csv", table="inference"),
        **pages.HistoryChart(provider, form, today).context(),
    })  # fmt: skip
