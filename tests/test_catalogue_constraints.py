"""The database itself refuses bad catalogue rows (not only forms)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from providers.models import GpuAlias, GpuOffering, GpuPriceObservation
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_duplicate_gpu_observation_same_offering_day_source_is_refused():
    obs = GpuPriceObservationFactory(observed_on=date(2026, 1, 1), source="skypilot:aws", is_curated=False)
    refused(lambda: GpuPriceObservationFactory(offering=obs.offering, observed_on=obs.observed_on, source=obs.source))
    # Another source the same day is a separate fact and is accepted.
    GpuPriceObservationFactory(offering=obs.offering, observed_on=obs.observed_on, source="curated")
    assert GpuPriceObservation.objects.count() == 2


def test_duplicate_inference_observation_is_refused():
    obs = InferencePriceObservationFactory(observed_on=date(2026, 1, 1))
    refused(
        lambda: InferencePriceObservationFactory(offering=obs.offering, observed_on=obs.observed_on, source=obs.source)
    )


def test_negative_prices_are_refused():
    offering = GpuOfferingFactory()
    refused(lambda: GpuPriceObservationFactory(offering=offering, usd_per_gpu_hour=Decimal("-0.01")))
    inf = InferenceOfferingFactory()
    refused(lambda: InferencePriceObservationFactory(offering=inf, usd_per_mtok_output=Decimal("-1")))
    refused(lambda: InferencePriceObservationFactory(offering=inf, usd_per_mtok_cached_input=Decimal("-1")))
    refused(lambda: InferencePriceObservationFactory(offering=inf, batch_discount=Decimal("1.5")))


def test_slugs_and_aliases_are_unique():
    gpu = GpuFactory(slug="h100-sxm")
    refused(
        lambda: GpuFactory._meta.model.objects.create(
            name="Other", slug="h100-sxm", vram_gb=1, vendor="nvidia", form_factor="sxm"
        )
    )
    ProviderFactory(slug="lambda")
    refused(lambda: ProviderFactory._meta.model.objects.create(name="Lambda 2", slug="lambda", offers="gpu"))
    GpuAlias.objects.create(gpu=gpu, alias="NVIDIA H100 80GB HBM3")
    # Stored normalized, so a differently spelled duplicate is the same alias.
    refused(lambda: GpuAlias.objects.create(gpu=gpu, alias="nvidia  h100_80gb-hbm3"))


def test_duplicate_offering_key_is_refused():
    offering = GpuOfferingFactory()
    refused(
        lambda: GpuOffering.objects.create(
            provider=offering.provider,
            gpu=offering.gpu,
            gpus_per_instance=offering.gpus_per_instance,
            pricing_type=offering.pricing_type,
            region=offering.region,
            instance_name=offering.instance_name,
        )
    )


def test_active_parameters_cannot_exceed_total():
    refused(lambda: LanguageModelFactory(total_params_b=Decimal("8"), active_params_b=Decimal("70")))


def test_alias_resolution_is_normalized():
    gpu = GpuFactory(slug="h100-sxm")
    GpuAlias.objects.create(gpu=gpu, alias="H100-SXM5-80GB")
    assert GpuAlias.objects.resolve(["h100 sxm5 80gb", "Unknown GPU"]) == {"h100 sxm5 80gb": gpu.pk}


def test_observation_updates_offering_last_seen():
    offering = GpuOfferingFactory()
    GpuPriceObservationFactory(offering=offering, observed_on=date(2026, 3, 1))
    GpuPriceObservationFactory(offering=offering, observed_on=date(2026, 1, 1), source="older")
    offering.refresh_from_db()
    assert offering.last_seen_on == date(2026, 3, 1)


def test_latest_price_prefers_newest_then_curated():
    offering = GpuOfferingFactory()
    GpuPriceObservationFactory(
        offering=offering,
        observed_on=date(2026, 3, 1),
        usd_per_gpu_hour=Decimal("2.00"),
        source="skypilot:aws",
        is_curated=False,
    )
    GpuPriceObservationFactory(
        offering=offering,
        observed_on=date(2026, 3, 1),
        usd_per_gpu_hour=Decimal("2.20"),
        source="curated",
        is_curated=True,
    )
    GpuPriceObservationFactory(
        offering=offering,
        observed_on=date(2026, 2, 1),
        usd_per_gpu_hour=Decimal("1.00"),
        source="old",
        is_curated=False,
    )
    latest = GpuOffering.objects.with_latest_price().get(pk=offering.pk)
    assert latest.latest_usd_per_gpu_hour == Decimal("2.20")
    assert latest.latest_source == "curated"
