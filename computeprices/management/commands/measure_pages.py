"""Render each page N times with the test client on the current database: status, queries, median ms.

    python manage.py measure_pages              # every page in PAGES
    python manage.py measure_pages -n 50 --url /gpus/?sort=cheapest --url /about/

Page owners add their pages to PAGES: a path, or a function that picks a path from the data (the
busiest GPU, provider, ...) and returns None when there is nothing to measure. Times are the server
side only (URL resolving, view, template) as seen by Django's test client; queries are counted with
CaptureQueriesContext. Exits non-zero if a page does not answer 200.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings


def _in_market(relation):
    """Count of the offerings on the market (providers.models.market_q) through `relation`: pages are measured
    where they show the most."""
    from providers.models import market_q

    return Count(relation, filter=market_q(prefix=f"{relation}__"))


def _busiest_gpu():
    from providers.models import Gpu

    gpu = Gpu.objects.annotate(n=_in_market("offerings")).order_by("-n", "slug").first()
    return gpu.get_absolute_url() if gpu else None


def _busiest_provider():
    from providers.models import Provider

    provider = Provider.objects.annotate(n=_in_market("gpu_offerings")).order_by("-n", "slug").first()
    return provider.get_absolute_url() if provider else None


def _busiest_pair():
    from django.urls import reverse

    from providers.models import Provider

    pair = list(Provider.objects.annotate(n=_in_market("gpu_offerings")).order_by("-n", "slug")[:2])
    return reverse("providers:compare", args=[f"{pair[0].slug}-vs-{pair[1].slug}"]) if len(pair) == 2 else None


def _busiest_model():
    from inference.models import LanguageModel

    model = LanguageModel.objects.annotate(n=_in_market("offerings")).order_by("-n", "slug").first()
    return model.get_absolute_url() if model else None


def _gpu_family():
    """The family chooser (/gpus/h100/ lists H100 SXM, PCIe, NVL) when the catalogue has such a family."""
    from providers.models import Gpu

    return "/gpus/h100/" if Gpu.objects.filter(slug__startswith="h100-").count() > 1 else None


def _example_traces():
    from traces.models import TraceDataset

    dataset = TraceDataset.objects.order_by("-is_example", "slug").first()
    return dataset.get_absolute_url() if dataset else None


# Add your pages here (a path, or a function returning a path or None).
PAGES = [
    "/",
    "/gpus/",
    "/gpus/?pricing_type=spot&sort=-median",
    _busiest_gpu,
    "/providers/",
    _busiest_provider,
    _busiest_pair,
    "/models/",
    "/models/?blend=10:1&open=1&sort=spread",
    _busiest_model,
    "/analysis/",
    "/breakeven/",
    lambda: f"/breakeven/?model={_busiest_model().split('/')[-2]}" if _busiest_model() else None,
    "/traces/",
    _example_traces,
    "/sources/",
    "/api/",
    "/alerts/",
    "/feeds/price-changes/",
    lambda: _busiest_gpu() and "/feeds" + _busiest_gpu(),
    "/search/?q=h100",
    "/search/?q=llama+70b",
    _gpu_family,
]


class Command(BaseCommand):
    help = "Render each page N times on the current database and print status, query count and median ms."

    def add_arguments(self, parser):
        parser.add_argument("-n", "--repeat", type=int, default=20, help="renders per page (default 20)")
        parser.add_argument("--url", action="append", default=[], help="measure this path instead (repeatable)")

    def handle(self, *args, repeat, url, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1")
        paths = url or [page() if callable(page) else page for page in PAGES]
        paths = [p for p in paths if p]
        client = Client()
        failures = 0
        self.stdout.write(f"{'page':<60} {'status':>6} {'queries':>7} {'median ms':>10} {'max ms':>8} {'KB':>7}")
        # The test client's host is "testserver"; SSL redirects would hide the page behind a 301.
        with override_settings(ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False):
            for path in paths:
                client.get(path)  # warm up: template loading, URL resolver, connection
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as queries:
                        start = time.perf_counter()
                        response = client.get(path)
                        timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    failures += 1
                self.stdout.write(
                    f"{path[:60]:<60} {response.status_code:>6} {len(queries):>7} "
                    f"{statistics.median(timings):>10.1f} {max(timings):>8.1f} {len(response.content) / 1024:>7.1f}"
                )
        if failures:
            raise CommandError(f"{failures} page(s) did not answer 200")
