"""/healthz: 200 ok; 200 degraded when only Redis is down (no cache); 503 when the database is down."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_ok(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if settings.REDIS_URL else "not configured")


@pytest.mark.redis
def test_healthz_checks_the_real_redis(client, settings):
    assert client.get("/healthz").json()["redis"] == "ok"


def test_healthz_reports_unreachable_redis_as_degraded(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200  # the pages still answer, without the cache
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"].startswith("error")
    assert response.json()["database"] == "ok"


def test_healthz_reports_database_failure(client, monkeypatch):
    from computeprices import views

    class DownDatabase:
        def cursor(self):
            raise OperationalError("database is down")

    monkeypatch.setattr(views, "connection", DownDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
