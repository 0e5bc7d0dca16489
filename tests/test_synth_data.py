"""synth_data: a seeded synthetic catalogue N times the loaded one, clearly marked, removable, on any database."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from computeprices.freshness import today_utc
from computeprices.synthetic import SOURCE, synth_data
from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation, Provider
from tests.factories import (
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    for i in range(6):
        GpuPriceObservationFactory(offering=GpuOfferingFactory(gpus_per_instance=1 + i % 2))
        InferencePriceObservationFactory(offering=InferenceOfferingFactory())


def snapshot():
    gpu = sorted(
        GpuPriceObservation.objects.filter(source=SOURCE).values_list(
            "offering__provider__slug", "offering__gpu__slug", "observed_on", "usd_per_gpu_hour"
        )
    )
    token = sorted(
        InferencePriceObservation.objects.filter(source=SOURCE).values_list(
            "offering__provider__slug", "offering__model__slug", "observed_on", "usd_per_mtok_output"
        )
    )
    return gpu, token


def test_scale_multiplies_the_catalogue_and_marks_every_row(catalogue):
    real_providers = Provider.objects.count()
    counts = synth_data(20, seed=1)
    assert counts.providers == 19 * real_providers
    synthetic = Provider.objects.filter(slug__startswith="synthetic-")
    assert synthetic.count() == counts.providers
    assert all(p.name.startswith("Synthetic ") and "not a real provider" in p.description for p in synthetic)
    assert GpuOffering.objects.filter(provider__in=synthetic).count() == counts.gpu_offerings > 6
    assert InferenceOffering.objects.filter(provider__in=synthetic).count() == counts.token_offerings > 6
    # Every synthetic price is tagged, never curated, and every real price is untouched.
    assert GpuPriceObservation.objects.filter(offering__provider__in=synthetic).exclude(source=SOURCE).count() == 0
    assert GpuPriceObservation.objects.filter(source=SOURCE, is_curated=True).count() == 0
    assert GpuPriceObservation.objects.exclude(source=SOURCE).count() == 6
    assert GpuPriceObservation.objects.filter(source=SOURCE).count() == counts.gpu_prices >= 10 * counts.gpu_offerings
    assert InferencePriceObservation.objects.filter(source=SOURCE).count() == counts.token_prices
    # Daily prices over the last 365 days, and some offerings current, some not.
    today = today_utc()
    days = GpuPriceObservation.objects.filter(source=SOURCE).values_list("observed_on", flat=True)
    assert today - timedelta(days=364) <= min(days) and max(days) <= today
    offerings = GpuOffering.objects.filter(provider__in=synthetic)
    assert 0 < offerings.current().count() < offerings.count()
    # last_seen_on agrees with the observations.
    offering = offerings.first()
    assert offering.last_seen_on == offering.observations.order_by("-observed_on").first().observed_on


def test_same_seed_same_rows_and_rerun_replaces(catalogue):
    synth_data(4, seed=7)
    first = snapshot()
    synth_data(4, seed=7)
    assert snapshot() == first
    synth_data(4, seed=8)
    assert snapshot() != first


def test_scale_one_removes_every_synthetic_row(catalogue):
    synth_data(3)
    call_command("synth_data", "--scale", "1", "--stats-days", "0")
    assert not Provider.objects.filter(slug__startswith="synthetic-").exists()
    assert not GpuPriceObservation.objects.filter(source=SOURCE).exists()
    assert not InferencePriceObservation.objects.filter(source=SOURCE).exists()
    assert Provider.objects.count() == 12


def test_command_reports_counts(catalogue, capsys):
    call_command("synth_data", "--scale", "2", "--stats-days", "3")
    out = capsys.readouterr().out
    assert "Synthetic rows at scale 2" in out and "Daily GPU statistics rebuilt" in out
