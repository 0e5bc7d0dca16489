"""Bounded numbers: the one place a number from a request (query string, form, API) becomes a Decimal.

Every bound is checked on the text and on the Decimal's exponent BEFORE any arithmetic, so no input
can make the site build a 10^999999-digit integer or a 10^9-character string: the length of the
text, the digits of the exponent, the magnitude (adjusted exponent), the decimal places and the
range are all refused with a message a reader understands. Accepted spellings: "1200", "1,200",
"1200.5", "1.2e3", "1.2k", "100M", "2.5B", "3T" (k/M/B/T = thousand, million, billion, trillion).

    parse_number("2.5B", maximum=Decimal("1e15"))  -> Decimal("2500000000")
    BoundedDecimalField(maximum=Decimal(1), places=6)  -> a Django form field on top
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms

MAX_CHARS = 40  # longer text is refused before it is parsed at all
MAX_EXPONENT_DIGITS = 3  # "1e999" parses; "1e9999" is refused on the text
DEFAULT_MAX_MAGNITUDE = 18  # |value| < 10^18 whatever the field's own maximum
DEFAULT_PLACES = 12  # at most 12 digits after the point (a smaller non-zero value is refused)
MAX_SIGNIFICANT_DIGITS = 28  # the default Decimal context's precision: exact arithmetic below it

SUFFIXES = {"k": 3, "m": 6, "b": 9, "t": 12}  # case-insensitive: "1.2K", "100m" (million, never milli)

_NUMBER = re.compile(
    r"""^(?P<sign>[+-])?
    (?P<digits>\d+(?:\.\d*)?|\.\d+)
    (?:[eE](?P<exp>[+-]?\d+))?
    (?P<suffix>[kKmMbBtT])?$""",
    re.VERBOSE | re.ASCII,
)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)  # "100,000,000" and "1,234.5", not "1,2"


class NumberError(ValueError):
    """A refused number; str() is the reader-facing reason."""


def parse_number(
    raw,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    places: int = DEFAULT_PLACES,
    allow_zero: bool = True,
    max_magnitude: int = DEFAULT_MAX_MAGNITUDE,
    integer: bool = False,
) -> Decimal:
    """The Decimal `raw` spells, or NumberError saying why not. Never does arithmetic on an unchecked value.

    minimum/maximum are inclusive; allow_zero=False refuses 0 even when minimum is 0 ("above 0");
    places bounds the digits after the point; integer=True refuses any fraction.
    """
    if isinstance(raw, Decimal | int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise NumberError("Enter a number.")
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
    if not text:
        raise NumberError("Enter a number.")
    if len(text) > MAX_CHARS:
        raise NumberError(f"Enter a number of at most {MAX_CHARS} characters.")
    if "," in text:
        if not _GROUPED.match(text) or "," in text[_GROUPED.match(text).end() :]:
            raise NumberError("Enter a number; commas only between groups of three digits (1,000,000).")
        text = text.replace(",", "")
    match = _NUMBER.match(text)
    if match is None:
        # NaN, Infinity, hex, unicode digits, two points, a lone sign: refused on the text.
        raise NumberError("Enter a number such as 1200, 1.2k, 100M or 2.5B.")
    if match["exp"] is not None and len(match["exp"].lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise NumberError("Enter a number with a smaller exponent.")
    if match["sign"] == "-" and (minimum is None or minimum >= 0):
        raise NumberError("Enter a number that is not negative.")
    try:
        # Bounded text (<= 40 characters, exponent <= 3 digits): constructing it is cheap and exact.
        value = Decimal((match["sign"] or "") + match["digits"] + (f"e{match['exp']}" if match["exp"] else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise NumberError("Enter a number.") from None
    if match["suffix"]:
        value = value.scaleb(SUFFIXES[match["suffix"].lower()])  # exponent shift, no multiplication
    if value.is_zero():
        value = Decimal(0)
        if not allow_zero:
            raise NumberError("Enter a number above 0.")
    else:
        if value.adjusted() >= max_magnitude:
            raise NumberError(f"Enter a number below 1e{max_magnitude}.")
        if value.adjusted() < -places:
            raise NumberError(f"Enter a number of at least {_plain(Decimal(1).scaleb(-places))} (or 0).")
        value = value.normalize()
        if len(value.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
            raise NumberError(f"Enter a number with at most {MAX_SIGNIFICANT_DIGITS} significant digits.")
        if -value.as_tuple().exponent > places:
            raise NumberError(f"Enter a number with at most {places} decimal places.")
        if value.as_tuple().exponent > 0:
            value = value.quantize(Decimal(1))  # 1E+3 -> 1000: shown back as the reader would type it
    if integer and value != value.to_integral_value():
        raise NumberError("Enter a whole number.")
    if minimum is not None and value < minimum:
        raise NumberError(f"Enter a number of at least {_plain(minimum)}.")
    if maximum is not None and value > maximum:
        raise NumberError(f"Enter a number of at most {_plain(maximum)}.")
    return value


def _plain(bound: Decimal) -> str:
    """A bound for a message: 1E+15 -> 1,000,000,000,000,000; 0.000001 stays as it is."""
    bound = Decimal(bound)
    if bound == bound.to_integral_value():
        return f"{int(bound):,}"
    return format(bound.normalize(), "f")


class BoundedDecimalField(forms.Field):
    """A form field over parse_number(): its error is the parser's reason; the widget is a text input."""

    widget = forms.TextInput

    def __init__(
        self,
        *,
        minimum=None,
        maximum=None,
        places=DEFAULT_PLACES,
        allow_zero=True,
        max_magnitude=DEFAULT_MAX_MAGNITUDE,
        integer=False,
        **kwargs,
    ):
        self.bounds = {
            "minimum": None if minimum is None else Decimal(minimum),
            "maximum": None if maximum is None else Decimal(maximum),
            "places": places,
            "allow_zero": allow_zero,
            "max_magnitude": max_magnitude,
            "integer": integer,
        }
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_number(value, **self.bounds)
        except NumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return int(number) if self.bounds["integer"] else number

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "numeric" if self.bounds["integer"] else "decimal")
        return attrs
