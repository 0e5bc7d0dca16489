"""Shared fixtures and the rules for which services a test needs.

`make test` exports DATABASE_URL/REDIS_URL when it finds or starts PostgreSQL and Redis. A test that
needs Redis is marked `redis`; it is skipped (and listed) without one, except under CI=true, where a
missing service fails the run instead of skipping.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
# .ci/run's second pass: the embedded default (SQLite, no Redis) on purpose, so CI lets those skip.
SQLITE_PASS = os.environ.get("TEST_ON_SQLITE", "") == "1"


def pytest_collection_modifyitems(config, items):
    missing = []
    if not settings.REDIS_URL:
        missing.append(("redis", "REDIS_URL is not set (no Redis server found)"))
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append(("postgres", "DATABASE_URL is not PostgreSQL"))
    for marker, why in missing:
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=why))  # never reached under CI: see sessionstart
    if not config.getoption("-m") or "live" not in config.getoption("-m"):
        for item in items:
            if "live" in item.keywords:
                item.add_marker(pytest.mark.skip(reason="live suite is opt-in: pytest -m live"))


def pytest_sessionstart(session):
    if SQLITE_PASS and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.exit("TEST_ON_SQLITE=1 but DATABASE_URL is not SQLite", returncode=3)
    if IN_CI and not SQLITE_PASS:
        problems = []
        if not settings.REDIS_URL:
            problems.append("REDIS_URL is not set")
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            problems.append("DATABASE_URL is not PostgreSQL")
        if problems:
            pytest.exit("CI=true needs real services: " + "; ".join(problems), returncode=3)


def require_shared_data(path=SHARED_DATA, in_ci=IN_CI):
    """The folder of recorded payloads; skip without it, except under CI=true, where its absence fails."""
    if not path.is_dir():
        if in_ci:  # CI must replay the real payloads: ~80 tests would otherwise skip unnoticed
            pytest.fail(f"CI=true but {path} is absent (the recorded payloads)")
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture
def shared_data():
    """The recorded public payloads beside the repo; tests that need them skip cleanly without them."""
    return require_shared_data()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(live_server):
    """A headless Chromium page (Debian's chromium via Playwright) plus the console errors it logs.

    Yields (page, console_errors, live_server_url). Skips without Chromium, except under CI=true,
    where .ci/run installs it and its absence is a failure.
    """
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run should install Debian's chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous, so let Django allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        console_errors = []
        page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: console_errors.append(str(exc)))
        try:
            yield page, console_errors, live_server.url
        finally:
            # ORM calls made while Playwright's loop runs get their own context-local connection;
            # close it here, in that context, or it outlives the test and blocks dropping the test DB.
            connections.close_all()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
