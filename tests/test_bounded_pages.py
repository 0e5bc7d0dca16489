"""Issue 13 item 4: detail pages stay small as the data grows. No table shows more than PAGE_SIZE rows
without a "next" link; previous/next keep every other option of the address (filters, sort, blend); the
CSV download keeps every row; the query count is the same at both data sizes."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse

from computeprices.tables import PAGE_SIZE, TablePage
from providers.models import PricingType
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
# The site shows PAGE_SIZE (100) rows a page; these tests run the same code at 10 a page so that the larger
# of the two data sizes (one page, then two pages) stays quick to build.
SITE_PAGE_SIZE, PAGE_SIZE = PAGE_SIZE, 10
SMALL, LARGE = 6, PAGE_SIZE + 7


@pytest.fixture(autouse=True)
def _small_pages(settings):
    settings.TABLE_PAGE_SIZE = PAGE_SIZE


def test_the_site_pages_at_a_hundred_rows(settings):
    del settings.TABLE_PAGE_SIZE
    assert SITE_PAGE_SIZE == 100
    assert len(TablePage(range(250), query("")).rows) == 100


def csv_row_count(response):
    return len(list(csv.reader(io.StringIO(response.content.decode())))) - 1


def query(text):
    return QueryDict(text)


# --- the one paginator ---------------------------------------------------------------------------


def test_a_page_holds_at_most_page_size_rows_and_links_keep_the_other_options():
    rows = list(range(2 * PAGE_SIZE + PAGE_SIZE // 2))
    first = TablePage(rows, query("sort=-price&provider=acme"))
    assert first.rows == rows[:PAGE_SIZE] and (first.number, first.pages, first.total) == (1, 3, len(rows))
    assert first.previous_url is None
    assert first.next_url == "?sort=-price&provider=acme&page=2"
    last = TablePage(rows, query("sort=-price&provider=acme&page=3"))
    assert last.rows == rows[2 * PAGE_SIZE :] and (last.first, last.last) == (2 * PAGE_SIZE + 1, len(rows))
    assert last.next_url is None
    assert last.previous_url == "?sort=-price&provider=acme&page=2"
    assert TablePage(rows, query("page=2")).previous_url == "?"  # page 1 has no page parameter
    assert not TablePage(rows[:PAGE_SIZE], query("")).is_paginated


@pytest.mark.parametrize(("raw", "shown"), [("x", 1), ("0", 1), ("-2", 1), ("99", 3), ("1e9", 1)])
def test_a_page_that_does_not_exist_is_ignored_and_told(raw, shown):
    page = TablePage(list(range(25)), query(f"page={raw}"))
    assert page.number == shown
    assert page.notices == [f"Ignored page “{raw}”: expected a whole number from 1 to 3."]


# --- /providers/ ---------------------------------------------------------------------------------


def providers(n):
    for i in range(n):
        provider = ProviderFactory(name=f"Cloud {i:04d}", slug=f"cloud-{i:04d}")
        GpuPriceObservationFactory(offering__provider=provider, usd_per_gpu_hour=Decimal("2") + Decimal(i) / 100)


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_provider_list_is_bounded_and_its_pages_keep_the_filters(client, size, django_assert_max_num_queries):
    providers(size)
    url = reverse("providers:provider_list")
    with django_assert_max_num_queries(5):  # the same budget as the unbounded page had, at both sizes
        page1 = client.get(url, {"offers": "gpu", "sort": "-gpus"})
    rows = page1.context["rows"]
    assert len(rows) == min(size, PAGE_SIZE)
    html = page1.content.decode()
    if size > PAGE_SIZE:
        assert page1.context["page"].next_url == "?offers=gpu&sort=-gpus&page=2#providers"
        assert 'rel="next" href="?offers=gpu&amp;sort=-gpus&amp;page=2#providers"' in html
        with django_assert_max_num_queries(5):
            page2 = client.get(url, {"offers": "gpu", "sort": "-gpus", "page": "2"})
        assert len(page2.context["rows"]) == size - PAGE_SIZE
        assert page2.context["filters"].applied == {"offers": "gpu", "sort": "-gpus"}
        assert 'rel="prev"' in page2.content.decode()
        shown = {r.provider.slug for r in rows} | {r.provider.slug for r in page2.context["rows"]}
        assert len(shown) == size  # every provider on exactly one page
        assert '<select name="a"' not in html and 'list="provider-names"' in html  # no 2 x N-option selects
    else:
        assert 'rel="next"' not in html and '<select name="a"' in html
    # The CSV keeps every row, whatever page the reader is on.
    assert csv_row_count(client.get(url, {"offers": "gpu", "format": "csv", "page": "2"})) == size


def test_compare_form_takes_a_typed_name_when_the_list_is_long(client):
    providers(3)
    pick = reverse("providers:compare_pick")
    response = client.get(pick, {"a": "cloud 0001", "b": "Cloud 0002"})
    assert response.status_code == 302 and response["Location"].endswith("/cloud-0001-vs-cloud-0002/")
    assert client.get(pick, {"a": "cloud-0001", "b": "Cloud 0001"})["Location"].endswith("?compare=invalid#compare")
    assert client.get(pick, {"a": "nobody", "b": "cloud-0001"})["Location"].endswith("?compare=invalid#compare")


# --- /gpus/<slug>/ -------------------------------------------------------------------------------


def gpu_offerings(n):
    gpu = GpuFactory(slug="h100-sxm", name="H100 SXM")
    for i in range(n):
        GpuPriceObservationFactory(
            offering=GpuOfferingFactory(gpu=gpu, provider__name=f"Host {i:04d}", provider__slug=f"host-{i:04d}"),
            usd_per_gpu_hour=Decimal("1") + Decimal(i) / 100,
        )
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=gpu, pricing_type=PricingType.SPOT))
    return gpu


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_gpu_offerings_are_bounded_and_pages_keep_filters_and_sort(client, size, django_assert_max_num_queries):
    gpu = gpu_offerings(size)
    asked = {"pricing_type": "on_demand", "sort": "-price"}
    with django_assert_max_num_queries(5):  # tests/test_gpu_pages.py GPU_DETAIL_QUERIES, at both sizes
        page1 = client.get(gpu.get_absolute_url(), asked)
    groups = page1.context["groups"]
    assert len(groups) == min(size, PAGE_SIZE)
    assert groups[0].latest_usd_per_gpu_hour == Decimal("1") + Decimal(size - 1) / 100  # sorted dearest first
    assert all(o.pricing_type == PricingType.ON_DEMAND for o in groups)  # the filter holds
    html = page1.content.decode()
    if size > PAGE_SIZE:
        next_url = page1.context["page"].next_url
        assert next_url == "?pricing_type=on_demand&sort=-price&page=2#offerings"
        assert 'rel="next"' in html and 'list="offering-providers"' in html  # no N-option provider select
        with django_assert_max_num_queries(5):
            page2 = client.get(gpu.get_absolute_url() + next_url.split("#")[0])
        rest = page2.context["groups"]
        assert len(rest) == size - PAGE_SIZE and rest[-1].latest_usd_per_gpu_hour == Decimal("1")
        assert page2.context["selected"]["pricing_type"] == "on_demand"
        assert 'rel="prev"' in page2.content.decode()
    else:
        assert 'rel="next"' not in html and '<select name="provider">' in html
    csv_url = page1.context["csv_url"]
    assert "page" not in csv_url
    response = client.get(gpu.get_absolute_url() + csv_url + "&page=2")
    assert csv_row_count(response) == size  # every on-demand row


# --- /models/<slug>/ -----------------------------------------------------------------------------


def model_offerings(n):
    model = LanguageModelFactory(slug="gpt-oss-120b", name="gpt-oss-120b")
    for i in range(n):
        InferencePriceObservationFactory(
            offering=InferenceOfferingFactory(
                model=model, provider__name=f"API {i:04d}", provider__slug=f"api-{i:04d}"
            ),
            usd_per_mtok_input=Decimal("0.10") + Decimal(i) / 1000,
            usd_per_mtok_output=Decimal("0.50") + Decimal(i) / 1000,
        )
    return model


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_model_offerings_are_bounded_and_pages_keep_the_blend(client, size, django_assert_max_num_queries):
    model = model_offerings(size)
    url = reverse("inference:model_detail", args=[model.slug])
    with django_assert_max_num_queries(9):  # tests/test_model_pages.py's budget, at both sizes
        page1 = client.get(url, {"blend": "10:1"})
    assert len(page1.context["rows"]) == min(size, PAGE_SIZE)
    assert len(page1.context["speed_rows"]) <= PAGE_SIZE
    assert page1.context["row_count"] == size
    html = page1.content.decode()
    if size > PAGE_SIZE:
        assert page1.context["page"].next_url == "?blend=10%3A1&page=2#offerings"
        with django_assert_max_num_queries(9):
            page2 = client.get(url, {"blend": "10:1", "page": "2"})
        assert len(page2.context["rows"]) == size - PAGE_SIZE
        assert str(page2.context["blend"]) == "10:1"
        providers_seen = {r.offering.provider.slug for r in page1.context["rows"] + page2.context["rows"]}
        assert len(providers_seen) == size
        blend_links = re.findall(r'href="(\?[^"]*blend=[^"]*)" rel="nofollow">\d', page2.content.decode())
        assert blend_links and not any("page=" in link for link in blend_links)  # a new blend: page 1
        # The cheapest blended stays the whole market's, whichever page is shown.
        assert page2.context["summary"].cheapest == page1.context["summary"].cheapest
    else:
        assert 'rel="next"' not in html
    assert "page=" not in html.split("download this table as CSV")[0].rsplit("href=", 1)[1]
    assert csv_row_count(client.get(url, {"blend": "10:1", "format": "csv", "page": "2"})) == size


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_model_list_is_bounded_and_its_pages_keep_filters_sort_and_blend(client, size, django_assert_max_num_queries):
    for n in range(size):
        offering = InferenceOfferingFactory(model=LanguageModelFactory(slug=f"m{n:02}", name=f"M{n:02}"))
        InferencePriceObservationFactory(offering=offering, usd_per_mtok_input=Decimal(n + 1))
    url = reverse("inference:model_list")
    options = {"blend": "10:1", "sort": "-cheapest"}
    with django_assert_max_num_queries(6):  # the same budget at both sizes (+2 for the footer)
        page1 = client.get(url, options)
    assert len(page1.context["summaries"]) == min(size, PAGE_SIZE) and page1.context["model_count"] == size
    assert page1.context["summaries"][0].model.slug == f"m{size - 1:02}"  # sorted over every model, then paged
    html = page1.content.decode()
    if size > PAGE_SIZE:
        assert page1.context["page"].next_url == "?blend=10%3A1&sort=-cheapest&page=2#models"
        page2 = client.get(url, {**options, "page": "2"})
        assert [s.model.slug for s in page2.context["summaries"]] == [
            f"m{n:02}" for n in range(size - PAGE_SIZE - 1, -1, -1)
        ]
        sort_links = re.findall(r'href="(\?[^"]*sort=[^"]*)" rel="nofollow">', page2.content.decode())
        assert sort_links and not any("page=" in link for link in sort_links)  # a new sort: page 1
    else:
        assert 'rel="next"' not in html
    assert csv_row_count(client.get(url, {**options, "format": "csv", "page": "2"})) == size


def test_model_page_past_the_end_shows_the_last_page_and_says_so(client):
    model = model_offerings(LARGE)
    response = client.get(reverse("inference:model_detail", args=[model.slug]), {"page": "7"})
    assert response.status_code == 200 and len(response.context["rows"]) == LARGE - PAGE_SIZE
    assert "Ignored page “7”" in response.content.decode()


# --- /providers/<slug>/ ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_provider_tables_are_bounded_each_with_its_own_pages(client, size, django_assert_max_num_queries):
    provider = ProviderFactory(name="Big Cloud", slug="big-cloud")
    for i in range(size):
        GpuPriceObservationFactory(
            offering=GpuOfferingFactory(provider=provider, gpu=GpuFactory(slug=f"g-{i:03d}", name=f"G {i:03d}")),
            usd_per_gpu_hour=Decimal("1") + Decimal(i) / 100,
        )
        InferencePriceObservationFactory(offering=InferenceOfferingFactory(provider=provider))
    with django_assert_max_num_queries(10):  # tests/test_provider_pages.py PROVIDER_DETAIL_QUERIES, both sizes
        response = client.get(provider.get_absolute_url(), {"pricing_type": "on_demand"})
    context = response.context
    assert len(context["offerings"]) == min(size, PAGE_SIZE)
    assert len(context["token_page"].rows) == min(size, PAGE_SIZE)
    html = response.content.decode()
    assert html.count("data-inference-offering=") == min(size, PAGE_SIZE)
    if size > PAGE_SIZE:
        assert context["gpu_page"].next_url == "?pricing_type=on_demand&page=2#gpus"
        assert context["token_page"].next_url == "?pricing_type=on_demand&inference_page=2#inference"
        page2 = client.get(provider.get_absolute_url(), {"pricing_type": "on_demand", "inference_page": "2"}).context
        assert len(page2["token_page"].rows) == size - PAGE_SIZE and len(page2["offerings"]) == PAGE_SIZE
    csv_gpus = client.get(provider.get_absolute_url(), {"format": "csv", "page": "2"})
    csv_tokens = client.get(provider.get_absolute_url(), {"format": "csv", "table": "inference", "inference_page": "2"})
    assert csv_row_count(csv_gpus) == size and csv_row_count(csv_tokens) == size
