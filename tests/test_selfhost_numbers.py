"""The breakeven's number fields: what people write is read, what would hang or overflow is refused fast."""

import time
from decimal import Decimal

import pytest

from selfhost.numbers import number_field


def field(**kwargs):
    return number_field("tokens per day", maximum=Decimal("1e15"), **kwargs)


@pytest.mark.parametrize(
    "text,value",
    [("100M", Decimal("1e8")), ("2.5B", Decimal("2.5e9")), ("100,000,000", Decimal("1e8")), ("1.5k", 1500),
     (" 0.5 ", Decimal("0.5")), (".5", Decimal("0.5")), ("1e6", Decimal("1e6")), ("3T", Decimal("3e12"))],
)  # fmt: skip
def test_numbers_people_write(text, value):
    assert field().clean(text) == value


@pytest.mark.parametrize(
    "text",
    ["NaN", "inf", "-Infinity", "1e31", "1e-999999", "1e-30", "1e999999999", "1.2.3", "lots", "9" * 41, "0x10", "-5"],
)
def test_refused_quickly_with_a_reason(text):
    from django.core.exceptions import ValidationError

    start = time.perf_counter()
    with pytest.raises(ValidationError) as exc:
        field().clean(text)
    assert time.perf_counter() - start < 0.01
    assert "Enter a number" in str(exc.value)


def test_whole_numbers_and_positive_fields():
    from django.core.exceptions import ValidationError

    assert field(integer=True).clean("8") == 8
    with pytest.raises(ValidationError):
        field(integer=True).clean("1.5")
    with pytest.raises(ValidationError):
        field(positive=True).clean("0")
