"""Importing trace files: good files, every kind of bad file, re-imports, the command and admin upload."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from tests.factories import LanguageModelFactory, ModelAliasFactory, ProviderFactory
from traces.importer import (
    EXAMPLE_NAME,
    REQUIRED_FIELDS,
    Problem,
    TraceImportError,
    import_traces,
    load_example_dataset,
)
from traces.models import Route, TraceDataset, TraceRow

pytestmark = pytest.mark.django_db

GOOD_ROW = {
    "route": "managed API",
    "provider": "Acme Cloud",
    "model": "Llama-3.3-70B-Instruct",
    "workload": "support-chat",
    "inputTokens": "1800",
    "outputTokens": "220",
    "cacheHitRate": "0.55",
    "batchEligible": "false",
    "concurrency": "16",
    "ttftMs": "520",
    "latencyP50Ms": "3270",
    "latencyP95Ms": "4905",
    "outputTokensPerSecond": "80",
    "acceptedOutputRate": "0.93",
    "costUsd": "0.000775",
    "reviewMinutes": "0.25",
}


def to_csv(rows, fields=REQUIRED_FIELDS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def row(**changes):
    return {**GOOD_ROW, **changes}


def good_rows():
    return [
        row(),
        row(
            route="self-hosted GPU",
            provider="Nowhere GPUs",
            model="mystery-model",
            concurrency="64",
            batchEligible="true",
            latencyP95Ms="18480",
            latencyP50Ms="10267",
            acceptedOutputRate="0",
        ),
        row(route="Dedicated Endpoint", provider="acme-cloud", workload="code-review", inputTokens="14000.5"),
    ]


def refused(content, filename="bad.csv"):
    with pytest.raises(TraceImportError) as excinfo:
        import_traces(content, filename)
    assert TraceDataset.objects.count() == 0
    assert TraceRow.objects.count() == 0
    return {(p.row, p.field) for p in excinfo.value.problems}, excinfo.value.problems


@pytest.fixture
def catalogue():
    provider = ProviderFactory(name="Acme Cloud", slug="acme-cloud")
    model = LanguageModelFactory(name="Llama 3.3 70B Instruct", slug="llama-3-3-70b-instruct")
    ModelAliasFactory(model=model, alias="Llama-3.3-70B-Instruct")
    return provider, model


def test_good_csv_is_stored_with_values_and_catalogue_matches(catalogue):
    provider, model = catalogue
    result = import_traces(to_csv(good_rows()), "my-traces.csv")

    assert result.created
    dataset = result.dataset
    assert dataset.name == "my-traces" and dataset.slug == "my-traces" and dataset.row_count == 3
    assert TraceRow.objects.filter(dataset=dataset).count() == 3
    first, second, third = dataset.rows.order_by("row_number")
    assert first.row_number == 1
    assert first.route == Route.MANAGED_API
    assert first.provider == provider and first.model == model
    assert first.input_tokens == Decimal("1800") and first.cache_hit_rate == Decimal("0.55")
    assert first.batch_eligible is False and first.concurrency == 16
    assert first.latency_p95_ms == Decimal("4905") and first.cost_usd == Decimal("0.000775")
    assert first.review_minutes == Decimal("0.25") and first.accepted_output_rate == Decimal("0.93")
    # Unknown names are kept as text, not rejected, and reported.
    assert second.provider is None and second.provider_name == "Nowhere GPUs"
    assert second.model is None and second.model_name == "mystery-model"
    assert second.route == Route.SELF_HOSTED and second.batch_eligible is True
    assert result.unmatched_providers == ["Nowhere GPUs"] and result.unmatched_models == ["mystery-model"]
    assert dataset.unmatched_providers == ["Nowhere GPUs"]
    # Provider by slug, route label in any case.
    assert third.provider == provider and third.route == Route.DEDICATED
    assert third.input_tokens == Decimal("14000.50")


def test_good_json_list_and_rows_object_are_accepted(catalogue):
    rows = [
        {**GOOD_ROW, "inputTokens": 1800, "cacheHitRate": 0.55, "batchEligible": False, "concurrency": 16},
    ]
    result = import_traces(json.dumps(rows).encode(), "a.json")
    assert result.created and result.dataset.rows.get().provider == catalogue[0]

    other = {"rows": [{**GOOD_ROW, "workload": "other"}]}
    result = import_traces(json.dumps(other).encode(), "b.json")
    assert result.created and result.dataset.rows.get().workload == "other"


def test_model_matches_catalogue_name_without_an_alias():
    model = LanguageModelFactory(name="Qwen2.5 72B Instruct", slug="qwen2-5-72b-instruct")
    result = import_traces(to_csv([row(model="qwen2.5 72b instruct")]), "q.csv")
    assert result.dataset.rows.get().model == model
    assert result.unmatched_models == []


def test_same_file_imported_twice_is_stored_once(catalogue):
    content = to_csv(good_rows())
    first = import_traces(content, "traces.csv")
    second = import_traces(content, "traces.csv", name="another name")
    assert second.created is False and second.dataset == first.dataset
    assert TraceDataset.objects.count() == 1 and TraceRow.objects.count() == 3


def test_same_rows_in_another_format_or_order_are_stored_once():
    import_traces(to_csv(good_rows()), "traces.csv")
    crlf_reordered = to_csv(list(reversed(good_rows()))).replace(b"\n", b"\r\n")
    assert import_traces(crlf_reordered, "again.csv").created is False
    as_json = json.dumps(good_rows()).encode()
    assert import_traces(as_json, "again.json").created is False
    assert TraceDataset.objects.count() == 1


def test_other_rows_under_a_taken_name_are_refused_unless_replacing():
    import_traces(to_csv([row()]), "t.csv", name="Run A")
    with pytest.raises(TraceImportError) as excinfo:
        import_traces(to_csv([row(workload="x")]), "t.csv", name="Run A")
    assert excinfo.value.problems[0].field == "dataset"
    assert TraceRow.objects.get().workload == "support-chat"

    replaced = import_traces(to_csv([row(workload="x")]), "t.csv", name="Run A", replace=True)
    assert replaced.created and TraceDataset.objects.count() == 1
    assert TraceRow.objects.get().workload == "x"


def test_missing_fields_are_each_named_by_row_and_field():
    problems, _ = refused(to_csv([row(), row(costUsd="", model="  "), row(route="")]))
    assert problems == {(2, "costUsd"), (2, "model"), (3, "route")}


def test_missing_column_is_named_once_for_the_file():
    fields = [f for f in REQUIRED_FIELDS if f not in ("ttftMs", "reviewMinutes")]
    problems, listed = refused(to_csv([row(), row()], fields=fields))
    assert problems == {(None, "ttftMs"), (None, "reviewMinutes")}
    assert all("column missing" in p.message for p in listed)


def test_not_a_number_rate_outside_range_negative_tokens_and_unknown_route_are_all_listed():
    bad = [
        row(),
        row(costUsd="cheap", cacheHitRate="1.2"),
        row(inputTokens="-5", acceptedOutputRate="-0.1"),
        row(route="carrier pigeon", outputTokens="-1"),
        row(batchEligible="maybe", concurrency="2.5", latencyP95Ms="NaN"),
    ]
    problems, listed = refused(to_csv(bad))
    assert problems == {
        (2, "costUsd"),
        (2, "cacheHitRate"),
        (3, "inputTokens"),
        (3, "acceptedOutputRate"),
        (4, "route"),
        (4, "outputTokens"),
        (5, "batchEligible"),
        (5, "concurrency"),
        (5, "latencyP95Ms"),
    }
    messages = {(p.row, p.field): p.message for p in listed}
    assert messages[(2, "costUsd")].startswith("not a number")
    assert messages[(2, "cacheHitRate")].startswith("a rate outside 0..1")
    assert messages[(3, "inputTokens")].startswith("negative tokens")
    assert messages[(4, "route")].startswith('unknown route "carrier pigeon"')
    assert str(Problem(4, "route", "x")) == "row 4, route: x"


def test_json_problems_name_rows_and_types():
    data = [GOOD_ROW, "not a row", {**GOOD_ROW, "costUsd": True, "inputTokens": [1]}, {"route": "managed API"}]
    problems, _ = refused(json.dumps(data).encode(), "bad.json")
    assert (2, "row") in problems
    assert (3, "costUsd") in problems and (3, "inputTokens") in problems
    assert {(4, f) for f in REQUIRED_FIELDS if f != "route"} <= problems


def test_p95_below_p50_and_values_too_large_are_refused():
    problems, _ = refused(to_csv([row(latencyP50Ms="500", latencyP95Ms="400"), row(costUsd="1e12")]))
    assert problems == {(1, "latencyP95Ms"), (2, "costUsd")}


@pytest.mark.parametrize(
    ("content", "filename"),
    [(b"", "empty.csv"), (b"\xff\xfe\x00bad", "x.csv"), (b"{not json", "x.json"), (b'{"rows": 3}', "x.json")],
)
def test_unreadable_files_are_refused_with_a_file_problem(content, filename):
    problems, _ = refused(content, filename)
    assert {field for _, field in problems} == {"file"}


def test_header_only_file_is_refused():
    problems, _ = refused(to_csv([]))
    assert problems == {(None, "file")}


def test_database_refuses_rows_the_importer_would():
    dataset = import_traces(to_csv([row()]), "t.csv").dataset
    good = dataset.rows.get()
    for change in [
        {"cache_hit_rate": Decimal("1.5")},
        {"accepted_output_rate": Decimal("-0.1")},
        {"input_tokens": Decimal("-1")},
        {"concurrency": 0},
        {"latency_p95_ms": Decimal("1")},
        {"route": "pigeon"},
    ]:
        fields = {f.attname: getattr(good, f.attname) for f in TraceRow._meta.concrete_fields if f.attname != "id"}
        fields.update(change, row_number=99)
        with pytest.raises(IntegrityError), transaction.atomic():
            TraceRow.objects.create(**fields)


def test_command_imports_and_reports(tmp_path, capsys):
    path = tmp_path / "week-1.csv"
    path.write_bytes(to_csv(good_rows()))
    call_command("import_traces", str(path), "--dataset", "Week 1")
    out = capsys.readouterr().out
    assert 'Imported 3 rows as "Week 1"' in out and "Nowhere GPUs" in out
    call_command("import_traces", str(path))
    assert "Already stored" in capsys.readouterr().out
    assert TraceDataset.objects.get().name == "Week 1"


def test_command_lists_every_problem_and_stores_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([row(costUsd="x"), row(route="nope")]))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_traces", str(path))
    err = capsys.readouterr().err
    assert "row 1, costUsd: not a number" in err and "row 2, route: unknown route" in err
    assert TraceDataset.objects.count() == 0


def test_example_dataset_loads_once_and_is_labelled():
    first = load_example_dataset()
    again = load_example_dataset()
    assert first.created and not again.created
    dataset = TraceDataset.objects.get()
    assert dataset.name == EXAMPLE_NAME and dataset.is_example and "example" in dataset.description.lower()
    assert dataset.row_count == dataset.rows.count() > 20
    assert set(dataset.rows.values_list("route", flat=True)) == set(Route.values)


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return client


def test_admin_upload_imports_a_good_file(superuser_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("up.csv", to_csv(good_rows()), content_type="text/csv")
    response = superuser_client.post("/admin/traces/tracedataset/upload/", {"file": upload, "name": "Uploaded"})
    dataset = TraceDataset.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{dataset.pk}/change/")
    assert dataset.name == "Uploaded" and dataset.row_count == 3
    assert superuser_client.get("/admin/traces/tracedataset/").status_code == 200
    assert superuser_client.get(response.url).status_code == 200


def test_admin_upload_lists_every_problem_of_a_bad_file(superuser_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bad.csv", to_csv([row(costUsd="x"), row(cacheHitRate="7")]))
    response = superuser_client.post("/admin/traces/tracedataset/upload/", {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing was stored: 2 problems" in body
    assert "costUsd" in body and "cacheHitRate" in body
    assert TraceDataset.objects.count() == 0
    assert superuser_client.get("/admin/traces/tracedataset/upload/").status_code == 200


def test_example_dataset_is_replaced_when_its_file_changes(tmp_path, monkeypatch):
    import traces.importer as importer

    first = load_example_dataset().dataset
    assert first.slug == "example"
    changed = tmp_path / "example_traces.csv"
    changed.write_bytes(to_csv([row(workload="only-one")]))
    monkeypatch.setattr(importer, "EXAMPLE_PATH", changed)
    result = load_example_dataset()
    assert result.created
    dataset = TraceDataset.objects.get()
    assert dataset.slug == "example" and dataset.is_example
    assert list(dataset.rows.values_list("workload", flat=True)) == ["only-one"]


def test_rematch_links_names_added_to_the_catalogue_later():
    from traces.importer import rematch

    dataset = import_traces(to_csv([row(provider="Late Cloud", model="late-model")]), "l.csv").dataset
    assert dataset.unmatched_providers == ["Late Cloud"] and dataset.unmatched_models == ["late-model"]
    provider = ProviderFactory(name="Late Cloud", slug="late")
    model = LanguageModelFactory(name="Late Model", slug="late-model-v1")
    ModelAliasFactory(model=model, alias="LATE model")

    assert rematch(dataset) == ([], [])
    dataset.refresh_from_db()
    assert dataset.unmatched_providers == [] and dataset.unmatched_models == []
    stored = dataset.rows.get()
    assert stored.provider == provider and stored.model == model


def test_admin_rematch_action(superuser_client):
    dataset = import_traces(to_csv([row(provider="Late Cloud")]), "l.csv").dataset
    ProviderFactory(name="Late Cloud", slug="late")
    response = superuser_client.post(
        "/admin/traces/tracedataset/",
        {"action": "match_again", "_selected_action": [dataset.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 name still unmatched" in response.content.decode()  # the model
    assert dataset.rows.get().provider is not None


def test_trace_routes_command_prints_the_choice_per_target(capsys):
    load_example_dataset()
    call_command("trace_routes", "example", "--p95", "10000", "--p95", "30000")
    out = capsys.readouterr().out
    tight, loose = out.split("p95 target: 10000 ms")[1].split("p95 target: 30000 ms")
    assert "support-chat: dedicated endpoint" in tight and "support-chat: self-hosted GPU" in loose
    assert "code-review: managed API (OpenAI" in tight and "code-review: managed API (Anthropic" in loose
    with pytest.raises(CommandError):
        call_command("trace_routes", "nope")


def test_dataset_name_defaults_to_the_file_stem_and_is_checked():
    assert import_traces(to_csv([row()]), "runs/week-2.csv", name="  ").dataset.name == "week-2"
    with pytest.raises(TraceImportError) as excinfo:
        import_traces(to_csv([row(workload="y")]), "w.csv", name="n" * 151)
    assert [p.field for p in excinfo.value.problems] == ["dataset"]


def test_admin_upload_of_a_stored_file_adds_nothing(superuser_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    import_traces(to_csv(good_rows()), "first.csv")
    upload = SimpleUploadedFile("again.json", json.dumps(good_rows()).encode(), content_type="application/json")
    response = superuser_client.post("/admin/traces/tracedataset/upload/", {"file": upload}, follow=True)
    assert "already stored" in response.content.decode()
    assert TraceDataset.objects.count() == 1


def test_import_traces_example_command_is_idempotent():
    call_command("import_traces", "--example")
    call_command("import_traces", "--example")
    assert TraceDataset.objects.filter(is_example=True).count() == 1
    assert TraceDataset.objects.get(is_example=True).rows.count() > 0


def test_import_traces_needs_a_path_or_example():
    with pytest.raises(CommandError, match="PATH to import, or --example"):
        call_command("import_traces")
