"""`field__any_of=values`: membership in a long list of plain values (ids, normalized names) at a cost that
does not grow per value in Python.

`field__in=[...]` renders one placeholder per value: Django prepares each value, psycopg splits and
re-joins a query of thousands of `%s`, and PostgreSQL plans a list of thousands of constants. The ingest
path asks "which of these N offerings / aliases" with N in the thousands, and that bookkeeping was most of
its query time. On PostgreSQL `any_of` is `field = ANY(%s)` with the list as one array parameter (same rows
as IN); elsewhere it is the plain IN lookup.

Values are passed as they are (not run through the field's get_prep_value): give ints and plain strings.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        values = [v for v in dict.fromkeys(self.rhs) if v is not None]  # NULL is never equal, as in IN
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys keep lookups of their own: register there too (ids)
