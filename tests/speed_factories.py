"""factory_boy factory for speed measurements (kept apart from tests/factories.py to keep merges small)."""

from decimal import Decimal

import factory

from computeprices.freshness import today_utc
from inference.models import EndpointMeasurement
from tests.factories import InferenceOfferingFactory


class EndpointMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EndpointMeasurement

    offering = factory.SubFactory(InferenceOfferingFactory)
    measured_on = factory.LazyFunction(today_utc)
    source = "openrouter:endpoints"
    tokens_per_second_p50 = Decimal("50")
    ttft_ms_p50 = Decimal("400")
    uptime_percent = Decimal("99.5")
    request_count = 1000
    window_minutes = 30
