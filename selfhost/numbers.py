"""The one factory for the breakeven contract's number inputs, on the site's bounded parser.

computeprices.numbers accepts "100M", "2.5B", "1.5k", "100,000,000" and "1e6", and refuses NaN, infinities,
long strings and huge or tiny exponents on the text, before any arithmetic: "1e-999999" is a quick 400,
never a hang or a 500.
"""

from decimal import Decimal

from django import forms

from computeprices.numbers import BoundedDecimalField

PLACES = 6  # no input of the calculator means anything below a millionth (1e-30 tokens/day is refused)


def number_field(label, *, minimum=Decimal(0), maximum, help_text="", integer=False, positive=False):
    """THE factory for every number input of the breakeven contract."""
    return BoundedDecimalField(
        label=label,
        required=False,
        minimum=minimum,
        maximum=maximum,
        places=PLACES,
        allow_zero=not positive,
        integer=integer,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric" if integer else "decimal", "autocomplete": "off"}),
    )
