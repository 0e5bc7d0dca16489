"""What a GPU or provider detail page shows, assembled outside the view: the offerings table as the
reader filtered and sorted it, and the price history chart. Views pick HTML or CSV and render."""

from computeprices.tables import TablePage, page_size

from . import charts, columns, listing, queries
from .forms import HISTORY_DAYS, HISTORY_RANGES, PRICING_CHOICES, GpuDetailForm
from .models import Gpu, PricingType


class GpuOfferingsTable:
    """One GPU's listed offerings (one query), filtered by the reader's options, sorted and grouped."""

    def __init__(self, gpu, query, today):
        self.all = queries.gpu_offerings(gpu, today, region=query.get("region"))
        for offering in self.all:
            offering.status = offering.freshness(today)
        by_name = {o.provider.slug: o.provider for o in self.all}
        self.providers = sorted(by_name.values(), key=lambda p: p.name.lower())
        self.regions = listing.regions_of(self.all)
        self.form = GpuDetailForm(
            query, provider={p.slug: p.name for p in self.providers}, region={r: r for r in self.regions}
        )
        self.selected = {k: self.form.option(k) for k in ("pricing_type", "gpus", "provider", "region")}
        shown = [o for o in self.all if listing.matches(o, **self.selected)]
        self.rows, self.sorts = listing.sorted_by(self.form, shown, columns.GPU_OFFERING_SORTS, "price")
        self.page = TablePage(self.rows, query, anchor="#offerings")  # the table shows one page; the CSV every row
        self.today = today

    def context(self):
        form = self.form
        return {
            "offerings": self.rows,
            "page": self.page,
            "groups": listing.group_offerings(self.page.rows),
            "notices": form.notices + self.page.notices,
            "long_provider_list": len(self.providers) > page_size(),
            "offering_count": len(self.all),
            "cheapest_now": queries.cheapest_now(self.all, self.today),
            "cheapest_node": listing.cheapest_node(self.all),
            "filters": form,
            "sorts": self.sorts,
            "providers": self.providers,
            "regions": self.regions,
            "instance_sizes": sorted({o.gpus_per_instance for o in self.all}),
            "pricing_types": PricingType.choices,
            "selected": self.selected,
            "csv_url": form.url(format="csv", table=None),
            "history_csv_url": form.url(format="csv", table="history"),
        }


def provider_tables(offerings, inference, query):
    """Both tables of /providers/<slug>/ a page at a time (?page=, ?inference_page=); the CSVs keep every row."""
    gpu_page = TablePage(offerings, query, anchor="#gpus")
    token_page = TablePage(inference, query, param="inference_page", label="inference page", anchor="#inference")
    return {"offerings": gpu_page.rows, "gpu_page": gpu_page, "token_page": token_page}


class HistoryChart:
    """A GPU's or a provider's price history at the chosen pricing type and range (two queries)."""

    def __init__(self, subject, form, today):
        self.pricing_type = form.option("pricing_type") or PricingType.ON_DEMAND
        self.label = PRICING_CHOICES[self.pricing_type]
        days = HISTORY_DAYS[form.option("history", "1y")]
        read = queries.gpu_history if isinstance(subject, Gpu) else queries.provider_history
        self.history = read(subject, self.pricing_type, today, days=days)
        self.subject, self.form = subject, form

    @property
    def last_30_days(self):
        return self.history.stats[::-1][:30]

    def figure(self):
        if not self.history:
            return None
        draw = charts.gpu_history_figure if isinstance(self.subject, Gpu) else charts.provider_history_figure
        return draw(self.history, f"{self.subject.name}, {self.label}")

    def context(self):
        current = self.form.option("history", "1y")
        return {
            "history": self.history,
            "history_rows": self.last_30_days,
            "chart_pricing_label": self.label,
            "figure": self.figure(),
            "history_range_urls": [
                (label, self.form.url(history=key) + "#history", key == current)
                for key, label in HISTORY_RANGES.items()
            ],
        }
