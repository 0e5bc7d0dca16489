"""The data report: what each source (and the curated set) contributes and how old the published prices are.

`data_report()` is what `python manage.py data_report` prints and what /sources/ shows. A constant
number of queries whatever the number of sources, runs, offerings or prices:

  last good run and last failed run per source                       2
  disagreements in the review queue, by source                       1
  listed GPU and per-token offerings with their published price      2
  the curated set: its prices' dates and counts                      2
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, Q

from computeprices.curated import CURATED_SOURCE
from computeprices.freshness import in_market, price_age_days, today_utc
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


def age_bucket(days):
    for label, limit in AGE_BUCKETS:
        if limit is None or days <= limit:
            return label
    return AGE_BUCKETS[-1][0]


def histogram(ages):
    counts = Counter(age_bucket(d) for d in ages)
    total = sum(counts.values())
    return [(label, counts.get(label, 0), total) for label, _ in AGE_BUCKETS]


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
    ages: list = field(default_factory=list)

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
    ages: list = field(default_factory=list)
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
    ages: list = field(default_factory=list)

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
    all_ages = []
    for model in (GpuOffering, InferenceOffering):
        for o in model.objects.market(today).with_latest_price():
            if o.latest_observed_on is None or not in_market(o, today):
                continue
            age = price_age_days(o.latest_price_date, o.latest_observed_on, today)
            all_ages.append(age)
            target = curated if o.latest_source == CURATED_SOURCE else reports.get(o.latest_source)
            if target is not None:
                target.published += 1
                target.ages.append(age)
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
