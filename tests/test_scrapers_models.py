"""The scrapers' tables refuse bad rows themselves: named constraints, each with a test."""

from datetime import date

import pytest
from django.db import IntegrityError

from scrapers.models import PendingPrice, ProviderAlias, ScrapeRun, UnmatchedName
from tests.factories import GpuOfferingFactory, InferenceOfferingFactory, ProviderFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 23)


def unique_violation(constraint, sqlite_columns):
    """PostgreSQL names the constraint; SQLite names the columns."""
    return f"{constraint}|UNIQUE constraint failed: {sqlite_columns}"


def test_pending_price_needs_exactly_one_offering():
    with pytest.raises(IntegrityError, match="pending_price_one_offering"):
        PendingPrice.objects.create(source="s", observed_on=DAY, reason="x")


def test_pending_price_cannot_name_both_kinds_of_offering():
    with pytest.raises(IntegrityError, match="pending_price_one_offering"):
        PendingPrice.objects.create(
            source="s",
            observed_on=DAY,
            reason="x",
            gpu_offering=GpuOfferingFactory(),
            inference_offering=InferenceOfferingFactory(),
        )


def test_one_queued_price_per_offering_day_and_source():
    offering = GpuOfferingFactory()
    PendingPrice.objects.create(source="s", observed_on=DAY, reason="x", gpu_offering=offering)
    with pytest.raises(
        IntegrityError, match=unique_violation("pending_price_unique_gpu", "scrapers_pendingprice.gpu_offering_id")
    ):
        PendingPrice.objects.create(source="s", observed_on=DAY, reason="y", gpu_offering=offering)


def test_one_queued_token_price_per_offering_day_and_source():
    offering = InferenceOfferingFactory()
    PendingPrice.objects.create(source="s", observed_on=DAY, reason="x", inference_offering=offering)
    with pytest.raises(
        IntegrityError,
        match=unique_violation("pending_price_unique_inference", "scrapers_pendingprice.inference_offering_id"),
    ):
        PendingPrice.objects.create(source="s", observed_on=DAY, reason="y", inference_offering=offering)


def test_unmatched_name_is_unique_per_source_and_kind():
    UnmatchedName.objects.create(source="s", kind="gpu", raw_name="B999")
    UnmatchedName.objects.create(source="t", kind="gpu", raw_name="B999")
    with pytest.raises(
        IntegrityError, match=unique_violation("unmatched_name_unique", "scrapers_unmatchedname.source")
    ):
        UnmatchedName.objects.create(source="s", kind="gpu", raw_name="B999")


def test_provider_alias_is_stored_normalized_and_unique():
    provider = ProviderFactory()
    ProviderAlias.objects.create(provider=provider, alias="Together_AI")
    assert ProviderAlias.objects.get().alias == "together ai"
    with pytest.raises(IntegrityError):
        ProviderAlias.objects.create(provider=provider, alias="together-ai")


def test_last_successful_run_per_source_skips_failures_in_one_query(django_assert_num_queries):
    ok = ScrapeRun.objects.create(source="a", observed_on=DAY, status=ScrapeRun.Status.OK)
    ScrapeRun.objects.create(source="a", observed_on=DAY, status=ScrapeRun.Status.FAILED)
    partial = ScrapeRun.objects.create(source="b", observed_on=DAY, status=ScrapeRun.Status.PARTIAL)
    with django_assert_num_queries(1):
        assert ScrapeRun.objects.last_successful_per_source() == {"a": ok, "b": partial}
