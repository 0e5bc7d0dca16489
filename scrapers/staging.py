"""Set-based writes for the ingest path on PostgreSQL: COPY rows into a bare temporary staging table, then
one INSERT ... SELECT ... ON CONFLICT into the real table. Three statements (create, COPY, insert) whatever
the number of rows.

The rows are decided in Python first (scrapers.ingest._save: validation, precedence, the review queue),
so this only changes how they travel: a COPY stream instead of an INSERT with one parameter per value.
"""

from django.db import connection

STAGE = "ingest_stage"


def is_available():
    return connection.vendor == "postgresql"


def stage(model, columns, rows, name=STAGE):
    """A temporary table `name` with `columns` of `model`'s table (types and all, no constraints), dropped at
    commit, holding `rows` (tuples in `columns` order) written with COPY. Returns its quoted name."""
    qn = connection.ops.quote_name
    table = qn(name)
    cols = ", ".join(qn(model._meta.get_field(c).column) for c in columns)
    source = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(  # one round trip (no parameters: psycopg sends both statements as one query)
            f"DROP TABLE IF EXISTS {table}; "
            f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS SELECT {cols} FROM {source} WITH NO DATA"
        )
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return table


def upsert(model, columns, rows, *, conflict=None, update=(), keep_where=""):
    """COPY `rows` into a staging table, then one INSERT ... SELECT ... ON CONFLICT: DO NOTHING without
    `update`, else DO UPDATE SET those columns from the staged row, except where `keep_where` (SQL on the
    existing row, e.g. "is_curated") holds. Returns the number of rows the INSERT wrote."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    table = stage(model, columns, rows)
    target = qn(model._meta.db_table)
    cols = ", ".join(qn(model._meta.get_field(c).column) for c in columns)
    if update:
        sets = ", ".join(
            f"{qn(model._meta.get_field(c).column)} = EXCLUDED.{qn(model._meta.get_field(c).column)}" for c in update
        )
        on_conflict = f"({', '.join(qn(model._meta.get_field(c).column) for c in conflict)}) DO UPDATE SET {sets}"
        if keep_where:
            on_conflict += f" WHERE NOT ({target}.{keep_where})"
    else:
        on_conflict = "DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {table} ON CONFLICT {on_conflict}")
        return cursor.rowcount
