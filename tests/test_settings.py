"""Settings come from the environment and are loud when something required is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_without_secret_key_starts_for_local_development():
    result = run_manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-key-" + "k7#Qz9!vP2@xL5$" * 4,
        ALLOWED_HOSTS="example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_bad_boolean_is_an_error_not_a_guess():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_redis_url_switches_broker_and_cache():
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="computeprices.settings")
    without = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert without.stdout.split() == ["memory://", "django.core.cache.backends.locmem.LocMemCache", "True"]
    env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
    with_redis = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert with_redis.stdout.split() == [
        "redis://127.0.0.1:6379/9",
        "computeprices.cache.ForgivingRedisCache",
        "False",
    ]


@pytest.mark.parametrize("database_url", [None, ""], ids=["unset", "empty"])
def test_unset_or_empty_database_url_means_sqlite_in_the_project_folder(database_url):
    code = (
        "import django; from django.conf import settings; django.setup(); print(settings.DATABASES['default']['NAME'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="computeprices.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == str(ROOT / "db.sqlite3"), result.stderr


def test_missing_shared_data_fails_under_ci_and_skips_elsewhere(tmp_path):
    from _pytest.outcomes import Failed, Skipped

    from tests.conftest import require_shared_data

    absent = tmp_path / "no-shared-data"
    with pytest.raises(Failed, match="CI=true"):
        require_shared_data(absent, in_ci=True)
    with pytest.raises(Skipped):
        require_shared_data(absent, in_ci=False)
    assert require_shared_data(tmp_path, in_ci=True) == tmp_path
