"""The API fuzzed against its own OpenAPI schema with schemathesis, through the WSGI app (no network).

For every operation in /api/v1/openapi.json, schemathesis generates valid parameters and invalid ones
and checks each answer: never a server error, a documented status code and content type, and a body
matching the operation's schema. (schemathesis' lazy pytest fixture does not run under pytest 9, so
the test drives each operation's hypothesis strategy itself.)
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from tests.test_api import market  # noqa: F401  (the fixture: real figures for the operations to return)

pytestmark = pytest.mark.django_db
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 25
FREE_TEXT_ONLY = {"GET /api/v1/breakeven", "GET /api/v1/gpus/{slug}", "GET /api/v1/providers/{slug}"}


@pytest.fixture
def api_schema(market, settings):  # noqa: F811
    from computeprices.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    settings.API_RATE_LIMIT = "1000000/m"  # the fuzz is one very busy client; the limit has its own test
    # Like Django's test client: requests must not close the test's connection (and its transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_match_its_schema_and_never_fail(api_schema, mode):
    ops = operations(api_schema)
    unsatisfiable = []
    assert len(ops) >= 11
    for operation in ops:
        if mode == GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
            continue  # nothing to get wrong (/sources takes no parameters)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            # The WSGI transport does not undo Content-Encoding, so ask for the body as the API writes it.
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})

        try:
            fuzz()
        except Unsatisfiable:
            # Every parameter of it is a free string: there is no invalid value to generate.
            unsatisfiable.append(operation.label)
    assert mode == GenerationMode.POSITIVE or set(unsatisfiable) <= FREE_TEXT_ONLY, unsatisfiable
