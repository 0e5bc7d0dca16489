"""Per page: query count, cold p50 (cache cleared) and warm p50, each as a ratio to a trivial view.

    python manage.py bench_pages                          # a table
    python manage.py bench_pages --json --scale-label 100x
    python manage.py bench_pages --url /models/ --cold 3 --warm 10

The pages are measure_pages.PAGES (every page of the README's page table, at its busiest instance)
plus the breakeven API with every number given. Each is rendered through the whole middleware stack
by Django's test client, against the current database and cache, with the same settings the site
runs with (run it with DEBUG off and `collectstatic` done to measure production). The floor is a view
returning HttpResponse("ok") timed in the same run (computeprices/bench_urls.py), so the ratios
compare across machines. "cold" clears the cache before each render; "warm" renders again with the
cache left alone. Exits non-zero if a page does not answer 200.
"""

import os
import statistics
import time
from json import dumps, loads
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from computeprices.bench_urls import TRIVIAL_PATH

from .measure_pages import PAGES

# Every number the breakeven API takes (13), so no default has to come from the database.
BREAKEVEN_ALL_INPUTS = (
    "/api/v1/breakeven?tokens_per_day=1000000000&input_per_output=3&api_input_price=0.6&api_output_price=2.4"
    "&cached_input_price=0.15&cache_hit_rate=0.2&batch_share=0.1&batch_discount=0.5&gpu_hourly_price=2.5"
    "&gpus_per_replica=8&prefill_tokens_per_second=40000&decode_tokens_per_second=6000&utilization=0.5"
)


BENCH_PAGES = [*PAGES, "/about/", BREAKEVEN_ALL_INPUTS]


def _time(client, path, repeat, clear):
    timings, queries, response = [], 0, None
    for _ in range(repeat):
        if clear:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    return statistics.median(timings), queries, response


def catalogue_size():
    from inference.models import InferenceOffering, InferencePriceObservation
    from providers.models import GpuOffering, GpuPriceObservation

    return {
        "gpu_offerings": GpuOffering.objects.count(),
        "token_offerings": InferenceOffering.objects.count(),
        "gpu_prices": GpuPriceObservation.objects.count(),
        "token_prices": InferencePriceObservation.objects.count(),
    }


class Command(BaseCommand):
    help = "Per page: queries, cold and warm p50 ms, and each as a multiple of a trivial view timed in the same run."

    def add_arguments(self, parser):
        parser.add_argument("--cold", type=int, default=5, help="cold renders per page (default 5)")
        parser.add_argument("--warm", type=int, default=20, help="warm renders per page (default 20)")
        parser.add_argument("--url", action="append", default=[], help="measure this path instead (repeatable)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--scale-label", default="", help="a label for the data set, e.g. 1x or 100x")
        parser.add_argument("--list", action="store_true", help="print the paths it would measure, one a line")
        parser.add_argument(
            "--from-json", dest="from_json", help="print the table of a saved --json output, measure nothing"
        )

    def handle(self, *args, cold, warm, url, json: bool, scale_label, list: bool, from_json=None, **options):
        if from_json:
            self.stdout.write(self.table(loads(Path(from_json).read_text())))
            return
        if cold < 1 or warm < 1:
            raise CommandError("--cold and --warm must be at least 1")
        paths = [p for p in (url or [page() if callable(page) else page for page in BENCH_PAGES]) if p]
        if list:
            self.stdout.write("\n".join(paths))
            return
        client = Client()
        rows, failures = [], []
        # The test client's host is "testserver"; SSL redirects would hide the page behind a 301.
        # The trivial view skips the page cache (no data-version read, no stamp): the floor is the rest
        # of the middleware stack plus the view, as before there was a page cache.
        with override_settings(
            ROOT_URLCONF="computeprices.bench_urls",
            ALLOWED_HOSTS=["*"],
            SECURE_SSL_REDIRECT=False,
            PAGE_CACHE_EXEMPT=[*settings.PAGE_CACHE_EXEMPT, TRIVIAL_PATH],
        ):
            client.get(TRIVIAL_PATH)
            floor, _, _ = _time(client, TRIVIAL_PATH, max(200, warm), clear=False)
            for path in paths:
                client.get(path)  # warm up: templates, URL resolver, connection
                cold_ms, cold_queries, response = _time(client, path, cold, clear=True)
                warm_ms, warm_queries, _ = _time(client, path, warm, clear=False)
                if response.status_code != 200:
                    failures.append(f"{path} answered {response.status_code}")
                rows.append(
                    {
                        "page": path,
                        "status": response.status_code,
                        "kb": round(len(response.content) / 1024, 1),
                        "queries_cold": cold_queries,
                        "queries_warm": warm_queries,
                        "cold_p50_ms": round(cold_ms, 3),
                        "warm_p50_ms": round(warm_ms, 3),
                        "cold_x_trivial": round(cold_ms / floor, 1),
                        "warm_x_trivial": round(warm_ms / floor, 1),
                    }
                )
        result = {
            "scale": scale_label,
            "database": connection.vendor,
            "cache": type(caches["default"]).__name__,
            "catalogue": catalogue_size(),
            "trivial_p50_ms": round(floor, 4),
            # A shared machine: the ratios are only as good as the load around them.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "pages": rows,
        }
        if json:
            self.stdout.write(dumps(result, indent=2))
        else:
            self.stdout.write(self.table(result))
        if failures:
            raise CommandError("; ".join(failures))

    @staticmethod
    def table(result):
        lines = [
            f"scale {result['scale'] or '?'} on {result['database']}, cache {result['cache']}, "
            f"{result['catalogue']}; trivial view p50 {result['trivial_p50_ms']:.3f} ms; "
            f"load average {result.get('load_average_1m', '?')}",
            "",
            "| page | queries cold/warm | cold p50 ms | cold x trivial | warm p50 ms | warm x trivial | KB |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in result["pages"]:
            page = r["page"] if len(r["page"]) <= 60 else r["page"][:57] + "..."
            lines.append(
                f"| `{page}` | {r['queries_cold']}/{r['queries_warm']} | {r['cold_p50_ms']:.1f} | "
                f"{r['cold_x_trivial']:.0f} | {r['warm_p50_ms']:.2f} | {r['warm_x_trivial']:.1f} | {r['kb']} |"
            )
        return "\n".join(lines)
