"""The data report: what each source (and the curated set) contributes and how old the published prices are.

`data_report()` is what `python manage.py data_report` prints and what /sources/ shows. A constant
number of queries whatever the number of sources, runs, offerings or prices:

  last good run and last failed run per source                       2
  disagreements in the review queue, by source                       1
  published prices per source and age bucket (GPU, per-token)       2
  the curated set: its prices' dates and counts                      2
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce

from computeprices.curated import CURATED_SOURCE
from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation

from . import precedence
from .models import PendingPrice, ScrapeRun
from .sources import REGISTRY

# Age buckets of published prices: (label, the oldest age in days that falls in it).
AGE_BUCKETS = [
    ("≤ 3 days", 3),
    ("4–14 days", 14),
    ("15–90 days", 90),
    ("3–12 months", 365),
    ("over a year", None),
]


def histogram(counts: Counter):
    """[(label, count, total)] in AGE_BUCKETS order, from {bucket label: number of prices}."""
    total = sum(counts.values())
    return [(label, counts.get(label, 0), total) for label, _ in AGE_BUCKETS]


def _bucket_counts(today):
    """{bucket label: Count}: published prices by age (price_age_days: the price's own date, or its collection
    day when undated), as conditional counts the database computes: age <= limit is day >= today - limit."""
    day = Coalesce("latest_price_date", "latest_observed_on")
    counts, newer_than = {}, None
    for label, limit in AGE_BUCKETS:
        in_bucket = Q() if limit is None else Q(age_day__gte=today - timedelta(days=limit))
        if newer_than is not None:
            in_bucket &= ~newer_than
        counts[label] = Count("pk", filter=in_bucket)
        newer_than = Q(age_day__gte=today - timedelta(days=limit)) if limit is not None else None
    return day, counts


def published_ages(model, today) -> dict:
    """{latest_source: Counter of age bucket}: the market offerings (ListingQuerySet.market(), whose Python twin
    is freshness.in_market) with a published price, by the source that published it. One grouped query."""
    day, counts = _bucket_counts(today)
    rows = (
        model.objects.market(today)
        .filter(latest_observed_on__isnull=False)
        .annotate(age_day=day)
        .order_by()
        .values("latest_source")
        .annotate(**{f"bucket_{i}": c for i, c in enumerate(counts.values())})
    )
    return {
        row["latest_source"]: Counter({label: row[f"bucket_{i}"] for i, label in enumerate(counts)}) for row in rows
    }


@dataclass
class SourceReport:
    name: str
    kind: str
    url: str
    rank_label: str
    last_run: ScrapeRun | None = None
    failing: ScrapeRun | None = None
    published: int = 0  # listed offerings whose published price comes from this source
    disagreements: int = 0  # prices held for review because a higher-ranked source disagreed by > 20%
    ages: Counter = field(default_factory=Counter)  # {age bucket label: published prices}

    @property
    def anchor(self):
        return self.name.replace(":", "-")

    @property
    def histogram(self):
        return histogram(self.ages)

    def as_dict(self):
        run = self.last_run
        return {
            "source": self.name,
            "kind": self.kind,
            "precedence": self.rank_label,
            "last_good_run": run.finished.isoformat() if run and run.finished else None,
            "rows_seen": run.rows_seen if run else None,
            "rows_published": run.rows_published if run else None,
            "rows_flagged": run.rows_flagged if run else None,
            "rows_unmatched": run.rows_unmatched if run else None,
            "failing_since": self.failing.started.isoformat() if self.failing else None,
            "listed_prices_published": self.published,
            "disagreements_in_review": self.disagreements,
            "age_histogram": {label: n for label, n, _ in self.histogram},
        }


@dataclass
class CuratedReport:
    offerings: int = 0
    prices: int = 0
    undated: int = 0
    oldest: date | None = None
    newest: date | None = None
    collected_from: date | None = None
    collected_to: date | None = None
    published: int = 0
    ages: Counter = field(default_factory=Counter)
    # Prices that cite where their number came from (origin_url), per market: {"gpu"|"inference": (cited, all)}.
    cited: dict = field(default_factory=dict)

    @property
    def histogram(self):
        return histogram(self.ages)

    @property
    def uncited(self):
        return sum(total - n for n, total in self.cited.values())

    def as_dict(self):
        return {
            "curated_offerings": self.offerings,
            "curated_prices": self.prices,
            "undated_prices": self.undated,
            "cited_origin": {market: {"cited": n, "none": total - n} for market, (n, total) in self.cited.items()},
            "price_dates": [d.isoformat() if d else None for d in (self.oldest, self.newest)],
            "collected": [d.isoformat() if d else None for d in (self.collected_from, self.collected_to)],
            "listed_prices_published": self.published,
            "age_histogram": {label: n for label, n, _ in self.histogram},
        }


@dataclass
class DataReport:
    today: date
    curated: CuratedReport
    sources: list[SourceReport]
    ages: Counter = field(default_factory=Counter)

    @property
    def histogram(self):
        return histogram(self.ages)

    @property
    def active_sources(self):
        """Sources that ran here, failed, or publish a listed price (shown in full on /sources/)."""
        return [s for s in self.sources if s.last_run or s.failing or s.published]

    @property
    def idle_sources(self):
        return [s for s in self.sources if not (s.last_run or s.failing or s.published)]

    def as_dict(self):
        return {
            "today": self.today.isoformat(),
            "curated": self.curated.as_dict(),
            "sources": [s.as_dict() for s in self.sources],
            "age_histogram": {label: n for label, n, _ in self.histogram},
        }


def _failing(last_ok, last_failed):
    if last_failed is None or (last_ok is not None and last_ok.pk > last_failed.pk):
        return None
    return last_failed


def data_report(today=None) -> DataReport:
    today = today or today_utc()
    real_runs = ScrapeRun.objects.filter(dry_run=False)
    last_ok = real_runs.last_successful_per_source()
    last_failed = real_runs.filter(status=ScrapeRun.Status.FAILED).newest_per_source()
    disagreements = dict(
        PendingPrice.objects.filter(status=PendingPrice.Status.PENDING, reason__startswith="disagrees")
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    reports = {
        name: SourceReport(
            name=name,
            kind={"gpu": "GPU-hour prices", "speed": "Endpoint speed"}.get(source.kind, "Per-token prices"),
            url=getattr(source, "page_url", source.url),
            rank_label=precedence.LABELS[source.rank],
            last_run=last_ok.get(name),
            failing=_failing(last_ok.get(name), last_failed.get(name)),
            disagreements=disagreements.get(name, 0),
        )
        for name, source in sorted(REGISTRY.items())
    }
    curated = CuratedReport()
    all_ages = Counter()
    for model in (GpuOffering, InferenceOffering):
        for source, ages in published_ages(model, today).items():
            all_ages.update(ages)
            target = curated if source == CURATED_SOURCE else reports.get(source)
            if target is not None:
                target.published += ages.total()
                target.ages.update(ages)
    for market, observations in (("gpu", GpuPriceObservation), ("inference", InferencePriceObservation)):
        facts = observations.objects.filter(is_curated=True).aggregate(
            prices=Count("pk"),
            cited=Count("pk", filter=~Q(origin_url="")),
            offerings=Count("offering", distinct=True),
            undated=Count("pk", filter=Q(price_date__isnull=True)),
            oldest=Min("price_date"),
            newest=Max("price_date"),
            collected_from=Min("observed_on"),
            collected_to=Max("observed_on"),
        )
        curated.prices += facts["prices"]
        curated.offerings += facts["offerings"]
        curated.undated += facts["undated"]
        curated.cited[market] = (facts["cited"], facts["prices"])
        for name, pick in (("oldest", min), ("newest", max), ("collected_from", min), ("collected_to", max)):
            values = [v for v in (getattr(curated, name), facts[name]) if v]
            setattr(curated, name, pick(values) if values else None)
    return DataReport(today=today, curated=curated, sources=list(reports.values()), ages=all_ages)
