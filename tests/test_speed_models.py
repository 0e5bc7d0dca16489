"""Endpoint speed measurements: the database refuses bad rows; the latest published one per offering."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from inference.models import EndpointMeasurement, InferenceOffering, MeasurementStatus
from tests.factories import InferenceOfferingFactory
from tests.speed_factories import EndpointMeasurementFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 8, 8)


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_same_offering_day_and_source_is_refused_but_another_source_is_kept():
    m = EndpointMeasurementFactory(measured_on=DAY)
    refused(lambda: EndpointMeasurementFactory(offering=m.offering, measured_on=DAY, source=m.source))
    EndpointMeasurementFactory(offering=m.offering, measured_on=DAY, source="openrouter:stats")
    assert EndpointMeasurement.objects.count() == 2


@pytest.mark.parametrize(
    "field", ["tokens_per_second_p50", "tokens_per_second_p90", "tokens_per_second_p99", "ttft_ms_p50", "ttft_ms_p99"]
)
@pytest.mark.parametrize("value", [Decimal("0"), Decimal("-5")])
def test_zero_or_negative_speed_and_ttft_are_refused(field, value):
    refused(lambda: EndpointMeasurementFactory(**{field: value}))


@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01")])
def test_uptime_outside_0_to_100_is_refused(value):
    refused(lambda: EndpointMeasurementFactory(uptime_percent=value))


def test_window_of_zero_minutes_is_refused():
    refused(lambda: EndpointMeasurementFactory(window_minutes=0))


def test_a_row_without_any_figure_is_refused():
    refused(lambda: EndpointMeasurementFactory(tokens_per_second_p50=None, ttft_ms_p50=None, uptime_percent=None))
    # One figure alone is enough.
    EndpointMeasurementFactory(tokens_per_second_p50=None, ttft_ms_p50=None, uptime_percent=Decimal("99"))


def test_a_held_row_needs_its_reason():
    refused(lambda: EndpointMeasurementFactory(status=MeasurementStatus.PENDING, review_reason=""))
    EndpointMeasurementFactory(status=MeasurementStatus.PENDING, review_reason="moved more than 5x")


def test_latest_by_offering_skips_held_rows_in_one_query(django_assert_num_queries):
    a, b, never = InferenceOfferingFactory(), InferenceOfferingFactory(), InferenceOfferingFactory()
    EndpointMeasurementFactory(offering=a, measured_on=DAY - timedelta(days=1), tokens_per_second_p50=Decimal("40"))
    newest_a = EndpointMeasurementFactory(offering=a, measured_on=DAY, tokens_per_second_p50=Decimal("45"))
    old_b = EndpointMeasurementFactory(offering=b, measured_on=DAY - timedelta(days=2))
    EndpointMeasurementFactory(
        offering=b, measured_on=DAY, tokens_per_second_p50=Decimal("900"), status="pending", review_reason="5x"
    )
    with django_assert_num_queries(1):
        latest = EndpointMeasurement.objects.latest_by_offering([a.pk, b.pk, never.pk])
    assert latest == {a.pk: newest_a, b.pk: old_b}


def test_with_latest_measurement_annotates_without_extra_queries(django_assert_num_queries):
    a, never = InferenceOfferingFactory(), InferenceOfferingFactory()
    EndpointMeasurementFactory(offering=a, measured_on=DAY, tokens_per_second_p50=Decimal("61.5"), ttft_ms_p50=234)
    with django_assert_num_queries(1):
        rows = {o.pk: o for o in InferenceOffering.objects.with_latest_measurement()}
    assert rows[a.pk].latest_tps_p50 == Decimal("61.5")
    assert rows[a.pk].latest_ttft_ms_p50 == Decimal("234")
    assert rows[a.pk].latest_measured_on == DAY
    assert rows[a.pk].latest_measurement_source == "openrouter:endpoints"
    assert rows[never.pk].latest_tps_p50 is None and rows[never.pk].latest_measured_on is None


def test_measurement_freshness_follows_the_price_rule():
    m = EndpointMeasurementFactory(measured_on=DAY)
    assert m.freshness(DAY + timedelta(days=3)) == "current"
    assert m.freshness(DAY + timedelta(days=4)) == "stale"
    assert m.freshness(DAY + timedelta(days=15)) == "delisted"


def test_admin_approves_and_rejects_held_measurements(admin_client):
    from django.urls import reverse

    held = EndpointMeasurementFactory(status=MeasurementStatus.PENDING, review_reason="moved more than 5x")
    other = EndpointMeasurementFactory(status=MeasurementStatus.PENDING, review_reason="moved more than 5x")
    url = reverse("admin:inference_endpointmeasurement_changelist")
    assert admin_client.get(url, {"status": "pending"}).status_code == 200
    admin_client.post(url, {"action": "approve_selected", "_selected_action": [held.pk]})
    admin_client.post(url, {"action": "reject_selected", "_selected_action": [other.pk]})
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.status == MeasurementStatus.PUBLISHED and other.status == MeasurementStatus.REJECTED
    assert EndpointMeasurement.objects.latest_by_offering([held.offering_id, other.offering_id]) == {
        held.offering_id: held
    }
    change = reverse("admin:inference_endpointmeasurement_change", args=[held.pk])
    assert admin_client.get(change).status_code == 200
