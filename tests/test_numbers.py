"""computeprices.numbers: one bounded parser for every number a request carries, and its form field."""

import time
from decimal import Decimal

import pytest
from django import forms

from computeprices.numbers import BoundedDecimalField, NumberError, parse_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200", Decimal(1200)),
        (" 1200.50 ", Decimal("1200.5")),
        ("100,000,000", Decimal(100_000_000)),
        ("1,234.5", Decimal("1234.5")),
        ("1.2k", Decimal(1200)),
        ("1.2K", Decimal(1200)),
        ("100M", Decimal(100_000_000)),
        ("100m", Decimal(100_000_000)),
        ("2.5B", Decimal(2_500_000_000)),
        ("3T", Decimal(3_000_000_000_000)),
        ("1e4", Decimal(10000)),
        ("1.5E+3", Decimal(1500)),
        (".5", Decimal("0.5")),
        ("0.000001", Decimal("0.000001")),
        ("0", Decimal(0)),
        ("0e-999", Decimal(0)),
        ("+7", Decimal(7)),
    ],
)
def test_accepted_spellings(raw, expected):
    value = parse_number(raw, maximum=Decimal("1e15"))
    assert value == expected
    assert "E" not in str(value)  # shown back as the reader would type it


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "Enter a number"),
        ("abc", "Enter a number such as"),
        ("NaN", "Enter a number such as"),
        ("sNaN", "Enter a number such as"),
        ("inf", "Enter a number such as"),
        ("-Infinity", "Enter a number such as"),
        ("0x10", "Enter a number such as"),
        ("١٢٣", "Enter a number such as"),  # Arabic-Indic digits: Decimal() would take them
        ("1.2.3", "Enter a number such as"),
        ("1,2", "commas only between groups"),
        ("1,000,00", "commas only between groups"),
        ("1e-999999999", "smaller exponent"),
        ("1e999999", "smaller exponent"),
        ("1e999", "below 1e18"),
        ("1e-30", "at least 0.000000000001"),
        ("0.0000000000001", "at least"),
        ("1.0000000000001", "at most 12 decimal places"),
        ("-1", "not negative"),
        ("9" * 41, "at most 40 characters"),
        ("2e15", "at most 1,000,000,000,000,000"),
    ],
)
def test_refused_with_a_reason(raw, reason):
    with pytest.raises(NumberError, match=reason):
        parse_number(raw, maximum=Decimal("1e15"))


def test_bounds_are_inclusive_and_zero_can_be_refused():
    assert parse_number("1", minimum=Decimal(0), maximum=Decimal(1)) == 1
    assert parse_number("0", minimum=Decimal(0)) == 0
    with pytest.raises(NumberError, match="above 0"):
        parse_number("0", minimum=Decimal(0), allow_zero=False)
    with pytest.raises(NumberError, match="at least 1"):
        parse_number("0.5", minimum=Decimal(1))
    assert parse_number("-3", minimum=Decimal(-5)) == -3
    with pytest.raises(NumberError, match="whole number"):
        parse_number("1.5", integer=True)


def test_places_bound_is_per_field():
    assert parse_number("0.123456", places=6) == Decimal("0.123456")
    with pytest.raises(NumberError, match="at most 6 decimal places"):
        parse_number("0.1234567", places=6)
    with pytest.raises(NumberError, match="at least 0.000001"):
        parse_number("1e-7", places=6)


def test_hostile_inputs_answer_fast():
    """The issue's stalls: each of these used to build a 10^9-character string or a 10^999990-digit integer."""
    hostile = ["1e-999999999", "1e999999999", "9" * 10_000, "1e-999999", "1" + "0" * 39, "1e999M"]
    started = time.perf_counter()
    for raw in hostile:
        with pytest.raises(NumberError):
            parse_number(raw, minimum=Decimal(0), maximum=Decimal(1))
    assert time.perf_counter() - started < 0.05


class _Form(forms.Form):
    tokens = BoundedDecimalField(required=False, maximum=Decimal("1e15"), places=0)
    share = BoundedDecimalField(required=False, minimum=0, maximum=1, places=6, allow_zero=False)
    gpus = BoundedDecimalField(required=False, minimum=1, maximum=100_000, integer=True)


def test_form_field_cleans_and_reports_the_parser_reason():
    form = _Form({"tokens": "2.5B", "share": "0.25", "gpus": "8"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"tokens": Decimal(2_500_000_000), "share": Decimal("0.25"), "gpus": 8}
    assert isinstance(form.cleaned_data["gpus"], int)

    form = _Form({"tokens": "1e-999999999", "share": "0", "gpus": "NaN"})
    assert not form.is_valid()
    assert form.errors["tokens"] == ["Enter a number with a smaller exponent."]
    assert form.errors["share"] == ["Enter a number above 0."]
    assert "Enter a number such as" in form.errors["gpus"][0]

    form = _Form({})
    assert form.is_valid() and form.cleaned_data == {"tokens": None, "share": None, "gpus": None}


def test_form_field_widget_is_a_text_input_with_a_numeric_keyboard():
    html = str(_Form()["share"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'inputmode="numeric"' in str(_Form()["gpus"])
