"""The one way trace rows enter the database: read a CSV or JSON file, validate every row, match
names to the catalogue, then write the dataset and its rows in one transaction.

A bad file is refused whole: every problem is collected (row, field, message) before anything is
written, and TraceImportError carries them all. The same data imported twice is stored once: the
dataset keeps a hash of its validated rows. Used by the admin upload form, the `import_traces`
command and `load_example_dataset()` (the demo's example data).
"""

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from inference.models import ModelAlias
from providers.models import normalize_alias

from .models import Route, TraceDataset, TraceRow

EXAMPLE_PATH = Path(__file__).resolve().parent / "data" / "example_traces.csv"
EXAMPLE_NAME = "Example traces (illustrative, not measured)"
EXAMPLE_SLUG = "example"
EXAMPLE_DESCRIPTION = (
    "An example data set written by ComputePrices to show how this page reads: the numbers are "
    "plausible but invented, not measurements. Import your own traces to compare your routes."
)

# Field name in the file -> TraceRow field. The order is the order problems are listed in.
TEXT_FIELDS = {"route": "route", "provider": "provider_name", "model": "model_name", "workload": "workload"}
RATE_FIELDS = {"cacheHitRate": "cache_hit_rate", "acceptedOutputRate": "accepted_output_rate"}
TOKEN_FIELDS = {"inputTokens": "input_tokens", "outputTokens": "output_tokens"}
MEASURE_FIELDS = {
    "ttftMs": "ttft_ms",
    "latencyP50Ms": "latency_p50_ms",
    "latencyP95Ms": "latency_p95_ms",
    "outputTokensPerSecond": "output_tokens_per_second",
    "costUsd": "cost_usd",
    "reviewMinutes": "review_minutes",
}
REQUIRED_FIELDS = [
    "route",
    "provider",
    "model",
    "workload",
    "inputTokens",
    "outputTokens",
    "cacheHitRate",
    "batchEligible",
    "concurrency",
    "ttftMs",
    "latencyP50Ms",
    "latencyP95Ms",
    "outputTokensPerSecond",
    "acceptedOutputRate",
    "costUsd",
    "reviewMinutes",
]
ROUTE_NAMES = {normalize_alias(v): v for v in Route.values} | {normalize_alias(label): v for v, label in Route.choices}
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. row is the 1-based data row (None: the whole file)."""

    row: int | None
    field: str
    message: str

    def __str__(self):
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}, {self.field}: {self.message}"


class TraceImportError(Exception):
    """The file was refused; nothing of it was stored. .problems lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s): " + "; ".join(str(p) for p in self.problems[:5]))


@dataclass
class ImportResult:
    dataset: TraceDataset
    created: bool
    unmatched_providers: list[str] = field(default_factory=list)
    unmatched_models: list[str] = field(default_factory=list)


def import_traces(
    content: bytes, filename: str, name: str = "", description: str = "", replace=False, slug="", is_example=False
):
    """Validate and store one file of trace rows as a dataset; returns an ImportResult.

    name defaults to the file name's stem, slug to a free slug of the name. A dataset holding the
    same rows already is returned unchanged (created=False). Another dataset with the same name but
    other rows is a problem, unless replace=True, which deletes it in the same transaction.
    Raises TraceImportError.
    """
    records, problems = read_records(content, filename)
    clean_rows, row_problems = validate_records(records, skip_fields={p.field for p in problems if p.row is None})
    problems += row_problems
    if not problems and not clean_rows:
        problems.append(Problem(None, "file", "no data rows"))
    name = (name or "").strip() or Path(filename).stem.strip()[:150] or "traces"
    if len(name) > TraceDataset._meta.get_field("name").max_length:
        problems.append(Problem(None, "dataset", "the name is longer than 150 characters"))
    if problems:
        raise TraceImportError(problems)

    digest = content_hash(clean_rows)
    existing = TraceDataset.objects.filter(content_sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, False, existing.unmatched_providers, existing.unmatched_models)
    same_name = TraceDataset.objects.filter(name=name).first()
    if same_name is not None and not replace:
        raise TraceImportError(
            [Problem(None, "dataset", f'a dataset named "{name}" already holds other rows; choose another name')]
        )

    providers, models_, unmatched_providers, unmatched_models = match_names(clean_rows)
    try:
        with transaction.atomic():
            if same_name is not None:
                same_name.delete()
            dataset = TraceDataset.objects.create(
                name=name,
                slug=_free_slug(slug or name),
                description=description,
                source_filename=Path(filename).name[:255],
                content_sha256=digest,
                row_count=len(clean_rows),
                unmatched_providers=unmatched_providers,
                unmatched_models=unmatched_models,
                is_example=is_example,
            )
            TraceRow.objects.bulk_create(
                [
                    TraceRow(
                        dataset=dataset,
                        row_number=number,
                        provider_id=providers.get(values["provider_name"]),
                        model_id=models_.get(values["model_name"]),
                        **values,
                    )
                    for number, values in clean_rows
                ],
                batch_size=1000,
            )
    except IntegrityError:
        # The same file imported concurrently: the other import stored it.
        existing = TraceDataset.objects.filter(content_sha256=digest).first()
        if existing is None:
            raise
        return ImportResult(existing, False, existing.unmatched_providers, existing.unmatched_models)
    return ImportResult(dataset, True, unmatched_providers, unmatched_models)


def import_traces_file(path, **kwargs):
    path = Path(path)
    return import_traces(path.read_bytes(), path.name, **kwargs)


def load_example_dataset():
    """Store the shipped example data set (idempotent; an older version of it is replaced)."""
    return import_traces(
        EXAMPLE_PATH.read_bytes(),
        EXAMPLE_PATH.name,
        name=EXAMPLE_NAME,
        description=EXAMPLE_DESCRIPTION,
        replace=True,
        slug=EXAMPLE_SLUG,
        is_example=True,
    )


def read_records(content: bytes, filename: str):
    """([(row number, {field: raw value})], file-level problems). JSON: a list of objects, or {"rows": [...]}."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [Problem(None, "file", "not UTF-8 text")]
    if not text.strip():
        return [], [Problem(None, "file", "the file is empty")]
    suffix = Path(filename).suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in "[{")
    return _read_json(text) if is_json else _read_csv(text)


def _read_json(text):
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        return [], [Problem(None, "file", f"not valid JSON ({exc})")]
    if isinstance(data, dict):
        data = data.get("rows")
    if not isinstance(data, list):
        return [], [Problem(None, "file", 'JSON must be a list of row objects, or an object with a "rows" list')]
    records, problems = [], []
    for number, item in enumerate(data, start=1):
        if isinstance(item, dict):
            records.append((number, item))
        else:
            problems.append(Problem(number, "row", "not an object"))
    return records, problems


def _read_csv(text):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [Problem(None, "file", f"not readable as CSV ({exc})")]
    reader.fieldnames = header
    problems = [Problem(None, name, "column missing from the header") for name in REQUIRED_FIELDS if name not in header]
    records = []
    try:
        for number, raw in enumerate(reader, start=1):
            if None in raw:
                problems.append(Problem(number, "row", "more cells than the header has columns"))
                raw.pop(None)
            if not any((v or "").strip() for v in raw.values()):
                continue  # a blank line
            records.append((number, raw))
    except csv.Error as exc:
        problems.append(Problem(None, "file", f"not readable as CSV ({exc})"))
    return records, problems


def validate_records(records, skip_fields=frozenset()):
    """([(row number, {TraceRow field: clean value})], problems): every row checked, every problem kept."""
    clean_rows, problems = [], []
    for number, raw in records:
        values, row_problems = _validate_row(number, raw, skip_fields)
        problems += row_problems
        if not row_problems:
            clean_rows.append((number, values))
    return clean_rows, problems


def _validate_row(number, raw, skip_fields):
    values, problems = {}, []

    def problem(name, message):
        problems.append(Problem(number, name, message))

    for name in REQUIRED_FIELDS:
        if name in skip_fields:
            continue
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problem(name, "missing")
            continue
        if name in TEXT_FIELDS:
            text = str(value).strip()
            limit = TraceRow._meta.get_field(TEXT_FIELDS[name]).max_length
            if name == "route":
                route = ROUTE_NAMES.get(normalize_alias(text))
                if route is None:
                    problem(name, f'unknown route "{text}" (one of: {", ".join(Route.labels)})')
                values["route"] = route
            elif len(text) > limit:
                problem(name, f"longer than {limit} characters")
            else:
                values[TEXT_FIELDS[name]] = text
        elif name == "batchEligible":
            flag = _parse_bool(value)
            if flag is None:
                problem(name, f'not true/false: "{value}"')
            values["batch_eligible"] = flag
        elif name == "concurrency":
            number_value, error = _parse_decimal(value)
            if error:
                problem(name, error)
            elif number_value != number_value.to_integral_value() or number_value < 1:
                problem(name, "not a whole number of at least 1")
            elif number_value > 2_147_483_647:
                problem(name, "too large")
            else:
                values["concurrency"] = int(number_value)
        else:
            target = RATE_FIELDS.get(name) or TOKEN_FIELDS.get(name) or MEASURE_FIELDS[name]
            number_value, error = _parse_decimal(value)
            if error:
                problem(name, error)
                continue
            if name in RATE_FIELDS and not 0 <= number_value <= 1:
                problem(name, f"a rate outside 0..1: {value}")
                continue
            if number_value < 0:
                problem(name, f"negative tokens: {value}" if name in TOKEN_FIELDS else f"negative: {value}")
                continue
            fitted, error = _fit(number_value, TraceRow._meta.get_field(target))
            if error:
                problem(name, error)
            else:
                values[target] = fitted
    p50, p95 = values.get("latency_p50_ms"), values.get("latency_p95_ms")
    if p50 is not None and p95 is not None and p95 < p50:
        problem("latencyP95Ms", f"below latencyP50Ms ({p95} < {p50})")
    return values, problems


def _parse_decimal(value):
    """(Decimal, None) or (None, why not)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None, f"not a number: {json.dumps(value) if not isinstance(value, str) else value}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, "not a finite number"
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, f'not a number: "{value}"'
    if not number.is_finite():
        return None, f'not a finite number: "{value}"'
    return number, None


def _fit(number, model_field):
    """Round to the column's decimal places; refuse what the column cannot hold."""
    places = model_field.decimal_places
    limit = Decimal(10) ** (model_field.max_digits - places)
    if abs(number) >= limit:
        return None, f"too large (must be below {limit})"
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), None


def _parse_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def content_hash(clean_rows):
    """sha256 of the validated rows, order- and format-independent (see TraceDataset.content_sha256)."""
    canonical = sorted(
        json.dumps({k: str(v) for k, v in values.items()}, sort_keys=True, separators=(",", ":"))
        for _, values in clean_rows
    )
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def match_names(clean_rows):
    """({provider name: id}, {model name: id}, unmatched provider names, unmatched model names).

    The one resolver the scrapers use too (ProviderAlias.objects.resolve, ModelAlias.objects.resolve):
    slugs, names, aliases and provider synonyms ("Lambda Labs" finds Lambda). Four queries at most.
    """
    from scrapers.models import ProviderAlias

    provider_names = {values["provider_name"] for _, values in clean_rows}
    model_names = {values["model_name"] for _, values in clean_rows}
    providers = ProviderAlias.objects.resolve(provider_names)
    models_ = ModelAlias.objects.resolve(model_names)
    return (
        providers,
        models_,
        sorted(provider_names - set(providers)),
        sorted(model_names - set(models_)),
    )


def _free_slug(text):
    """slugify(text), with -2, -3 ... when another dataset has it (one query)."""
    base = slugify(text)[:140] or "traces"
    taken = set(TraceDataset.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def rematch(dataset):
    """Match a stored dataset's provider and model names to the catalogue again (after aliases or
    catalogue entries were added); updates the rows' links and the dataset's unmatched lists."""
    rows = list(dataset.rows.only("pk", "row_number", "provider_name", "model_name", "provider", "model"))
    names = [(r.row_number, {"provider_name": r.provider_name, "model_name": r.model_name}) for r in rows]
    providers, models_, unmatched_providers, unmatched_models = match_names(names)
    for r in rows:
        r.provider_id = providers.get(r.provider_name)
        r.model_id = models_.get(r.model_name)
    with transaction.atomic():
        TraceRow.objects.bulk_update(rows, ["provider", "model"], batch_size=1000)
        dataset.unmatched_providers = unmatched_providers
        dataset.unmatched_models = unmatched_models
        dataset.save(update_fields=["unmatched_providers", "unmatched_models"])
    return unmatched_providers, unmatched_models
