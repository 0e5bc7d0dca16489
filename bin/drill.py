"""The production drill: gunicorn (DEBUG off) on PostgreSQL and Redis, a real Celery worker and beat.

Steps, each printed with its figures; any failure exits non-zero (after stopping everything):

 1. a fresh database of its own (DRILL_DATABASE), its own redis-server on a free loopback port (append-only
    file, so a restart keeps the queue), migrate, load_curated, collectstatic;
 2. gunicorn, a Celery worker and Celery beat (the database scheduler, with the nightly entry);
 3. the nightly job through the worker on the recorded payloads (../shared/data) for day 1: every source
    finishes, prices are published;
 4. every page and the API answer 200 from gunicorn;
 5. load: 50 concurrent loopback clients for 30 s: 0 errors, no 5xx (requests, rate, p50/p95/max printed);
 6. day 2: the worker is killed (SIGKILL) mid-task and started again: the task comes back (late acks) and
    every source ends with exactly day 1's prices; no duplicate, none lost, no half-written run;
 7. day 3: Redis is killed mid-run: pages still answer 200 and /healthz says degraded; Redis restarts
    from its append-only file and the run completes with the same prices;
 8. everything started is stopped (in `finally`), the drill database dropped.

Run: bin/drill   (CI: .ci/run). Loopback only; no network.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project's packages, for the checks this process makes through the ORM
SHARED_DATA = Path(os.environ.get("DRILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() == "true"
VENV_BIN = ROOT / ".venv" / "bin"
PG_BASE = os.environ.get("DRILL_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = os.environ.get("DRILL_DATABASE", "computeprices_drill")
LOAD_CLIENTS = int(os.environ.get("DRILL_LOAD_CLIENTS", "50"))
LOAD_SECONDS = float(os.environ.get("DRILL_LOAD_SECONDS", "30"))
RUN_TIMEOUT = float(os.environ.get("DRILL_RUN_TIMEOUT", "600"))
VISIBILITY_TIMEOUT = 30  # seconds before Redis hands a dead worker's task out again
DAY1 = date(2026, 3, 1)


def say(message):
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


class DrillFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise DrillFailed(message)
    say(f"ok: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise DrillFailed(f"nothing answered on 127.0.0.1:{port} after {seconds}s")


class Processes:
    """What the drill started, by name; each in its own process group so a stop reaches its children."""

    def __init__(self, logs: Path, env):
        self.logs, self.env, self.running = logs, env, {}

    def start(self, name, argv):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = (proc, log)
        say(f"started {name} (pid {proc.pid})")
        return proc

    def kill(self, name, sig=signal.SIGKILL):
        proc, log = self.running.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()

    def stop_all(self):
        for name in list(self.running)[::-1]:
            self.kill(name, signal.SIGTERM)
            say(f"stopped {name}")

    def alive(self, name):
        return name in self.running and self.running[name][0].poll() is None


def recreate_database(drop_only=False):
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def manage(env, *args):
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise DrillFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


# --- the nightly job through the worker --------------------------------------------------------------


def recorded_sources():
    from scrapers.sources import RECORDED_PAYLOADS

    return {name: str(SHARED_DATA / path) for name, path in sorted(RECORDED_PAYLOADS.items())}


def enqueue_nightly(day):
    """The nightly chord (every source, then the statistics once) on the recorded payloads, via the broker."""
    from celery import chord

    from scrapers.tasks import refresh_statistics, scrape_source

    return chord(
        [scrape_source.si(name, day.isoformat(), path) for name, path in recorded_sources().items()],
        refresh_statistics.s(),
    ).apply_async()


def finished_runs(day):
    from scrapers.models import ScrapeRun

    runs = ScrapeRun.objects.filter(observed_on=day, dry_run=False, finished__isnull=False)
    return {run.source: run for run in runs.order_by("pk")}  # the newest finished run per source wins


def wait_for_day(day, sources, timeout=RUN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = finished_runs(day)
        if set(sources) <= set(done):
            return done
        time.sleep(1)
    missing = sorted(set(sources) - set(finished_runs(day)))
    raise DrillFailed(f"day {day}: no finished run after {timeout:.0f}s for {missing}")


def wait_for_a_running_task(day, timeout=120):
    from scrapers.models import ScrapeRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ScrapeRun.objects.filter(observed_on=day, status=ScrapeRun.Status.RUNNING).exists():
            return
        time.sleep(0.05)
    raise DrillFailed(f"day {day}: no task started within {timeout}s")


def prices_by_source(day):
    """{source: {(kind, offering id): price tuple}} of what was published for `day` (speeds for speed sources)."""
    from inference.models import EndpointMeasurement, InferencePriceObservation
    from providers.models import GpuPriceObservation

    out = {}
    for offering, source, price in GpuPriceObservation.objects.filter(observed_on=day).values_list(
        "offering_id", "source", "usd_per_gpu_hour"
    ):
        out.setdefault(source, {})[("gpu", offering)] = (price,)
    for offering, source, i, o in InferencePriceObservation.objects.filter(observed_on=day).values_list(
        "offering_id", "source", "usd_per_mtok_input", "usd_per_mtok_output"
    ):
        out.setdefault(source, {})[("token", offering)] = (i, o)
    # The speed sources publish endpoint measurements, not prices (scrapers.speed_ingest).
    for offering, source, tps, ttft in (
        EndpointMeasurement.objects.published()
        .filter(measured_on=day)
        .values_list("offering_id", "source", "tokens_per_second_p50", "ttft_ms_p50")
    ):
        out.setdefault(source, {})[("speed", offering)] = (tps, ttft)
    return out


def duplicates(day):
    from django.db.models import Count

    from inference.models import InferencePriceObservation
    from providers.models import GpuPriceObservation

    n = 0
    for model in (GpuPriceObservation, InferencePriceObservation):
        n += (
            model.objects.filter(observed_on=day)
            .values("offering_id", "source")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
    return n


def settle(day, timeout=90):
    """Wait until every source's prices for `day` equal its newest finished run's count (a task redelivered
    after a broker or worker death may still be running when the first finished run appears), or time out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got, runs = prices_by_source(day), finished_runs(day)
        if all(len(got.get(s, {})) == r.rows_published for s, r in runs.items()):
            return
        time.sleep(2)


def consistent(day, label):
    """No price lost, doubled or half-written: every source's prices for `day` are exactly what its newest
    finished run says it published (a run killed before its commit wrote nothing; one killed after it
    is re-run and finds every row unchanged), and no (offering, day, source) appears twice."""
    got = prices_by_source(day)
    runs = finished_runs(day)
    check(duplicates(day) == 0, f"{label}: no price published twice (offering, day, source)")
    off = {
        s: (len(got.get(s, {})), r.rows_published) for s, r in runs.items() if len(got.get(s, {})) != r.rows_published
    }
    check(not off, f"{label}: every source's prices match its run, none lost or half-written {off or ''}")
    return sum(len(v) for v in got.values())


def rerun_changes_nothing(day, sources, label):
    """The whole nightly again for the same day (what a redelivered task does): nothing new, nothing changed."""
    from scrapers.models import ScrapeRun

    before = prices_by_source(day)
    newest = ScrapeRun.objects.order_by("-pk").values_list("pk", flat=True).first()
    enqueue_nightly(day)
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        reruns = ScrapeRun.objects.filter(pk__gt=newest, observed_on=day, finished__isnull=False)
        if reruns.count() >= len(sources):
            break
        time.sleep(1)
    reruns = list(ScrapeRun.objects.filter(pk__gt=newest, observed_on=day, finished__isnull=False))
    check(len(reruns) >= len(sources), f"{label}: every source ran again")
    after = prices_by_source(day)
    altered = sum(1 for src, rows in before.items() for k, v in rows.items() if after.get(src, {}).get(k) != v)
    changed = sum(r.rows_changed for r in reruns)
    check(altered == 0 and changed == 0, f"{label}: the rerun changed or removed no published price")
    check(duplicates(day) == 0, f"{label}: still no price published twice")
    added = sum(r.rows_new for r in reruns)
    if added:
        # Not a durability fault: a price held for review on first sight as "far from the market median"
        # can pass on a same-day rerun, once the day's other prices are in that market (ingest's rule).
        say(f"note: {label}: {added} price(s) held for review the first time were published by the rerun")


# --- pages and load ----------------------------------------------------------------------------------


def page_urls():
    from inference.models import LanguageModel
    from providers.models import Gpu, Provider
    from traces.models import TraceDataset

    gpu = Gpu.objects.order_by("slug").first()
    provider = Provider.objects.order_by("slug").first()
    model = LanguageModel.objects.order_by("slug").first()
    urls = [
        "/",
        "/about/",
        "/gpus/",
        f"/gpus/{gpu.slug}/",
        "/providers/",
        f"/providers/{provider.slug}/",
        "/models/",
        f"/models/{model.slug}/",
        "/analysis/",
        "/breakeven/",
        "/api/v1/breakeven?api_input_price=0.5&api_output_price=1.5&gpu_hourly_price=2.5&gpus_per_replica=1"
        "&prefill_tokens_per_second=20000&decode_tokens_per_second=3000&tokens_per_day=1e8&utilization=0.5",
        "/sources/",
        "/traces/",
        "/healthz",
        "/sitemap.xml",
        "/gpus/?format=csv",
        "/static/vendor/plotly-basic.min.js",
    ]
    urls += [d.get_absolute_url() for d in TraceDataset.objects.all()[:1]]
    return urls


def check_pages(base, urls, label):
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        bad = {url: client.get(url).status_code for url in urls}
    bad = {url: code for url, code in bad.items() if code != 200}
    check(not bad, f"{label}: {len(urls)} pages and the API answer 200 {bad or ''}")


def load(base, urls, clients=LOAD_CLIENTS, seconds=LOAD_SECONDS):
    """`clients` threads, each its own keep-alive connection, requesting the URLs round-robin for `seconds`."""
    import httpx

    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop(offset):
        mine_lat, mine_status, mine_err = [], {}, []
        with httpx.Client(base_url=base, timeout=30) as client:
            n = offset
            while time.monotonic() < stop_at:
                url = urls[n % len(urls)]
                n += 1
                started = time.perf_counter()
                try:
                    code = client.get(url).status_code
                except httpx.HTTPError as exc:
                    mine_err.append(f"{url}: {exc.__class__.__name__}")
                    continue
                mine_lat.append(time.perf_counter() - started)
                mine_status[code] = mine_status.get(code, 0) + 1
        with lock:
            latencies.extend(mine_lat)
            errors.extend(mine_err)
            for code, count in mine_status.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0  # noqa: E731
    say(
        f"load: {clients} clients x {seconds:.0f}s: {total} responses ({total / elapsed:.0f}/s), "
        f"statuses {dict(sorted(statuses.items()))}, errors {len(errors)}, "
        f"p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, max {latencies[-1] * 1000 if latencies else 0:.0f} ms"
    )
    five_xx = sum(n for code, n in statuses.items() if code >= 500)
    check(not errors, f"load: 0 connection errors {errors[:5] or ''}")
    check(five_xx == 0, "load: no 5xx")
    check(total > 0 and statuses.get(200, 0) == total, "load: every response a 200")
    return {"responses": total, "rate": total / elapsed, "p50_ms": p(0.5), "p95_ms": p(0.95)}


# --- the drill ---------------------------------------------------------------------------------------


def main():
    if not SHARED_DATA.is_dir():
        if IN_CI:
            say(f"FAIL: CI=true but {SHARED_DATA} (the recorded payloads) is absent")
            return 1
        say(f"skipped: {SHARED_DATA} is absent (the drill replays the recorded payloads)")
        return 0
    for tool in ("redis-server",):
        if not shutil.which(tool):
            say(f"{'FAIL' if IN_CI else 'skipped'}: {tool} is not installed")
            return 1 if IN_CI else 0

    tmp = Path(tempfile.mkdtemp(prefix="cp-drill-"))
    redis_port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_BASE}/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "DJANGO_SETTINGS_MODULE": "computeprices.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    os.environ.update(env)
    procs = Processes(tmp, env)
    redis_argv = [
        "redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp),
    ]  # fmt: skip
    worker_argv = [
        str(VENV_BIN / "celery"), "-A", "computeprices", "worker", "--concurrency", "2", "--loglevel", "info",
        "--without-gossip", "--without-mingle", "-n", f"drill-{web_port}@%h",
    ]  # fmt: skip
    started = time.monotonic()
    say(f"database {DB_NAME}, redis :{redis_port}, gunicorn :{web_port}, logs in {tmp}")
    try:
        recreate_database()
        procs.start("redis", redis_argv)
        wait_for_port(redis_port)
        manage(env, "migrate", "--noinput")
        manage(env, "load_curated")
        manage(env, "import_traces", "--example")
        manage(env, "collectstatic", "--noinput")
        say("migrated, curated data and example traces loaded, static files collected")

        import django

        django.setup()
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)  # the load would log every request
        from django.db import close_old_connections
        from django_celery_beat.models import PeriodicTask

        procs.start(
            "gunicorn",
            [str(VENV_BIN / "gunicorn"), "computeprices.wsgi", "--bind", f"127.0.0.1:{web_port}",
             "--workers", "3", "--threads", "8", "--timeout", "30", "--keep-alive", "75", "--access-logfile", "-"],
        )  # fmt: skip
        procs.start("worker", worker_argv)
        procs.start("beat", [str(VENV_BIN / "celery"), "-A", "computeprices", "beat", "--loglevel", "info",
                             "-s", str(tmp / "beat-schedule")])  # fmt: skip
        wait_for_port(web_port)
        check(
            PeriodicTask.objects.filter(task="scrapers.scrape_all", enabled=True).exists(), "beat has the nightly entry"
        )

        sources = list(recorded_sources())
        # Day 1: the nightly job through the worker on the recorded payloads.
        t0 = time.monotonic()
        enqueue_nightly(DAY1)
        runs = wait_for_day(DAY1, sources)
        failed = sorted(s for s, r in runs.items() if r.status == "failed")
        reference = prices_by_source(DAY1)
        published = sum(len(v) for v in reference.values())
        say(
            f"day 1: {len(runs)} sources in {time.monotonic() - t0:.0f}s; {published} prices published; "
            f"failed: {failed}"
        )
        check(not failed, "day 1: no source failed on its recorded payload")
        check(published > 0, "day 1: prices published")
        consistent(DAY1, "day 1")

        check_pages(base, page_urls(), "after the nightly run")
        urls = page_urls()
        figures = load(base, urls)

        # Day 2: kill the worker mid-task, start it again; the task comes back.
        day2 = DAY1 + timedelta(days=1)
        enqueue_nightly(day2)
        wait_for_a_running_task(day2)
        procs.kill("worker")
        say("killed the worker (SIGKILL) mid-task; starting it again")
        procs.start("worker", worker_argv)
        runs = wait_for_day(day2, sources)
        check(all(r.status != "failed" for r in runs.values()), "day 2: every source finished after the worker died")
        settle(day2)
        n = consistent(day2, "day 2 (worker killed)")
        say(f"day 2: {n} prices published (day 1: {published})")
        rerun_changes_nothing(day2, sources, "day 2 rerun")

        # Day 3: kill Redis mid-run; pages keep answering; Redis comes back from its append-only file.
        day3 = day2 + timedelta(days=1)
        enqueue_nightly(day3)
        wait_for_a_running_task(day3)
        procs.kill("redis")
        say("killed Redis (SIGKILL) mid-run")
        check_pages(base, [u for u in urls if u != "/healthz"], "Redis down")
        import httpx

        health = httpx.get(f"{base}/healthz", timeout=10).json()
        check(health["status"] == "degraded", f"Redis down: /healthz says {health['status']}")
        time.sleep(2)
        procs.start("redis", redis_argv)
        wait_for_port(redis_port)
        say("Redis restarted from its append-only file")
        close_old_connections()
        runs = wait_for_day(day3, sources)
        check(all(r.status != "failed" for r in runs.values()), "day 3: every source finished after Redis died")
        settle(day3)
        n = consistent(day3, "day 3 (Redis killed)")
        say(f"day 3: {n} prices published")
        check(procs.alive("beat") and procs.alive("gunicorn"), "beat and gunicorn survived the drill")
        say(
            f"PASSED in {time.monotonic() - started:.0f}s: {len(sources)} sources, {published} prices a day; "
            f"load {figures['responses']} responses at {figures['rate']:.0f}/s, p95 {figures['p95_ms']:.0f} ms"
        )
        return 0
    except DrillFailed as exc:
        say(f"FAILED: {exc}")
        for name in ("worker", "gunicorn", "beat", "redis"):
            log = tmp / f"{name}.log"
            if log.exists():
                print(
                    f"--- last lines of {name}.log ---\n"
                    + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                )
        return 1
    finally:
        procs.stop_all()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        recreate_database(drop_only=True)
        shutil.rmtree(tmp, ignore_errors=True)
        say("stopped everything the drill started; drill database dropped")


if __name__ == "__main__":
    sys.exit(main())
