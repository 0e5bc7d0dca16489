"""The indexes EXPLAIN asked for at 100x serve the queries they are commented with (PostgreSQL plans)."""

import pytest
from django.db import connection

from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation
from tests.factories import GpuPriceObservationFactory, InferencePriceObservationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of test rows would be seq-scanned anyway: ask which index the planner can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("offerings", "factory", "index"),
    [
        (GpuOffering.objects, GpuPriceObservationFactory, "gpu_obs_latest_full_idx"),
        (InferenceOffering.objects, InferencePriceObservationFactory, "inf_obs_latest_full_idx"),
    ],
)
def test_latest_price_subqueries_read_the_index_without_sorting(offerings, factory, index):
    for _ in range(3):
        factory()
    text = plan(offerings.with_latest_price())
    assert index in text
    assert "Sort" not in text.split("SubPlan", 1)[1]  # no per-offering sort of its history


@pytest.mark.parametrize(
    ("observations", "index"),
    [
        (GpuPriceObservation.objects, "gpu_observation_day_idx"),
        (InferencePriceObservation.objects, "inf_observation_day_idx"),
    ],
)
def test_newest_price_day_reads_the_day_index(observations, index):
    assert index in plan(observations.order_by("-observed_on").values("observed_on")[:1])
