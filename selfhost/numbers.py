"""Bounded number parsing for the self-hosting forms (swap point for computeprices.numbers at merge).

Accepts "100M", "2.5B", "1.5k", "100,000,000", "1e6" and plain decimals; refuses NaN, infinities, long
strings and exponents beyond +-30 *before* any arithmetic, so "1e-999999" is a quick error, never a
hang or a 500.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

MAX_LENGTH = 40
MAX_EXPONENT = 30
SUFFIXES = {"": 0, "k": 3, "m": 6, "b": 9, "t": 12}
NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<digits>\d+(?:\.\d*)?|\.\d+)(?:e(?P<exp>[+-]?\d{1,9}))?(?P<suffix>[kmbt]?)$")
HINT = "Enter a number such as 0.5, 100M, 2.5B or 100,000,000."


def parse_number(text) -> Decimal:
    """A Decimal from what a person types; ValueError with a readable message otherwise."""
    raw = str(text).strip()
    if len(raw) > MAX_LENGTH:
        raise ValueError(f"Too long: at most {MAX_LENGTH} characters. {HINT}")
    compact = raw.replace(",", "").replace("_", "").replace(" ", "").lower()
    match = NUMBER.match(compact)
    if not match:
        raise ValueError(HINT)
    digits = match["digits"].lstrip("0") or "0"
    if len(digits.replace(".", "")) > 24:
        raise ValueError(f"Too many digits. {HINT}")
    exponent = int(match["exp"] or 0) + SUFFIXES[match["suffix"]]
    if abs(exponent) > MAX_EXPONENT:
        raise ValueError(f"Exponent out of range (between -{MAX_EXPONENT} and {MAX_EXPONENT}). {HINT}")
    value = Decimal(match["digits"]).scaleb(exponent)
    return -value if match["sign"] == "-" else value


class NumberField(forms.Field):
    widget = forms.TextInput

    def __init__(self, *, minimum=None, maximum=None, integer=False, positive=False, **kwargs):
        self.minimum, self.maximum, self.integer, self.positive = minimum, maximum, integer, positive
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_number(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if self.integer and number != number.to_integral_value():
            raise ValidationError("Enter a whole number.", code="invalid")
        if self.positive and number <= 0:
            raise ValidationError("Must be greater than 0.", code="min_value")
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(f"Must be at least {self.minimum:,}.", code="min_value")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"Must be at most {self.maximum:,}.", code="max_value")
        return int(number) if self.integer else number


def number_field(label, *, minimum=Decimal(0), maximum, help_text="", integer=False, positive=False):
    """THE factory for every number input of the breakeven contract (one place to swap the parser)."""
    return NumberField(
        label=label,
        required=False,
        minimum=minimum,
        maximum=maximum,
        integer=integer,
        positive=positive,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric" if integer else "decimal", "autocomplete": "off"}),
    )
