"""Every admin changelist, add page and change page answers 200 for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    GpuAliasFactory,
    GpuPriceObservationFactory,
    InferencePriceObservationFactory,
    ModelAliasFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    GpuPriceObservationFactory()
    InferencePriceObservationFactory()
    GpuAliasFactory()
    ModelAliasFactory()


def registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_admin_pages_answer_200(admin_client, admin_user, rf, catalogue, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "h100"}).status_code == 200
    request = rf.get("/")
    request.user = admin_user
    # Some admins are read-only by design (e.g. scrape runs): their add page must refuse.
    can_add = admin.site._registry[model].has_add_permission(request)
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert admin_client.get(add).status_code == (200 if can_add else 403)
    obj = model._default_manager.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200


def test_admin_edits_a_curated_price(admin_client):
    observation = GpuPriceObservationFactory()
    offering = observation.offering
    url = reverse("admin:providers_gpupriceobservation_change", args=[observation.pk])
    response = admin_client.post(
        url,
        {
            "offering": offering.pk,
            "observed_on": observation.observed_on.isoformat(),
            "usd_per_gpu_hour": "1.2345",
            "usd_per_instance_hour": "1.2345",
            "source": "curated",
            "source_url": "https://example.com/fixed",
            "is_curated": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    observation.refresh_from_db()
    assert str(observation.usd_per_gpu_hour) == "1.2345"
