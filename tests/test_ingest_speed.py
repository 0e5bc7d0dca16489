"""What keeps the ingest fast (issue 13 item 7): a query count that does not grow with the payload for the token
kind too (the GPU kind is tested in test_scrapers_ingest), and the benchmark's larger-payload option."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inference.models import LanguageModel, ModelAlias
from scrapers.management.commands.benchmark_ingest import DEFAULT_FILE, scaled
from scrapers.sources import get_source
from tests.factories import ProviderFactory
from tests.test_scrapers_ingest import DAY, MAX_QUERIES_PER_RUN, scrape

pytestmark = pytest.mark.django_db


def litellm_payload(n):
    return json.dumps(
        {
            f"together_ai/org/model-{i}": {
                "input_cost_per_token": 2e-07 + i * 1e-09,
                "output_cost_per_token": 6e-07 + i * 1e-09,
                "litellm_provider": "together_ai",
                "mode": "chat",
                "max_input_tokens": 131072,
            }
            for i in range(n)
        }
        | {"unknown/nobody-knows": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "mode": "chat"}}
    )


@pytest.fixture
def token_catalogue():
    ProviderFactory(slug="together", name="Together AI")
    models = LanguageModel.objects.bulk_create(
        [LanguageModel(slug=f"model-{i}", name=f"Model {i}", creator="Org") for i in range(300)]
    )
    ModelAlias.objects.bulk_create([ModelAlias(model=m, alias=f"org/model {i}") for i, m in enumerate(models)])


def queries(payload, day=DAY):
    with CaptureQueriesContext(connection) as ctx:
        run = scrape("litellm", payload, day=day)
    return run, len(ctx.captured_queries)


# The budget is PostgreSQL's: SQLite splits bulk writes into batches of 999 variables.
@pytest.mark.postgres
def test_token_runs_cost_the_same_queries_at_two_payload_sizes(token_catalogue):
    small, small_queries = queries(litellm_payload(10))
    large, large_queries = queries(litellm_payload(300), day=DAY.replace(day=DAY.day + 1))
    assert (small.rows_new, large.rows_new) == (10, 300)  # the first ten offerings are known by then
    assert small_queries == large_queries <= MAX_QUERIES_PER_RUN
    rerun, rerun_queries = queries(litellm_payload(300), day=DAY.replace(day=DAY.day + 1))
    assert rerun.rows_unchanged == 300 and rerun_queries <= MAX_QUERIES_PER_RUN


def test_benchmark_scale_repeats_every_entry_under_keys_of_its_own(shared_data):
    source = get_source("litellm")
    payload = source.read_file(DEFAULT_FILE)
    once, twice = json.loads(payload), json.loads(scaled(payload, 2))
    assert len(twice) == 2 * len(once) and twice[next(iter(once)) + "~2"] == once[next(iter(once))]
    assert len(source.parse(scaled(payload, 2)).records) == 2 * len(source.parse(payload).records)

    out = StringIO()
    call_command("benchmark_ingest", "--json", "--repeat", "1", "--scale", "2", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["scale"] == 2 and result["runs"][0]["payload_rows"] == 2 * source.parse(payload).rows_seen
    assert result["rows"] > 2000 and result["rows_per_second"] > 0
