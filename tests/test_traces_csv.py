"""CSV of the trace tables: the data set list, every row with its figures, the routes side by side."""

import csv
import io
from decimal import Decimal

import pytest

from tests.test_traces_import import row, to_csv
from traces.importer import import_traces, load_example_dataset

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def example():
    return load_example_dataset().dataset


def test_dataset_list_downloads_as_csv(client, example):
    page = client.get("/traces/")
    assert 'href="?format=csv"' in page.content.decode()
    (only,) = csv_rows(client.get("/traces/", {"format": "csv"}))
    assert (only["slug"], only["rows"], only["example"]) == (example.slug, str(example.row_count), "true")


def test_every_row_downloads_with_the_pages_figures(client, example):
    page = client.get(example.get_absolute_url(), {"p95": "10000"})
    rows = csv_rows(client.get(example.get_absolute_url(), {"p95": "10000", "format": "csv"}))
    assert len(rows) == example.row_count
    figures = [f for w in page.context["workloads"] for r in w["summary"].routes for f in r.rows]
    for line, f in zip(rows, figures, strict=True):
        assert line["provider"] == f.row.provider_name and line["concurrency"] == str(f.row.concurrency)
        if f.cost_per_accepted is None:
            assert line["cost_usd_per_accepted_output"] == ""
        else:  # a plain decimal, rounded only past the 20th decimal place
            assert abs(Decimal(line["cost_usd_per_accepted_output"]) - f.cost_per_accepted) < Decimal("1e-20")
        assert line["within_p95_target"] == str(f.within_target).lower()
    assert 'href="?p95=10000&amp;reviewer=' in page.content.decode()


def test_routes_table_marks_the_chosen_route_at_the_target(client, example):
    tight = csv_rows(client.get(example.get_absolute_url(), {"p95": "10000", "format": "csv", "table": "routes"}))
    loose = csv_rows(client.get(example.get_absolute_url(), {"p95": "30000", "format": "csv", "table": "routes"}))
    chosen = [(r["workload"], r["route"]) for r in tight if r["chosen"] == "true"]
    assert len(chosen) == 3
    assert [r["route"] for r in tight if r["chosen"] == "true"] != [r["route"] for r in loose if r["chosen"] == "true"]


def test_csv_cells_that_look_like_formulas_are_quoted(client):
    dataset = import_traces(to_csv([row(provider="=HYPERLINK(1)", costUsd="0.02")]), "f.csv").dataset
    (line,) = csv_rows(client.get(dataset.get_absolute_url(), {"format": "csv"}))
    assert line["provider"] == "'=HYPERLINK(1)"
    assert Decimal(line["observed_cost_usd_per_request"]) == Decimal("0.02")


def test_csv_query_count_is_the_pages(client, example, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(example.get_absolute_url(), {"format": "csv"})
    with django_assert_max_num_queries(1):
        client.get("/traces/", {"format": "csv"})
