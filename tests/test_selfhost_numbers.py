"""The bounded number parser behind every breakeven number field."""

import time
from decimal import Decimal

import pytest

from selfhost.numbers import parse_number


@pytest.mark.parametrize(
    "text,value",
    [("100M", Decimal("1e8")), ("2.5B", Decimal("2.5e9")), ("100,000,000", Decimal("1e8")), ("1.5k", 1500),
     (" 0.5 ", Decimal("0.5")), (".5", Decimal("0.5")), ("1e6", Decimal("1e6")), ("3T", Decimal("3e12"))],
)  # fmt: skip
def test_numbers_people_write(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["NaN", "inf", "-Infinity", "1e31", "1e-999999", "1e999999999", "1.2.3", "lots", "9" * 41, "0x10", ""]
)
def test_refused_quickly_with_a_reason(text):
    start = time.perf_counter()
    with pytest.raises(ValueError) as exc:
        parse_number(text)
    assert time.perf_counter() - start < 0.01
    assert "Enter a number" in str(exc.value)
