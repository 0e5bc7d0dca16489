"""Issue 13 item 6: the breakeven API without the database when every input is given, and the per-model
defaults (measured profiles, fits, API offerings, candidate GPUs and their prices) computed once per data
version, never an error when the cache is dead."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from computeprices.dataversion import bump_data_version, current_data_version
from computeprices.management.commands.bench_pages import BREAKEVEN_ALL_INPUTS
from selfhost import catalogue as selfhost_catalogue
from selfhost.contract import breakeven_response
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory
from tests.test_breakeven import catalogue  # noqa: F401  (the fixture)
from tests.test_page_cache import DEAD_CACHE

pytestmark = pytest.mark.django_db
API = "/api/v1/breakeven"
MODEL_QUERY = {"model": "llama-3-3-70b", "tokens_per_day": "100M"}


@pytest.fixture
def queries(django_assert_num_queries):
    return django_assert_num_queries


def _path_with(tokens):
    return BREAKEVEN_ALL_INPUTS.replace("tokens_per_day=1000000000", f"tokens_per_day={tokens}")


@pytest.mark.parametrize("extra_offerings", [0, 30])
def test_every_input_given_runs_no_query_but_the_data_version(client, catalogue, queries, extra_offerings):  # noqa: F811
    for _ in range(extra_offerings):  # the catalogue's size does not matter: nothing of it is read
        GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=catalogue["h100"]))
    with queries(1):  # the data version, read once after the cache was cleared
        cold = client.get(BREAKEVEN_ALL_INPUTS)
    assert cold.status_code == 200 and cold.json()["inputs"]["gpus_per_replica"] == 8
    with queries(0):  # another answer (no page cache in tests), the version cached
        warm = client.get(_path_with(2_000_000_000))
    assert warm.status_code == 200
    assert warm.json()["api_monthly_cost"] == pytest.approx(2 * cold.json()["api_monthly_cost"], abs=0.02)


def test_the_pure_arithmetic_never_reads_the_catalogue(catalogue, monkeypatch):  # noqa: F811
    def refuse(*args, **kwargs):
        raise AssertionError("read the catalogue")

    for name in ("measured_profiles", "api_offerings", "cheapest_gpu_offerings"):
        monkeypatch.setattr(selfhost_catalogue, name, refuse)
    status, body = breakeven_response(QueryDict(BREAKEVEN_ALL_INPUTS.split("?", 1)[1]))
    assert status == 200 and body["inputs"]["model"] is None


def test_model_defaults_are_computed_once_per_data_version(client, catalogue, monkeypatch):  # noqa: F811
    calls = {"measured": 0, "api": 0, "gpus": 0}
    real = {
        "measured": selfhost_catalogue.measured_profiles,
        "api": selfhost_catalogue.api_offerings,
        "gpus": selfhost_catalogue.cheapest_gpu_offerings,
    }

    def counting(name):
        def call(*args, **kwargs):
            calls[name] += 1
            return real[name](*args, **kwargs)

        return call

    monkeypatch.setattr(selfhost_catalogue, "measured_profiles", counting("measured"))
    monkeypatch.setattr(selfhost_catalogue, "api_offerings", counting("api"))
    monkeypatch.setattr(selfhost_catalogue, "cheapest_gpu_offerings", counting("gpus"))
    first = client.get(API, MODEL_QUERY).json()
    for tokens in ("200M", "300M"):
        assert client.get(API, MODEL_QUERY | {"tokens_per_day": tokens}).status_code == 200
    assert client.get("/breakeven/", MODEL_QUERY).status_code == 200
    assert calls == {"measured": 1, "api": 1, "gpus": 1}
    assert first["inputs"]["gpu_hourly_price"] == 2.1
    # A publish (a cheaper H100 listed) is a new data version: the defaults are computed again and show it.
    GpuPriceObservationFactory(
        offering=GpuOfferingFactory(gpu=catalogue["h100"], provider__name="Cheaper GPUs"),
        usd_per_gpu_hour=Decimal("1.50"),
    )
    again = client.get(API, MODEL_QUERY).json()
    assert again["inputs"]["gpu_hourly_price"] == 1.5
    assert calls == {"measured": 2, "api": 2, "gpus": 2}


def test_warm_model_answers_read_only_the_model(client, catalogue, django_assert_num_queries):  # noqa: F811
    client.get(API, MODEL_QUERY)
    with django_assert_num_queries(1):  # the form's lookup of ?model=; every default comes from the cache
        assert client.get(API, MODEL_QUERY | {"tokens_per_day": "5e8"}).status_code == 200


def test_cached_defaults_answer_exactly_what_fresh_ones_do(client, catalogue):  # noqa: F811
    queries = [MODEL_QUERY, {"model": "llama-3-3-70b", "gpus_per_replica": "4"}, {}]
    cold = []
    for query in queries:
        client.get(API, {"tokens_per_day": "1"})  # anything, then clear: each answer below starts cold
        selfhost_catalogue.cache_call("clear")
        cold.append(client.get(API, query).json())
    warm = [client.get(API, query).json() for query in queries]
    assert warm == cold


def test_a_dead_cache_only_means_computing_again(client, settings, catalogue):  # noqa: F811
    expected = client.get(API, MODEL_QUERY).json()
    settings.CACHES = DEAD_CACHE
    assert current_data_version().version >= 1
    for _ in range(2):
        response = client.get(API, MODEL_QUERY)
        assert response.status_code == 200 and response.json() == expected
    assert client.get(BREAKEVEN_ALL_INPUTS).status_code == 200
    bump_data_version()
    assert client.get("/breakeven/", MODEL_QUERY).status_code == 200
