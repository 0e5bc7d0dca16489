"""GPU and provider pages: /gpus/, /gpus/<slug>/, /providers/, /providers/<slug>/, /compare/<a>-vs-<b>/.

Views read filters and sorting from the query string (a bad value is dropped and the reader told,
never an error), get their data from providers.queries in a fixed number of queries, and render
either HTML or, with ?format=csv, the same rows as CSV. Unknown slugs are 404s.
"""

import csv
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify

from computeprices.freshness import today_utc
from computeprices.numbers import NumberError, parse_number

from . import charts, queries
from .models import Gpu, PricingType, Provider

# Query string reading


class QueryFilters:
    """Reads filters from the query string. A bad value is ignored and explained in .notices."""

    def __init__(self, request):
        self.query = request.GET
        self.notices: list[str] = []
        self.applied: dict[str, str] = {}  # name -> the raw value kept (for links, forms and CSV names)

    def _raw(self, name):
        value = self.query.get(name, "").strip()
        return value or None

    def choice(self, name, choices: dict, label: str):
        """One of `choices` (value -> label), matched case-insensitively, or None."""
        raw = self._raw(name)
        if raw is None:
            return None
        for value in choices:
            if raw.lower() == str(value).lower():
                self.applied[name] = value
                return value
        expected = ", ".join(str(v) for v in choices.values())
        self.notices.append(f"Ignored {label} “{raw}”: expected one of {expected}.")
        return None

    def whole_number(self, name, label: str, minimum=0, maximum=100_000):
        raw = self._raw(name)
        if raw is None:
            return None
        try:
            value = int(parse_number(raw, minimum=minimum, maximum=maximum, integer=True))
        except NumberError:
            value = None
        if value is None:
            self.notices.append(f"Ignored {label} “{raw}”: expected a whole number from {minimum} to {maximum}.")
            return None
        self.applied[name] = str(value)
        return value

    def sort(self, columns: dict, default: str):
        """(column, descending) from ?sort=column or ?sort=-column; `columns` maps name -> key function."""
        raw = self._raw("sort")
        if raw is None:
            return default.lstrip("-"), default.startswith("-")
        name = raw.lstrip("-")
        if name not in columns:
            self.notices.append(f"Ignored sort “{raw}”: expected one of {', '.join(columns)}.")
            return default.lstrip("-"), default.startswith("-")
        self.applied["sort"] = raw
        return name, raw.startswith("-")

    def wants_csv(self):
        return self.query.get("format", "").lower() == "csv"

    def url(self, **changes):
        """The current page's query string with `changes` applied (None removes a key)."""
        params = {**self.applied, **changes}
        params = {k: v for k, v in params.items() if v is not None}
        return "?" + urlencode(params) if params else "?"


def sort_rows(rows, key, descending):
    """Sort by key(row); rows whose key is None go last in either direction."""
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def sort_links(filters: QueryFilters, columns, current, descending):
    """{column: {"url", "aria"}} for sortable headers: a click sorts, a second click reverses."""
    links = {}
    for name in columns:
        active = name == current
        target = f"-{name}" if active and not descending else name
        links[name] = {
            "url": filters.url(sort=target, format=None),
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return links


# CSV


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # Plain, without the trailing zeros SQLite's aggregates carry (2.49000000000000 -> 2.49).
        return format(value.normalize(), "f")
    if isinstance(value, int | float):
        return str(value)
    value = str(value)
    # A spreadsheet would run a cell starting like a formula; quote it (names come from providers).
    return "'" + value if value[:1] in FORMULA_PREFIXES else value


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


def csv_name(base, filters: QueryFilters):
    parts = [base] + [f"{k}-{v}" for k, v in sorted(filters.applied.items()) if k not in ("format", "table")]
    return slugify("_".join(parts).replace("_", " ")) or base


def ratio(value, places=Decimal("0.000001")):
    return value.quantize(places) if value is not None else None


PRICING_CHOICES = dict(PricingType.choices)
HISTORY_RANGES = {"1y": "the last year", "all": "all history"}
HISTORY_DAYS = {"1y": 365, "all": None}


# /gpus/

GPU_SORTS = {
    "name": lambda r: r.gpu.name.lower(),
    "vendor": lambda r: (r.gpu.get_vendor_display().lower(), r.gpu.name.lower()),
    "vram": lambda r: r.gpu.vram_gb,
    "cheapest": lambda r: r.cheapest,
    "median": lambda r: r.median,
    "spot": lambda r: r.cheapest_spot,
    "providers": lambda r: r.provider_count,
    "per_gb": lambda r: r.usd_per_gb_hour,
    "per_pflop": lambda r: r.usd_per_pflop_hour,
}


def gpu_list(request):
    """Every GPU type with its current market. Queries: GPUs, current offerings (+2 for the footer)."""
    filters = QueryFilters(request)
    all_gpus = list(Gpu.objects.all())
    architectures = sorted({g.architecture for g in all_gpus if g.architecture}, key=str.lower)
    vendor = filters.choice("vendor", dict(Gpu.Vendor.choices), "vendor")
    architecture = filters.choice("architecture", {a: a for a in architectures}, "architecture")
    min_vram = filters.whole_number("min_vram", "minimum VRAM (GB)")
    pricing_type = filters.choice("pricing_type", PRICING_CHOICES, "pricing type")
    sort, descending = filters.sort(GPU_SORTS, default="vendor")

    gpus = [
        g
        for g in all_gpus
        if (vendor is None or g.vendor == vendor)
        and (architecture is None or g.architecture == architecture)
        and (min_vram is None or g.vram_gb >= min_vram)
    ]
    rows = queries.gpu_rows(gpus, pricing_type or PricingType.ON_DEMAND)
    if pricing_type:  # asked for one pricing type: only the GPUs someone rents that way
        rows = [r for r in rows if r.cheapest is not None]
    if request.GET.get("sort"):
        rows = sort_rows(rows, GPU_SORTS[sort], descending)

    pricing_label = PRICING_CHOICES[pricing_type or PricingType.ON_DEMAND]
    if filters.wants_csv():
        return csv_response(
            csv_name("gpus", filters),
            [
                "gpu",
                "slug",
                "vendor",
                "architecture",
                "vram_gb",
                "pricing_type",
                "cheapest_usd_per_gpu_hour",
                "median_usd_per_gpu_hour",
                "cheapest_spot_usd_per_gpu_hour",
                "providers",
                "usd_per_gb_vram_hour",
                "usd_per_bf16_pflop_hour",
            ],
            [
                [
                    r.gpu.name,
                    r.gpu.slug,
                    r.gpu.get_vendor_display(),
                    r.gpu.architecture,
                    r.gpu.vram_gb,
                    r.pricing_type,
                    r.cheapest,
                    ratio(r.median, Decimal("0.0001")),
                    r.cheapest_spot,
                    r.provider_count,
                    ratio(r.usd_per_gb_hour),
                    ratio(r.usd_per_pflop_hour),
                ]
                for r in rows
            ],
        )
    return render(
        request,
        "providers/gpu_list.html",
        {
            "rows": rows,
            "filters": filters,
            "vendors": Gpu.Vendor.choices,
            "architectures": architectures,
            "pricing_types": PricingType.choices,
            "selected": {
                "vendor": vendor,
                "architecture": architecture,
                "min_vram": min_vram,
                "pricing_type": pricing_type,
            },
            "pricing_label": pricing_label,
            "sorts": sort_links(filters, GPU_SORTS, sort if request.GET.get("sort") else None, descending),
            "csv_url": filters.url(format="csv"),
        },
    )


# /gpus/<slug>/

GPU_OFFERING_SORTS = {
    "price": lambda o: o.latest_usd_per_gpu_hour,
    "instance_price": lambda o: o.latest_usd_per_instance_hour,
    "provider": lambda o: o.provider.name.lower(),
    "gpus": lambda o: o.gpus_per_instance,
    "last_seen": lambda o: o.last_seen_on,
}


def gpu_detail(request, slug):
    """One GPU: specs, every listed offering, cheapest-now callouts and the price history chart.

    Queries: the GPU, its listed offerings with latest prices, the daily statistics and the
    per-provider daily prices (+2 for the footer).
    """
    gpu = get_object_or_404(Gpu, slug=slug)
    today = today_utc()
    filters = QueryFilters(request)
    all_offerings = queries.gpu_offerings(gpu, today)
    providers = sorted({o.provider.slug: o.provider for o in all_offerings}.values(), key=lambda p: p.name.lower())
    instance_sizes = sorted({o.gpus_per_instance for o in all_offerings})
    pricing_type = filters.choice("pricing_type", PRICING_CHOICES, "pricing type")
    gpus_per_instance = filters.whole_number("gpus", "GPUs per instance", minimum=1, maximum=1024)
    provider_slug = filters.choice("provider", {p.slug: p.name for p in providers}, "provider")
    sort, descending = filters.sort(GPU_OFFERING_SORTS, default="price")

    offerings = [
        o
        for o in all_offerings
        if (pricing_type is None or o.pricing_type == pricing_type)
        and (gpus_per_instance is None or o.gpus_per_instance == gpus_per_instance)
        and (provider_slug is None or o.provider.slug == provider_slug)
    ]
    if request.GET.get("sort"):
        offerings = sort_rows(offerings, GPU_OFFERING_SORTS[sort], descending)
    for offering in offerings:
        offering.status = offering.freshness(today)

    table = filters.choice("table", {"offerings": "offerings", "history": "history"}, "table")
    chart_pricing = pricing_type or PricingType.ON_DEMAND
    if filters.wants_csv() and table != "history":
        return csv_response(
            csv_name(f"{gpu.slug}-offerings", filters),
            [
                "provider",
                "instance",
                "gpus_per_instance",
                "pricing_type",
                "region",
                "usd_per_gpu_hour",
                "usd_per_instance_hour",
                "last_seen_on",
                "status",
                "source_url",
            ],
            [
                [
                    o.provider.name,
                    o.instance_name,
                    o.gpus_per_instance,
                    o.pricing_type,
                    o.region,
                    o.latest_usd_per_gpu_hour,
                    o.latest_usd_per_instance_hour,
                    o.last_seen_on,
                    o.status,
                    o.latest_source_url,
                ]
                for o in offerings
            ],
        )
    history_range = filters.choice("history", HISTORY_RANGES, "history range") or "1y"
    history = queries.gpu_history(gpu, chart_pricing, today, days=HISTORY_DAYS[history_range])
    if filters.wants_csv():
        return history_csv(f"{gpu.slug}-history-{chart_pricing}", history.stats)

    figure = charts.gpu_history_figure(history, f"{gpu.name}, {PRICING_CHOICES[chart_pricing]}") if history else None
    return render(
        request,
        "providers/gpu_detail.html",
        {
            "gpu": gpu,
            "offerings": offerings,
            "offering_count": len(all_offerings),
            "cheapest_now": queries.cheapest_now(all_offerings, today),
            "filters": filters,
            "providers": providers,
            "instance_sizes": instance_sizes,
            "pricing_types": PricingType.choices,
            "selected": {"pricing_type": pricing_type, "gpus": gpus_per_instance, "provider": provider_slug},
            "sorts": sort_links(filters, GPU_OFFERING_SORTS, sort if request.GET.get("sort") else None, descending),
            "csv_url": filters.url(format="csv", table=None),
            "history": history,
            "history_rows": list(reversed(history.stats))[:30],
            "history_csv_url": filters.url(format="csv", table="history"),
            "chart_pricing_label": PRICING_CHOICES[chart_pricing],
            "figure": figure,
            "history_range": history_range,
            "history_range_urls": [
                (HISTORY_RANGES[k], filters.url(history=k) + "#history", k == history_range) for k in HISTORY_RANGES
            ],
        },
    )


def history_csv(name, stats):
    return csv_response(
        name,
        [
            "day",
            "cheapest_usd_per_gpu_hour",
            "p25_usd_per_gpu_hour",
            "median_usd_per_gpu_hour",
            "p75_usd_per_gpu_hour",
            "providers",
            "offerings",
        ],
        [
            [
                s.day,
                s.cheapest_usd_per_gpu_hour,
                s.p25_usd_per_gpu_hour,
                s.median_usd_per_gpu_hour,
                s.p75_usd_per_gpu_hour,
                s.provider_count,
                s.offering_count,
            ]
            for s in reversed(stats)
        ][:30],
    )


# /providers/

OFFERS_FILTER = {"gpu": "rents GPUs", "inference": "serves an inference API", "both": "both"}
PROVIDER_SORTS = {
    "name": lambda r: r.provider.name.lower(),
    "gpus": lambda r: r.gpu_type_count,
    "models": lambda r: r.model_count,
    "position": lambda r: r.market_position,
}


def provider_list(request):
    """Every provider, what it offers and where it sits against the market; the A-vs-B form.

    Queries: providers, current GPU offerings, model counts (+2 for the footer).
    """
    filters = QueryFilters(request)
    offers = filters.choice("offers", OFFERS_FILTER, "offers")
    sort, descending = filters.sort(PROVIDER_SORTS, default="name")
    all_providers = list(Provider.objects.all())
    providers = all_providers
    if offers == "gpu":
        providers = [p for p in providers if p.rents_gpus]
    elif offers == "inference":
        providers = [p for p in providers if p.serves_inference]
    elif offers == "both":
        providers = [p for p in providers if p.offers == Provider.Offers.BOTH]
    rows = sort_rows(queries.provider_rows(providers), PROVIDER_SORTS[sort], descending)

    if filters.wants_csv():
        return csv_response(
            csv_name("providers", filters),
            ["provider", "slug", "offers", "gpu_types", "models", "median_vs_market", "compared_gpu_markets"],
            [
                [
                    r.provider.name,
                    r.provider.slug,
                    r.provider.offers,
                    r.gpu_type_count,
                    r.model_count,
                    ratio(r.market_position),
                    r.compared_count,
                ]
                for r in rows
            ],
        )
    compare_error = request.GET.get("compare") == "invalid"
    return render(
        request,
        "providers/provider_list.html",
        {
            "rows": rows,
            "filters": filters,
            "offers_choices": OFFERS_FILTER.items(),
            "selected": {"offers": offers},
            "sorts": sort_links(filters, PROVIDER_SORTS, sort, descending),
            "csv_url": filters.url(format="csv"),
            "all_providers": all_providers,
            "compare_error": compare_error,
        },
    )


# /providers/<slug>/

PROVIDER_GPU_SORTS = {
    "gpu": lambda o: (o.gpu.name.lower(), o.pricing_type),
    "price": lambda o: o.latest_usd_per_gpu_hour,
    "vs_median": lambda o: o.vs_median,
}


def provider_detail(request, slug):
    """One provider: GPU offerings against the market median, inference offerings, price history.

    Queries: the provider, its GPU offerings, the market for its GPUs, its inference offerings,
    the market for its models, its daily prices and those GPUs' daily statistics (+2 for the footer).
    """
    provider = get_object_or_404(Provider, slug=slug)
    today = today_utc()
    filters = QueryFilters(request)
    all_offerings = queries.provider_gpu_offerings(provider, today)
    gpus = sorted({o.gpu.slug: o.gpu for o in all_offerings}.values(), key=lambda g: g.name.lower())
    pricing_type = filters.choice("pricing_type", PRICING_CHOICES, "pricing type")
    gpu_slug = filters.choice("gpu", {g.slug: g.name for g in gpus}, "GPU")
    sort, descending = filters.sort(PROVIDER_GPU_SORTS, default="gpu")
    table = filters.choice("table", {"gpus": "GPU offerings", "inference": "inference offerings"}, "table")

    offerings = [
        o
        for o in all_offerings
        if (pricing_type is None or o.pricing_type == pricing_type) and (gpu_slug is None or o.gpu.slug == gpu_slug)
    ]
    if request.GET.get("sort"):
        offerings = sort_rows(offerings, PROVIDER_GPU_SORTS[sort], descending)
    for offering in offerings:
        offering.status = offering.freshness(today)
    inference = queries.provider_inference_offerings(provider, today)
    for offering in inference:
        offering.status = offering.freshness(today)

    if filters.wants_csv() and table == "inference":
        return csv_response(
            csv_name(f"{provider.slug}-inference", filters),
            [
                "model",
                "model_slug",
                "quantization",
                "serving_kind",
                "usd_per_mtok_input",
                "usd_per_mtok_output",
                "usd_per_mtok_blended_3to1",
                "usd_per_mtok_cached_input",
                "batch_discount",
                "cheapest_blended_same_model",
                "cheapest_provider",
                "vs_cheapest",
                "status",
            ],
            [
                [
                    o.model.name,
                    o.model.slug,
                    o.quantization,
                    o.serving_kind,
                    o.latest_input,
                    o.latest_output,
                    ratio(o.blended),
                    o.latest_cached_input,
                    o.latest_batch_discount,
                    ratio(o.cheapest_blended),
                    o.cheapest_provider,
                    ratio(o.vs_cheapest),
                    o.status,
                ]
                for o in inference
            ],
        )
    if filters.wants_csv():
        return csv_response(
            csv_name(f"{provider.slug}-gpus", filters),
            [
                "gpu",
                "gpu_slug",
                "instance",
                "gpus_per_instance",
                "pricing_type",
                "region",
                "usd_per_gpu_hour",
                "usd_per_instance_hour",
                "market_median_usd_per_gpu_hour",
                "diff_usd",
                "vs_median",
                "last_seen_on",
                "status",
            ],
            [
                [
                    o.gpu.name,
                    o.gpu.slug,
                    o.instance_name,
                    o.gpus_per_instance,
                    o.pricing_type,
                    o.region,
                    o.latest_usd_per_gpu_hour,
                    o.latest_usd_per_instance_hour,
                    ratio(o.market.median, Decimal("0.0001")) if o.market else None,
                    ratio(o.diff_from_median, Decimal("0.0001")),
                    ratio(o.vs_median),
                    o.last_seen_on,
                    o.status,
                ]
                for o in offerings
            ],
        )

    chart_pricing = pricing_type or PricingType.ON_DEMAND
    history_range = filters.choice("history", HISTORY_RANGES, "history range") or "1y"
    history = queries.provider_history(provider, chart_pricing, today, days=HISTORY_DAYS[history_range])
    figure = (
        charts.provider_history_figure(history, f"{provider.name}, {PRICING_CHOICES[chart_pricing]}")
        if history
        else None
    )
    return render(
        request,
        "providers/provider_detail.html",
        {
            "provider": provider,
            "offerings": offerings,
            "offering_count": len(all_offerings),
            "inference": inference,
            "gpus": gpus,
            "filters": filters,
            "pricing_types": PricingType.choices,
            "selected": {"pricing_type": pricing_type, "gpu": gpu_slug},
            "sorts": sort_links(filters, PROVIDER_GPU_SORTS, sort if request.GET.get("sort") else None, descending),
            "csv_url": filters.url(format="csv", table=None),
            "inference_csv_url": filters.url(format="csv", table="inference"),
            "chart_pricing_label": PRICING_CHOICES[chart_pricing],
            "figure": figure,
            "history": history,
            "history_range_urls": [
                (HISTORY_RANGES[k], filters.url(history=k) + "#history", k == history_range) for k in HISTORY_RANGES
            ],
        },
    )


# /compare/


def compare_pick(request):
    """The /providers/ form's target: redirect to /compare/<a>-vs-<b>/, or back to the form if the pair is bad."""
    a, b = request.GET.get("a", "").strip(), request.GET.get("b", "").strip()
    if a and b and a != b and Provider.objects.filter(slug__in=[a, b]).count() == 2:
        return redirect("providers:compare", pair=f"{a}-vs-{b}")
    return redirect(reverse("providers:provider_list") + "?compare=invalid#compare")


def _providers_for_pair(pair):
    """The two providers named by "<a>-vs-<b>" (slugs may themselves contain "-vs-"); one query."""
    parts = pair.split("-vs-")
    splits = [("-vs-".join(parts[:i]), "-vs-".join(parts[i:])) for i in range(1, len(parts))]
    wanted = {slug for split in splits for slug in split if slug}
    found = {p.slug: p for p in Provider.objects.filter(slug__in=wanted)} if wanted else {}
    for a, b in splits:
        if a in found and b in found and a != b:
            return found[a], found[b]
    raise Http404("No such pair of providers.")


COMPARE_SORTS = {
    "gpu": lambda s: (s.gpu.name.lower(), PricingType.values.index(s.pricing_type)),
    "diff": lambda s: s.diff,
    "diff_relative": lambda s: s.diff_relative,
}


def compare(request, pair):
    """Two providers side by side: the GPUs both rent with the difference, and what only one has.

    Queries: the two providers, their current offerings (+2 for the footer).
    """
    a, b = _providers_for_pair(pair)
    filters = QueryFilters(request)
    pricing_type = filters.choice("pricing_type", PRICING_CHOICES, "pricing type")
    sort, descending = filters.sort(COMPARE_SORTS, default="gpu")
    table = filters.choice("table", {"shared": "rented by both", "exclusive": "rented by one"}, "table")
    shared, exclusive = queries.compare_providers(a, b)
    if pricing_type:
        shared = [s for s in shared if s.pricing_type == pricing_type]
        exclusive = [e for e in exclusive if e.offering.pricing_type == pricing_type]
    shared = sort_rows(shared, COMPARE_SORTS[sort], descending)

    if filters.wants_csv() and table == "exclusive":
        return csv_response(
            csv_name(f"{a.slug}-vs-{b.slug}-only-one", filters),
            ["only_at", "gpu", "pricing_type", "instance", "gpus_per_instance", "region", "usd_per_gpu_hour"],
            [
                [
                    e.provider.name,
                    e.offering.gpu.name,
                    e.offering.pricing_type,
                    e.offering.instance_name,
                    e.offering.gpus_per_instance,
                    e.offering.region,
                    e.offering.latest_usd_per_gpu_hour,
                ]
                for e in exclusive
            ],
        )
    if filters.wants_csv():
        return csv_response(
            csv_name(f"{a.slug}-vs-{b.slug}", filters),
            [
                "gpu",
                "pricing_type",
                f"{a.slug}_usd_per_gpu_hour",
                f"{a.slug}_instance",
                f"{b.slug}_usd_per_gpu_hour",
                f"{b.slug}_instance",
                "diff_usd_b_minus_a",
                "diff_relative_b_vs_a",
            ],
            [
                [
                    s.gpu.name,
                    s.pricing_type,
                    s.a.latest_usd_per_gpu_hour,
                    s.a.instance_name,
                    s.b.latest_usd_per_gpu_hour,
                    s.b.instance_name,
                    s.diff,
                    ratio(s.diff_relative),
                ]
                for s in shared
            ],
        )
    return render(
        request,
        "providers/compare.html",
        {
            "a": a,
            "b": b,
            "shared": shared,
            "exclusive": exclusive,
            "filters": filters,
            "pricing_types": PricingType.choices,
            "selected": {"pricing_type": pricing_type},
            "sorts": sort_links(filters, COMPARE_SORTS, sort, descending),
            "csv_url": filters.url(format="csv", table=None),
            "exclusive_csv_url": filters.url(format="csv", table="exclusive"),
            "swap_url": reverse("providers:compare", args=[f"{b.slug}-vs-{a.slug}"]),
        },
    )
