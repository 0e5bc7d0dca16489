"""The indexes EXPLAIN asked for at 100x serve the queries they are commented with (PostgreSQL plans)."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery

from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import PUBLISH_ORDER, GpuOffering, GpuPriceObservation
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
    """The ingest's validation references (each offering's newest price on or before the run's day) still
    pick by PUBLISH_ORDER per offering; pages no longer do (the price is stored on the offering)."""
    for _ in range(3):
        factory()
    observations = offerings.model._meta.get_field("observations").related_model
    newest = observations.objects.filter(offering=OuterRef("pk"), observed_on__lte=today_utc()).order_by(*PUBLISH_ORDER)
    text = plan(offerings.annotate(p=Subquery(newest.values("pk")[:1])))
    assert index in text
    assert "Sort" not in text.split("SubPlan", 1)[1]  # no per-offering sort of its history
    page = plan(offerings.with_latest_price())
    assert "SubPlan" not in page and "observation" not in page  # pages read the offering row only


@pytest.mark.parametrize(
    ("observations", "index"),
    [
        (GpuPriceObservation.objects, "gpu_observation_day_idx"),
        (InferencePriceObservation.objects, "inf_observation_day_idx"),
    ],
)
def test_newest_price_day_reads_the_day_index(observations, index):
    assert index in plan(observations.order_by("-observed_on").values("observed_on")[:1])
