"""The trace pages: route choice from the query string, catalogue list prices, query counts, escaping."""

import html
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from tests.charts import assert_valid_plotly
from tests.charts import page_figures as figures
from tests.factories import InferencePriceObservationFactory, LanguageModelFactory, ModelAliasFactory, ProviderFactory
from tests.test_traces_import import row, to_csv
from traces.importer import import_traces, load_example_dataset
from traces.models import TraceDataset
from traces.templatetags.trace_format import usd

pytestmark = pytest.mark.django_db


def chosen_routes(response):
    """The chosen route named in each workload section, in page order."""
    return re.findall(r'<strong class="chosen-route">([^<]+)</strong>', response.content.decode())


@pytest.fixture
def example():
    return load_example_dataset().dataset


def test_example_page_chooses_routes_at_two_p95_targets(client, example):
    tight = client.get(example.get_absolute_url(), {"p95": "10000"})
    assert tight.status_code == 200
    assert chosen_routes(tight) == ["dedicated endpoint", "managed API", "dedicated endpoint"]

    loose = client.get(example.get_absolute_url(), {"p95": "30000"})
    assert chosen_routes(loose) == ["self-hosted GPU", "managed API", "self-hosted GPU"]
    assert "claude-sonnet-4" in loose.content.decode().split("chosen-route")[2][:400]

    too_tight = client.get(example.get_absolute_url(), {"p95": "1000"})
    assert chosen_routes(too_tight) == ["No route", "No route", "No route"]


def test_page_draws_both_charts_per_workload_and_labels_the_example(client, example):
    response = client.get(example.get_absolute_url(), {"p95": "10000"})
    page = response.content.decode()
    charts = figures(response)
    assert len(charts) == 6
    cost = charts["cost-figure-1"]
    assert [bar["name"] for bar in cost["data"]] == ["any latency", "p95 ≤ 10,000 ms"]
    assert charts["p95-figure-1"]["layout"]["xaxis"]["type"] == "log"
    assert charts["p95-figure-1"]["layout"]["shapes"][0]["y0"] == 10000  # the reader's p95 target line
    assert_valid_plotly(charts)
    assert '<script defer src="/static/vendor/plotly-basic.min.js"></script>' in page
    assert "illustrative, not measurements" in page
    assert "no accepted output" in page  # the 8B model row on code-review


def test_target_in_exponent_form_is_read_as_a_plain_number(client, example):
    response = client.get(example.get_absolute_url(), {"p95": "1e4"})
    assert chosen_routes(response) == ["dedicated endpoint", "managed API", "dedicated endpoint"]
    assert 'name="p95" min="1" step="any" value="10000"' in response.content.decode()
    assert "p95 ≤ 10,000 ms" in [bar["name"] for bar in figures(response)["cost-figure-1"]["data"]]


def test_page_without_target_chooses_at_any_latency(client, example):
    response = client.get(example.get_absolute_url())
    assert len(chosen_routes(response)) == 3
    assert "set a p95 target" in response.content.decode()


def test_reviewer_cost_from_query_string_changes_cost(client):
    dataset = import_traces(to_csv([row(costUsd="0.02", acceptedOutputRate="0.8", reviewMinutes="0.5")]), "r.csv")
    page = client.get(dataset.dataset.get_absolute_url(), {"reviewer": "0.6"}).content.decode()
    assert "$0.325" in page
    page = client.get(dataset.dataset.get_absolute_url()).content.decode()
    assert "$0.525" in page  # default reviewer cost: $1 per minute


@pytest.mark.parametrize(
    ("query", "reported"),
    [
        ({"p95": "fast"}, "Ignored p95 “fast”"),
        ({"p95": "-5"}, "Ignored p95 “-5”"),
        ({"p95": "0"}, "Ignored p95 “0”"),
        ({"p95": "Infinity"}, "Ignored p95 “Infinity”"),
        ({"p95": "1e400"}, "Ignored p95 “1e400”"),
        ({"reviewer": "NaN"}, "Ignored reviewer “NaN”"),
        ({"reviewer": "-1"}, "Ignored reviewer “-1”"),
    ],
)
def test_bad_query_values_are_ignored_and_reported(client, example, query, reported):
    response = client.get(example.get_absolute_url(), query)
    assert response.status_code == 200
    assert reported in html.unescape(response.content.decode())
    assert chosen_routes(response) == chosen_routes(client.get(example.get_absolute_url()))


@pytest.mark.parametrize("name", ["p95", "reviewer"])
@pytest.mark.parametrize("raw", ["1e-999999999", "1e999999999", "9" * 5000, "1e-30"])
def test_hostile_numbers_are_refused_fast(client, example, name, raw):
    """The issue's stall: ?p95=1e-999999999 once built a 10^9-character string (12 s, 2 GB)."""
    started = time.perf_counter()
    response = client.get(example.get_absolute_url(), {name: raw})
    assert time.perf_counter() - started < 2
    assert response.status_code == 200
    assert f"Ignored {name} “{raw[:20]}" in html.unescape(response.content.decode())


def test_unknown_dataset_is_404(client):
    assert client.get("/traces/no-such-dataset/").status_code == 404


def test_list_page_links_datasets(client, example):
    response = client.get("/traces/")
    assert response.status_code == 200
    assert example.get_absolute_url() in response.content.decode()


def test_matched_rows_show_todays_list_price_next_to_observed_cost(client):
    provider = ProviderFactory(name="Acme Cloud", slug="acme-cloud")
    model = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    ModelAliasFactory(model=model, alias="Llama-3.3-70B-Instruct")
    InferencePriceObservationFactory(
        offering__provider=provider, offering__model=model, usd_per_mtok_input="0.60", usd_per_mtok_output="0.80"
    )
    # 1800 in x 0.45 uncached x 0.60 + 1800 x 0.55 x 0.60 (no cached price) + 220 x 0.80 = 1256 -> $0.00126
    dataset = import_traces(to_csv([row(provider="Acme Cloud")]), "p.csv").dataset
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "$0.00126" in page and f"$0.60 / $0.80 per 1M in/out, {today_utc():%Y-%m-%d}" in page
    assert provider.get_absolute_url() in page and model.get_absolute_url() in page


def test_a_current_list_price_wins_and_an_old_one_is_shown_with_its_date(client):
    provider = ProviderFactory(name="Acme Cloud", slug="acme-cloud")
    model = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    other_provider = ProviderFactory(name="Old Cloud", slug="old-cloud")
    long_ago = today_utc() - timedelta(days=40)
    InferencePriceObservationFactory(
        offering__provider=provider, offering__model=model, offering__quantization="bf16", observed_on=long_ago
    )
    InferencePriceObservationFactory(
        offering__provider=provider, offering__model=model, usd_per_mtok_input="0.30", usd_per_mtok_output="0.50"
    )
    InferencePriceObservationFactory(
        offering__provider=other_provider,
        offering__model=model,
        usd_per_mtok_input="9.00",
        usd_per_mtok_output="9.00",
        observed_on=long_ago,
    )
    rows = [row(provider="acme-cloud", model="llama 3.3 70b"), row(provider="Old Cloud", model="Llama 3.3 70B")]
    page = client.get(import_traces(to_csv(rows), "p.csv").dataset.get_absolute_url()).content.decode()
    assert f"$0.30 / $0.50 per 1M in/out, {today_utc():%Y-%m-%d}" in page
    assert f"$9.00 / $9.00 per 1M in/out, {long_ago:%Y-%m-%d}" in page


def _dataset_of(size, tag):
    rows = []
    for i in range(size):
        provider = ProviderFactory(name=f"Provider {tag}{i}", slug=f"provider-{tag}{i}")
        model = LanguageModelFactory(name=f"Model {tag}{i}", slug=f"model-{tag}{i}")
        InferencePriceObservationFactory(offering__provider=provider, offering__model=model)
        route = ["managed API", "hosted open-weight serverless", "dedicated endpoint", "self-hosted GPU"][i % 4]
        rows.append(
            row(
                route=route,
                provider=provider.slug,
                model=model.slug,
                workload=f"workload {i % 3}",
                concurrency=str(1 + i),
            )
        )
    return import_traces(to_csv(rows), f"{tag}.csv").dataset


@pytest.mark.parametrize("size", [2, 40])
def test_query_count_is_constant(client, django_assert_max_num_queries, size):
    dataset = _dataset_of(size, f"s{size}-")
    assert dataset.rows.filter(provider__isnull=False, model__isnull=False).count() == size
    # The dataset, its rows with matches, today's list prices, and the footer's two freshness dates.
    with django_assert_max_num_queries(5):
        response = client.get(dataset.get_absolute_url(), {"p95": "5000"})
    assert response.status_code == 200
    with django_assert_max_num_queries(3):
        client.get("/traces/")


HOSTILE = '</script><script>alert("x")</script>\'"&'


def test_hostile_names_cannot_break_the_page(client):
    hostile_row = row(provider=f"P{HOSTILE}", model=f"M{HOSTILE}", workload=f"W{HOSTILE}")
    dataset = import_traces(to_csv([hostile_row]), "h.csv", name=f"D{HOSTILE}").dataset
    response = client.get(dataset.get_absolute_url(), {"p95": '"><script>alert(1)</script>'})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert page.count("</script>") == page.count("<script")
    # The names reach the charts intact through json_script.
    p95 = figures(response)["p95-figure-1"]
    assert p95["data"][0]["name"].endswith(f"P{HOSTILE} · M{HOSTILE}")
    assert TraceDataset.objects.get().name == f"D{HOSTILE}"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("0.02"), "$0.02"),
        (Decimal("0.3250"), "$0.325"),
        (Decimal("0.00032274"), "$0.000323"),  # the site's one rule: three significant digits below $1
        (Decimal("0.0000123456"), "$0.0000123"),
        (Decimal("0"), "$0.00"),
    ],
)
def test_usd_display(value, shown):
    assert usd(value) == shown
