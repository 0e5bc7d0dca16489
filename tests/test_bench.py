"""bench_pages and bin/loadtest.py: the benchmark commands run, measure what they say, and stay bounded."""

import importlib.util
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from computeprices.management.commands.bench_pages import BREAKEVEN_ALL_INPUTS
from tests.factories import GpuPriceObservationFactory, InferencePriceObservationFactory

pytestmark = pytest.mark.django_db

LOADTEST = Path(__file__).resolve().parent.parent / "bin" / "loadtest.py"


def load_loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", LOADTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_pages_json_covers_every_page_and_the_api(capsys):
    GpuPriceObservationFactory()
    InferencePriceObservationFactory()
    call_command("bench_pages", "--json", "--cold", "1", "--warm", "2", "--scale-label", "test")
    result = json.loads(capsys.readouterr().out)
    assert result["scale"] == "test"
    assert result["catalogue"]["gpu_offerings"] == 1
    assert result["trivial_p50_ms"] > 0
    pages = {row["page"]: row for row in result["pages"]}
    for path in ("/", "/gpus/", "/models/", "/breakeven/", "/about/", "/sources/", BREAKEVEN_ALL_INPUTS):
        assert pages[path]["status"] == 200, path
    api = pages[BREAKEVEN_ALL_INPUTS]
    # Every number given: nothing but the data version read once the cache is cleared, nothing warm.
    assert api["queries_cold"] <= 1 and api["queries_warm"] == 0
    for row in result["pages"]:
        assert row["cold_x_trivial"] == pytest.approx(row["cold_p50_ms"] / result["trivial_p50_ms"], rel=0.05, abs=0.1)


def test_bench_pages_fails_on_a_page_that_is_not_200(capsys):
    with pytest.raises(CommandError, match="answered 404"):
        call_command("bench_pages", "--url", "/gpus/no-such-gpu/", "--cold", "1", "--warm", "1")
    assert "| `/gpus/no-such-gpu/` |" in capsys.readouterr().out


def test_loadtest_counts_requests_and_errors(live_server):
    loadtest = load_loadtest()
    result = loadtest.run(live_server.url, ["/about/", "/gpus/no-such-gpu/"], clients=2, seconds=0.5)
    assert result["requests"] >= 2
    assert result["errors"] >= 1 and "404" in result["first_errors"][0]
    assert result["p50_ms"] is not None


def test_loadtest_is_bounded_to_loopback():
    loadtest = load_loadtest()
    with pytest.raises(SystemExit):
        loadtest.main(["http://example.com", "/"])
    with pytest.raises(SystemExit):
        loadtest.main(["http://127.0.0.1:1", "/", "--clients", "1000"])
    with pytest.raises(SystemExit):
        loadtest.main(["http://127.0.0.1:1", "/", "--seconds", "3600"])


def test_bench_pages_lists_its_paths(capsys):
    call_command("bench_pages", "--list")
    paths = capsys.readouterr().out.split()
    assert "/gpus/" in paths and BREAKEVEN_ALL_INPUTS in paths


def test_pages_are_measured_at_the_gpu_with_the_most_offerings_on_the_market():
    """The market rule, not "seen in 3 days": curated-only prices under a year old count, delisted ones don't."""
    from datetime import timedelta

    from computeprices.freshness import today_utc
    from computeprices.management.commands.measure_pages import _busiest_gpu
    from tests.factories import GpuFactory, GpuOfferingFactory

    today = today_utc()
    curated, scraped, delisted = GpuFactory(slug="a-curated"), GpuFactory(slug="b-scraped"), GpuFactory(slug="c-gone")
    for _ in range(3):
        offering = GpuOfferingFactory(gpu=curated)
        GpuPriceObservationFactory(offering=offering, observed_on=today - timedelta(days=60), is_curated=True)
    for _ in range(2):
        GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=scraped))
    for _ in range(5):
        GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=delisted), observed_on=today - timedelta(days=30))
    assert _busiest_gpu() == curated.get_absolute_url()


def test_bench_pages_prints_a_saved_json_run_as_its_table(tmp_path, capsys):
    saved = {
        "scale": "100x",
        "database": "postgresql",
        "cache": "RedisCache",
        "catalogue": {"gpu_offerings": 7},
        "trivial_p50_ms": 0.2,
        "load_average_1m": 1.5,
        "pages": [
            {
                "page": "/gpus/",
                "status": 200,
                "kb": 19.3,
                "queries_cold": 3,
                "queries_warm": 0,
                "cold_p50_ms": 24.4,
                "warm_p50_ms": 0.44,
                "cold_x_trivial": 122.0,
                "warm_x_trivial": 2.2,
            }
        ],
    }
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(saved))
    call_command("bench_pages", "--from-json", str(path))
    out = capsys.readouterr().out
    assert out.startswith("scale 100x on postgresql") and "| `/gpus/` | 3/0 | 24.4 | 122 | 0.44 | 2.2 | 19.3 |" in out
