"""`field__any_of=values`: membership in a long list of plain values (ids, normalized names) at a cost that
does not grow per value in Python.

`field__in=[...]` renders one placeholder per value: Django prepares each value, psycopg splits and
re-joins a query of thousands of `%s`, and PostgreSQL plans a list of thousands of constants. The ingest
path asks "which of these N offerings / aliases" with N in the thousands, and that bookkeeping was most of
its query time. On PostgreSQL `any_of` is `field = ANY(%s)` with the list as one array parameter (same rows
as IN); elsewhere it is the plain IN lookup.

Values are passed as they are (not run through the field's get_prep_value): give ints and plain strings. Give
them as a set: Django walks a list or tuple value item by item looking for expressions before any lookup sees
it, which is the per-value cost this lookup exists to avoid.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):  # a queryset: as IN
            return super().get_prep_lookup()
        return self.rhs  # plain values, as given: no per-value preparation

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        values = [v for v in dict.fromkeys(self.rhs) if v is not None]  # NULL is never equal, as in IN
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholder, param = array_param(values)
        return f"{lhs} = ANY({placeholder})", (*lhs_params, param)


def array_param(values):
    """(placeholder, parameter) for a PostgreSQL array of `values`: ints as a bigint[] literal, strings as a
    text[] literal (see array_literal), anything else as the list for psycopg to dump."""
    literal = array_literal(values)
    if literal is not None and all(type(v) is int for v in values):
        return "%s::bigint[]", literal
    if literal is not None and all(type(v) is str for v in values):
        return "%s::text[]", literal
    return "%s", list(values)


def _quote(text):
    # Array-literal quoting: in double quotes, with backslash and double quote escaped.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ELEMENT = {
    int: str,
    Decimal: str,  # exact, exponent form included ("1E+2"): numeric input reads it back
    str: _quote,
    date: date.isoformat,
    type(None): lambda _: "NULL",
}


def array_literal(values):
    """`values` as the text of a PostgreSQL array literal ("{1,2,NULL}"), to be cast to the array type by
    the query; None when a value is of a type not written here (bool, float, datetime...).

    psycopg dumps a Python list element by element in Python (~1.5 ms per thousand values, per array); one
    string, dumped in C, costs a tenth of that."""
    try:
        return "{" + ",".join([_ELEMENT[type(v)](v) for v in values]) + "}"
    except KeyError:
        return None


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys keep lookups of their own: register there too (ids)
