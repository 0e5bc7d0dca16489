"""The one home of what every table page shares: reading the query string, sorting, and CSV.

- `QueryForm`: a Django form over request.GET. A value that does not clean is dropped (the page
  falls back to its default) and told in `.notices`, one sentence per value, always worded by
  `ignored_notice`: «Ignored <label> “<raw>”: <reason>.»
- `sort_rows` / `sort_links`: rows sorted by one column, rows without a value last either way.
- `csv_response`: one CSV writer. Decimals are written plain (1.99, never 1.99000000000000 or
  1E+2); a text cell a spreadsheet would run as a formula (= + - @ tab CR) is quoted with a '.
"""

import csv
from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.text import slugify

# Query string ------------------------------------------------------------------------------------

MAX_RAW = 60  # a notice quotes at most this much of what was typed


def ignored_notice(label, raw, reason):
    """The one wording of an ignored query-string value."""
    raw = str(raw)
    if len(raw) > MAX_RAW:
        raw = raw[:MAX_RAW] + "…"
    reason = str(reason).rstrip(".")
    return f"Ignored {label} “{raw}”: {reason}."


class QueryField(forms.Field):
    """A query-string option: never required (absent means the page's default)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class LooseChoiceField(QueryField):
    """One of `choices` ({value: label}), matched case-insensitively; cleans to the value or None."""

    def __init__(self, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = dict(choices or {})

    def to_python(self, value):
        raw = (value or "").strip()
        if not raw:
            return None
        for choice in self.choices:
            if raw.lower() == str(choice).lower():
                return choice
        expected = ", ".join(str(v) for v in self.choices.values()) or "nothing on this page"
        raise forms.ValidationError(f"expected one of {expected}")


class WholeNumberField(QueryField):
    def __init__(self, minimum=0, maximum=100_000, **kwargs):
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def to_python(self, value):
        raw = (value or "").strip()
        if not raw:
            return None
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not self.minimum <= number <= self.maximum:
            raise forms.ValidationError(f"expected a whole number from {self.minimum:,} to {self.maximum:,}")
        return number


class SortField(LooseChoiceField):
    """?sort=column or ?sort=-column; cleans to (column, descending) or None."""

    def __init__(self, columns, **kwargs):
        super().__init__(choices={c: c for c in columns}, **kwargs)

    def to_python(self, value):
        raw = (value or "").strip()
        if not raw:
            return None
        column = super().to_python(raw.lstrip("-"))
        return column, raw.startswith("-")


class QueryForm(forms.Form):
    """A page's query-string options. Bound and validated on creation; never raises on bad input.

    `.option(name, default)` is the cleaned value or the default; `.notices` lists what was ignored;
    `.applied` keeps the raw values that were used (for links, forms and CSV file names).
    """

    format = LooseChoiceField(choices={"html": "html", "csv": "csv"}, label="format")

    def __init__(self, query, **choices):
        """`choices`: {field name: {value: label}} for fields whose choices come from the data."""
        super().__init__(query)
        for name, field_choices in choices.items():
            self.fields[name].choices = dict(field_choices)
        self.is_valid()

    @property
    def notices(self):
        return self.notices_for()

    def notices_for(self, only=None, exclude=()):
        """The notices of the fields named in `only` (every field when None), less those in `exclude`."""
        messages = []
        for name, errors in self.errors.items():
            if (only is not None and name not in only) or name in exclude:
                continue
            field = self.fields.get(name)
            label = (field.label if field and field.label else name) if name != "__all__" else "options"
            for error in errors:
                messages.append(ignored_notice(label, self.data.get(name, ""), error))
        return messages

    def option(self, name, default=None):
        value = self.cleaned_data.get(name)
        return default if value is None or value == "" else value

    def sort(self, default):
        """(column, descending, explicit): the ?sort= asked for, else `default` ("-col" for descending)."""
        value = self.cleaned_data.get("sort")
        if value:
            return value[0], value[1], True
        return default.lstrip("-"), default.startswith("-"), False

    @property
    def applied(self):
        kept = {}
        for name in self.fields:
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, "") and name != "format":
                kept[name] = self.data.get(name, "").strip()
        return kept

    @property
    def wants_csv(self):
        return self.cleaned_data.get("format") == "csv"

    def url(self, **changes):
        """The current page's query string with `changes` applied (None removes a key)."""
        params = {**self.applied, **changes}
        params = {k: v for k, v in params.items() if v is not None}
        return "?" + urlencode(params) if params else "?"

    def csv_name(self, base):
        parts = [base] + [f"{k}-{v}" for k, v in sorted(self.applied.items()) if k not in ("format", "table")]
        return slugify("_".join(parts).replace("_", " ")) or base


# Sorting -----------------------------------------------------------------------------------------


def sort_rows(rows, key, descending=False):
    """Sort by key(row); rows whose key is None go last in either direction. Stable."""
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def sort_links(form, columns, current, descending):
    """{column: {"url", "aria"}} for sortable headers: a click sorts, a second click reverses."""
    links = {}
    for name in columns:
        active = name == current
        target = f"-{name}" if active and not descending else name
        links[name] = {
            "url": form.url(sort=target, format=None),
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return links


# CSV ---------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain_decimal(value: Decimal) -> str:
    """1.99000000000000 -> "1.99", 1E+2 -> "100", 0E-8 -> "0": no trailing zeros, no exponent."""
    if not value.is_finite():
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return plain_decimal(Decimal(repr(value)))
    value = str(value)
    # A spreadsheet would run a cell starting like a formula; quote it (names come from providers).
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_response(filename, header, rows):
    """A CSV download: `header` then one line per row, every cell through csv_cell."""
    if not filename.endswith(".csv"):
        filename += ".csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response


class Column:
    """One column of a CSV table: header and how to read it from a row."""

    def __init__(self, header, read):
        self.header, self.read = header, read


def table_csv(filename, columns, rows):
    return csv_response(filename, [c.header for c in columns], [[c.read(r) for c in columns] for r in rows])


# Pages of a long table -----------------------------------------------------------------------------

PAGE_SIZE = 100  # rows per table page (settings.TABLE_PAGE_SIZE overrides it); the CSV keeps every row


def page_size() -> int:
    return getattr(settings, "TABLE_PAGE_SIZE", None) or PAGE_SIZE


class TablePage:
    """One page of `rows` as the query string's `?page=` (or `param`) asks, with links that keep every
    other parameter (filters, sort, blend). A page that is not a whole number, or past the end, is
    ignored and told (the first or the last page is shown instead)."""

    def __init__(self, rows, query, per_page=None, param="page", label="page", anchor=""):
        rows = list(rows)
        per_page = per_page or page_size()
        self.total, self.per_page, self.param, self.anchor = len(rows), per_page, param, anchor
        self.pages = max(1, -(-self.total // per_page))
        self.query = query
        self.notices = []
        raw = (query.get(param) or "").strip()
        number = 1
        if raw:
            try:
                number = int(raw)
            except ValueError:
                number = None
            if number is None or not 1 <= number <= self.pages:
                self.notices.append(ignored_notice(label, raw, f"expected a whole number from 1 to {self.pages:,}"))
                number = self.pages if number is not None and number > self.pages else 1
        self.number = number
        start = (number - 1) * per_page
        self.rows = rows[start : start + per_page]
        self.first = start + 1 if self.rows else 0
        self.last = start + len(self.rows)

    @property
    def is_paginated(self):
        return self.pages > 1

    def url(self, number):
        """This page's query string at page `number` (page 1 has no page parameter)."""
        params = self.query.copy() if hasattr(self.query, "copy") else dict(self.query)
        if hasattr(params, "_mutable"):
            params._mutable = True
        params.pop(self.param, None)
        if number > 1:
            params[self.param] = str(number)
        text = params.urlencode() if hasattr(params, "urlencode") else urlencode(params)
        return ("?" + text if text else "?") + self.anchor

    @property
    def previous_url(self):
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self):
        return self.url(self.number + 1) if self.number < self.pages else None
