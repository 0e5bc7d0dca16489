"""scrapers.report: the age histogram and published counts the database aggregates equal the rule
(price_age_days bucketed by AGE_BUCKETS, over the market offerings), at each bucket's edges, in a constant
number of queries."""

from collections import Counter
from datetime import timedelta

import pytest

from computeprices.freshness import price_age_days, today_utc
from scrapers.report import AGE_BUCKETS, data_report
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory, InferencePriceObservationFactory

pytestmark = pytest.mark.django_db
EDGES = [None, -1, 0, 3, 4, 14, 15, 90, 91, 365, 366, 800]  # days before today of the price's own date


def _bucket(days):
    return next(label for label, limit in AGE_BUCKETS if limit is None or days <= limit)


def _prices(ages, source="skypilot:aws"):
    today = today_utc()
    for i, age in enumerate(ages):
        price_date = None if age is None else today - timedelta(days=age)
        GpuPriceObservationFactory(
            offering=GpuOfferingFactory(gpus_per_instance=1 + i), source=source, price_date=price_date
        )


def test_histogram_buckets_each_edge_as_the_rule_does():
    _prices(EDGES)
    InferencePriceObservationFactory(source="curated", is_curated=True, observed_on=today_utc() - timedelta(days=20))
    GpuPriceObservationFactory(source="nobody:registered")  # counts in the whole histogram only
    stale = GpuOfferingFactory(gpus_per_instance=99)  # scraped 5 days ago: out of the market
    GpuPriceObservationFactory(offering=stale, source="skypilot:aws", observed_on=today_utc() - timedelta(days=5))
    report = data_report()
    expected = Counter(
        _bucket(price_age_days(None if a is None else today_utc() - timedelta(days=a), today_utc())) for a in EDGES
    )
    aws = next(s for s in report.sources if s.name == "skypilot:aws")
    assert aws.published == len(EDGES)
    assert [(label, n) for label, n, _ in aws.histogram] == [(label, expected[label]) for label, _ in AGE_BUCKETS]
    assert report.curated.published == 1 and report.curated.as_dict()["age_histogram"]["15–90 days"] == 1
    whole = expected + Counter({"15–90 days": 1, "≤ 3 days": 1})
    assert report.as_dict()["age_histogram"] == {label: whole[label] for label, _ in AGE_BUCKETS}
    assert sum(n for _, n, _ in report.histogram) == len(EDGES) + 2


@pytest.mark.parametrize("size", [3, 40])
def test_report_queries_are_constant(size, django_assert_num_queries):
    _prices([i % 400 for i in range(size)])
    with django_assert_num_queries(7):
        report = data_report()
    assert next(s for s in report.sources if s.name == "skypilot:aws").published == size
