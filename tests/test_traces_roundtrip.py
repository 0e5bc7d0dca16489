"""Property: any valid set of rows reads back to the same values and hash from CSV or JSON, in any order."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_traces_import import to_csv
from traces.importer import content_hash, read_records, validate_records

ROUTES = ["managed API", "hosted open-weight serverless", "dedicated endpoint", "self-hosted GPU"]
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]), min_size=1)


def amount(places, high):
    return st.decimals(min_value=0, max_value=high, places=places, allow_nan=False, allow_infinity=False)


@st.composite
def trace_rows(draw):
    p50 = draw(amount(3, 10**6))
    return {
        "route": draw(st.sampled_from(ROUTES)),
        "provider": draw(names.filter(lambda s: len(s) <= 150)),
        "model": draw(names.filter(lambda s: len(s) <= 200)),
        "workload": draw(names.filter(lambda s: len(s) <= 150)),
        "inputTokens": draw(amount(2, 10**9)),
        "outputTokens": draw(amount(2, 10**9)),
        "cacheHitRate": draw(amount(6, 1)),
        "batchEligible": draw(st.booleans()),
        "concurrency": draw(st.integers(min_value=1, max_value=10**6)),
        "ttftMs": draw(amount(3, 10**6)),
        "latencyP50Ms": p50,
        "latencyP95Ms": p50 + draw(amount(3, 10**6)),
        "outputTokensPerSecond": draw(amount(3, 10**6)),
        "acceptedOutputRate": draw(amount(6, 1)),
        "costUsd": draw(amount(8, 10**4)),
        "reviewMinutes": draw(amount(4, 10**3)),
    }


def as_text(rows):
    return [{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in r.items()} for r in rows]


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(trace_rows(), min_size=1, max_size=5), data=st.data())
def test_csv_and_json_read_back_the_same_rows_and_hash(rows, data):
    from_csv, problems = validate_records(read_records(to_csv(as_text(rows)), "t.csv")[0])
    assert problems == []
    shuffled = data.draw(st.permutations(rows))
    from_json, problems = validate_records(read_records(json.dumps(as_text(shuffled)).encode(), "t.json")[0])
    assert problems == []
    assert content_hash(from_csv) == content_hash(from_json)
    first = from_csv[0][1]
    assert first["provider_name"] == rows[0]["provider"].strip()
    assert first["cost_usd"] == rows[0]["costUsd"] and first["concurrency"] == rows[0]["concurrency"]
