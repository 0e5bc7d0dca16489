"""`field__any_of`: the same rows as `field__in` on every database (one array parameter on PostgreSQL), and the
array literals it and providers.models.bulk_set write reading back exactly."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from computeprices.lookups import array_literal, array_param
from inference.models import ModelAlias
from tests.factories import LanguageModelFactory, ModelAliasFactory

pytestmark = pytest.mark.django_db

AWKWARD = ["plain", 'with "quotes"', "back\\slash", "comma, brace {x}", "it's", " spaced ", "ünïcode", "NULL", ""]


@pytest.fixture
def aliases():
    model = LanguageModelFactory()
    other = LanguageModelFactory()
    rows = [ModelAliasFactory(model=model, alias=f"alias {i}") for i in range(3)]
    # Saved with update() so the stored text is exactly the awkward string (save() normalizes aliases).
    for text, alias in zip(AWKWARD, [ModelAliasFactory(model=other, alias=f"raw {i}") for i in AWKWARD], strict=True):
        ModelAlias.objects.filter(pk=alias.pk).update(alias=text)
    return model, other, rows


def test_any_of_matches_what_in_matches(aliases):
    model, other, rows = aliases
    ids = [rows[0].pk, rows[2].pk, 10**9]
    assert set(ModelAlias.objects.filter(pk__any_of=ids)) == set(ModelAlias.objects.filter(pk__in=ids))
    assert set(ModelAlias.objects.filter(model_id__any_of=[model.pk])) == set(rows)  # a foreign key
    assert set(ModelAlias.objects.filter(model__any_of=[other.pk]).values_list("alias", flat=True)) == set(AWKWARD)
    assert set(ModelAlias.objects.filter(alias__any_of=AWKWARD).values_list("alias", flat=True)) == set(AWKWARD)


def test_any_of_with_nothing_or_none(aliases):
    assert not ModelAlias.objects.filter(pk__any_of=[]).exists()
    assert not ModelAlias.objects.filter(pk__any_of=[None]).exists()
    assert ModelAlias.objects.exclude(pk__any_of=[]).count() == ModelAlias.objects.count()
    first = ModelAlias.objects.order_by("pk").first()
    assert list(ModelAlias.objects.filter(pk__any_of=[None, first.pk])) == [first]


@pytest.mark.postgres
def test_any_of_is_one_array_parameter_on_postgresql(aliases):
    sql, params = ModelAlias.objects.filter(pk__any_of=list(range(1000))).query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and len(params) == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "values, db_type",
    [
        (AWKWARD + [None], "text"),
        ([1, 2**40, None], "bigint"),
        ([Decimal("1E+2"), Decimal("0.000001"), Decimal("-3.5"), None], "numeric(12, 6)"),
        ([date(2026, 2, 14), None], "date"),
    ],
)
def test_array_literals_read_back_exactly(values, db_type):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{db_type}[]", [array_literal(values)])
        assert cursor.fetchone()[0] == values


def test_values_without_a_literal_go_as_the_list():
    assert array_literal([True]) is None and array_literal([1.5]) is None
    assert array_param([1, 2]) == ("%s::bigint[]", "{1,2}")
    assert array_param([1, 1.5]) == ("%s", [1, 1.5])
