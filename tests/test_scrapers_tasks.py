"""Celery: one task per source, the nightly fan-out (a failing source does not stop the others; the
statistics are recomputed once, after all), the beat schedule, and one real worker against Redis."""

import sys
import time
import types
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from celery.exceptions import ChordError
from django_celery_beat.models import PeriodicTask

from computeprices.celery import app
from providers.models import GpuPriceObservation
from scrapers import tasks
from scrapers.models import ScrapeRun
from tests.test_scrapers_ingest import make_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"


@pytest.fixture
def stats_functions():
    """Stand-ins for providers.stats / inference.analysis (other engineers' modules) to count calls."""
    gpu_stats, fit = mock.Mock(), mock.Mock()
    fake = {
        "providers.stats": types.SimpleNamespace(refresh_gpu_daily_stats=gpu_stats),
        "inference.analysis": types.SimpleNamespace(refresh_price_size_fit=fit),
    }
    with mock.patch.dict(sys.modules, fake):
        yield gpu_stats, fit


@pytest.mark.django_db
def test_every_scheduled_task_is_a_registered_task():
    scheduled = list(PeriodicTask.objects.values_list("task", flat=True))
    assert "scrapers.scrape_all" in scheduled
    app.loader.import_default_modules()
    for name in scheduled:
        assert name in app.tasks, f"beat schedules {name!r}, which no worker knows"


@pytest.mark.django_db
def test_nightly_schedule_runs_on_the_database_scheduler_in_utc():
    task = PeriodicTask.objects.get(task="scrapers.scrape_all")
    assert task.enabled and task.crontab.hour == "2" and str(task.crontab.timezone) == "UTC"
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db
def test_source_task_runs_a_recorded_payload():
    make_catalogue()
    summary = tasks.scrape_source.delay(
        "skypilot:aws", day="2026-11-23", payload_path=str(FIXTURES / "skypilot_aws_small.csv")
    ).get()
    assert summary["status"] == "partial" and summary["rows_new"] > 0
    assert GpuPriceObservation.objects.filter(observed_on=date(2026, 11, 23)).exists()


@pytest.mark.django_db
def test_fan_out_isolates_failures_and_refreshes_statistics_once(stats_functions, monkeypatch):
    make_catalogue()
    gpu_stats, fit = stats_functions
    payloads = {
        "skypilot:aws": (FIXTURES / "skypilot_aws_small.csv").read_text(),
        "litellm": "<html>oops</html>",  # fails
        "runpod": (FIXTURES / "runpod_small.json").read_text(),
    }

    def fake_fetch(self, client):
        return payloads[self.name]

    monkeypatch.setattr("scrapers.sources.base.Source.fetch", fake_fetch)
    monkeypatch.setattr("scrapers.sources.runpod.RunPodSource.fetch", fake_fetch)
    result = tasks.nightly_signature(list(payloads)).apply_async().get()
    assert result["failed"] == ["litellm"] and result["sources"] == 3
    assert gpu_stats.call_count == 1 and fit.call_count == 1
    statuses = dict(ScrapeRun.objects.values_list("source", "status"))
    assert statuses == {"skypilot:aws": "partial", "litellm": "failed", "runpod": "partial"}


@pytest.mark.django_db
def test_scrape_all_fans_out_over_every_source(stats_functions, monkeypatch):
    seen = []

    def fake_run(name, day=None, payload_path=None):
        seen.append(name)
        return {"source": name, "status": "ok"}

    monkeypatch.setattr(tasks.scrape_source, "run", fake_run)
    tasks.scrape_all.delay()
    from scrapers.sources import REGISTRY

    assert sorted(seen) == sorted(n for n in REGISTRY if n != "openrouter:stats")  # file-only: nightly = False
    assert stats_functions[0].call_count == 1


def test_statistics_refresh_tolerates_modules_not_written_yet():
    with mock.patch.dict(sys.modules, {"providers.stats": None, "inference.analysis": None}):
        assert tasks.refresh_statistics([{"source": "x", "status": "ok"}])["refreshed"] == []


def test_each_source_task_has_a_time_limit():
    signature = tasks.nightly_signature(["azure", "litellm"])
    limits = {s.args[0]: (s.options["soft_time_limit"], s.options["time_limit"]) for s in signature.tasks}
    assert limits["azure"] == (900, 960) and limits["litellm"] == (300, 360)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_scrape_task_on_a_recorded_payload(settings):
    """One real Celery worker against the real Redis: the task goes through the broker and back."""
    from celery.contrib.testing.worker import start_worker

    make_catalogue()
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    app.conf.result_backend = settings.REDIS_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = tasks.scrape_source.delay(
                "skypilot:aws", day="2026-11-23", payload_path=str(FIXTURES / "skypilot_aws_small.csv")
            )
            summary = result.get(timeout=60)
    finally:
        app.conf.task_always_eager = True
    assert summary["status"] == "partial" and summary["rows_new"] > 0
    assert ScrapeRun.objects.get(source="skypilot:aws").rows_new == summary["rows_new"]
    assert GpuPriceObservation.objects.filter(source="skypilot:aws").count() == summary["rows_new"]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_chord_refreshes_statistics_even_when_a_source_task_dies(settings, stats_functions):
    """A header task that raises (here: a source no longer registered) makes Celery skip the chord body;
    the linked error callback still recomputes the statistics, once."""
    from celery.contrib.testing.worker import start_worker

    make_catalogue()
    gpu_stats, fit = stats_functions
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = tasks.nightly_signature(["no-such-source"]).apply_async()
            with pytest.raises((ChordError, KeyError), match="no-such-source"):
                result.get(timeout=60, propagate=True)
            for _ in range(100):
                if gpu_stats.called:
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert gpu_stats.call_count == 1 and fit.call_count == 1
