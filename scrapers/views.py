"""The public /sources/ page: the curated data set with its dates beside every scraper's last run, what
each source publishes now, disagreements between sources, and the age of the published prices
(scrapers.report builds it all; `python manage.py data_report` prints the same figures)."""

from django.shortcuts import render

from computeprices.freshness import STALE_AFTER_DAYS

from .report import data_report


def sources(request):
    """A constant number of queries whatever the number of sources, runs or prices (see scrapers.report)."""
    report = data_report()
    return render(request, "scrapers/sources.html", {"report": report, "stale_after_days": STALE_AFTER_DAYS})
