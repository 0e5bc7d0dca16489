"""The shared table helpers (computeprices.tables) and chart layout (computeprices.charts)."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import QueryDict

from computeprices import charts
from computeprices.numbers import BoundedDecimalField
from computeprices.tables import (
    LooseChoiceField,
    QueryForm,
    SortField,
    WholeNumberField,
    csv_cell,
    csv_response,
    ignored_notice,
    plain_decimal,
    sort_links,
    sort_rows,
)
from computeprices.templatetags.prices import usd


class ExampleForm(QueryForm):
    colour = LooseChoiceField({"red": "Red", "blue": "Blue"}, label="colour")
    size = WholeNumberField(1, 10, label="size")
    budget = BoundedDecimalField(minimum=0, maximum=1000, allow_zero=False, label="budget")
    sort = SortField(["name", "price"], label="sort")


def form(query):
    return ExampleForm(QueryDict(query))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.99000000000000"), "1.99"),
        (Decimal("2.4900"), "2.49"),
        (Decimal("1E+2"), "100"),
        (Decimal("0E-8"), "0"),
        (Decimal("-0.500000"), "-0.5"),
        (Decimal("0.000012"), "0.000012"),
        (Decimal("NaN"), ""),
    ],
)
def test_plain_decimal_has_no_padding_and_no_exponent(value, text):
    assert plain_decimal(value) == text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cell_quotes_what_a_spreadsheet_would_run(start):
    assert csv_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert csv_cell(Decimal("-1.50")) == "-1.5"  # a number is a number, never quoted
    assert csv_cell(None) == "" and csv_cell(True) == "true" and csv_cell(3) == "3"


def test_csv_response_writes_header_and_rows():
    response = csv_response("prices", ["name", "usd"], [["=cmd", Decimal("1.99000000")], ["A100", None]])
    assert response["Content-Disposition"] == 'attachment; filename="prices.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["name", "usd"], ["'=cmd", "1.99"], ["A100", ""]]


def test_query_form_keeps_good_values_and_words_every_ignored_one_the_same_way():
    good = form("colour=RED&size=3&budget=1e2&sort=-price&format=csv")
    assert good.option("colour") == "red" and good.option("size") == 3 and good.option("budget") == Decimal("100")
    assert good.sort("name") == ("price", True, True) and good.wants_csv and not good.notices
    assert good.url(sort="name") == "?colour=RED&size=3&budget=1e2&sort=name"
    bad = form("colour=green&size=11&budget=NaN&sort=zzz")
    assert [bad.option(n) for n in ("colour", "size", "budget")] == [None, None, None]
    assert bad.sort("-name") == ("name", True, False)
    assert bad.notices == [
        "Ignored colour “green”: expected one of Red, Blue.",
        "Ignored size “11”: expected a whole number from 1 to 10.",
        "Ignored budget “NaN”: Enter a number such as 1200, 1.2k, 100M or 2.5B.",
        "Ignored sort “zzz”: expected one of name, price.",
    ]
    assert bad.applied == {} and bad.url() == "?"


def test_query_form_choices_from_data_and_long_values_are_cut():
    f = ExampleForm(QueryDict("colour=teal"), colour={"teal": "Teal"})
    assert f.option("colour") == "teal"
    assert ExampleForm.base_fields["colour"].choices == {"red": "Red", "blue": "Blue"}  # per form, not global
    assert ignored_notice("x", "y" * 500, "no.").endswith("…”: no.")


def test_sort_rows_puts_missing_values_last_either_way_and_links_flip():
    rows = [{"p": 2}, {"p": None}, {"p": 1}]
    assert [r["p"] for r in sort_rows(rows, lambda r: r["p"])] == [1, 2, None]
    assert [r["p"] for r in sort_rows(rows, lambda r: r["p"], descending=True)] == [2, 1, None]
    links = sort_links(form("sort=price"), ["name", "price"], "price", False)
    assert links["price"] == {"url": "?sort=-price", "aria": "ascending"} and links["name"]["aria"] == "none"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("15", "$15.00"), ("2.49", "$2.49"), ("1234.5", "$1,234.50"), ("0.2625", "$0.263"), ("0.3", "$0.30"),
        ("0.035", "$0.035"), ("0.0075", "$0.0075"), ("0.99999", "$1.00"), ("-0.5", "−$0.50"), (None, "—"),
    ],
)  # fmt: skip
def test_one_money_rule(value, text):
    assert usd(value) == text


def test_chart_layout_merges_and_legend_folds_to_top_n():
    layout = charts.layout(yaxis={"title": {"text": "USD"}})
    assert layout["yaxis"]["gridcolor"] and layout["yaxis"]["title"]["text"] == "USD"
    assert "title" not in charts.BASE_LAYOUT["yaxis"]  # the base is never changed
    traces = charts.fold_legend([{"name": f"p{i}"} for i in range(20)], keep=8)
    shown = [t["name"] for t in traces if t.get("showlegend", True)]
    assert shown == [f"p{i}" for i in range(8)] + ["12 others"]
    assert traces[9]["meta"] == "p9" and traces[9]["legendgroup"] == "others"


def test_a_chart_draws_at_most_its_limit_of_lines_and_says_how_many_it_left_out():
    traces = charts.fold_legend([{"name": f"p{i}"} for i in range(1000)], keep=8, limit=charts.CHART_LINES_MAX)
    assert [t["meta"] if "meta" in t else t["name"] for t in traces] == [f"p{i}" for i in range(charts.CHART_LINES_MAX)]
    assert (
        traces[8]["name"] == f"{charts.CHART_LINES_MAX - 8} others ({1000 - charts.CHART_LINES_MAX:,} more not drawn)"
    )
    assert len(charts.fold_legend([{"name": "a"}, {"name": "b"}], limit=40)) == 2


def test_log_ticks_read_as_numbers():
    ticks = charts.log_ticks(0.05, 20)
    assert ticks["ticktext"] == ["0.03", "0.1", "0.3", "1", "3", "10", "30"]
