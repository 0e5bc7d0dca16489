"""The ingest path for endpoint speed measurements (EndpointMeasurement), beside the price ingest.

A speed source (`kind = "speed"`) parses its payload into SpeedRecords; `ingest()` here takes the place
of scrapers.ingest.ingest() for it inside the same `run_source()`: the same ScrapeRun counts, the same
name matching (scrapers.ingest.Catalogue: provider aliases and synonyms, model aliases), the same
UnmatchedName rows, one transaction per run and nothing written by a dry run or a failed run.

Differences from prices, and why:
  * a measurement never creates an offering: it attaches to the provider's serverless offering of the
    model with the endpoint's quantization (or the provider's only offering of the model when one side
    does not state a quantization); an endpoint with no such offering is listed as unmatched (kind
    "offering") on the run;
  * bounds: tokens/s per request must be above 0 and at most SPEED_CEILING, TTFT at least
    TTFT_FLOOR_MS (a smaller figure is a seconds/milliseconds mix-up) and at most TTFT_CEILING_MS,
    uptime 0-100; anything else is refused with the reason;
  * review: a p50 speed or p50 TTFT more than MOVE_FACTOR times from the offering's last published
    measurement is saved with status "pending" and its reason (approved or rejected in admin) and
    never reaches the pages until approved;
  * two endpoints of one offering (e.g. DeepInfra "turbo" and "fp8" rows both fp8) fold into the one
    whose price is cheapest, since the page shows that offering's cheapest price beside its speed.

Queries per run are constant: catalogue 4, offerings 1, previous measurements 1, same-day rows 1,
writes <= 2, unmatched names 2.
"""

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from inference.models import EndpointMeasurement, InferenceOffering, MeasurementStatus, ServingKind

from .ingest import MAX_UNMATCHED_LISTED, Catalogue, TokenKind
from .models import ScrapeRun, UnmatchedName
from .sources.speed import VALUE_FIELDS, SpeedRecord

SPEED_CEILING = Decimal("10000")  # tokens/s per request; the fastest served models stream ~2-3k
TTFT_FLOOR_MS = Decimal("1")
TTFT_CEILING_MS = Decimal("600000")  # ten minutes
MOVE_FACTOR = Decimal(5)
MAX_COUNT = 2**31 - 1  # the integer columns' range
OFFERING_KIND = "offering"  # unmatched kind for a known provider and model without a matching offering

SPEED_FIELDS = ("tokens_per_second_p50", "tokens_per_second_p90", "tokens_per_second_p99")
TTFT_FIELDS = ("ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99")
UPDATE_FIELDS = [*VALUE_FIELDS, "endpoint", "source_url", "status", "review_reason", "reference_tokens_per_second"]


class Refused(Exception):
    pass


def validate(record: SpeedRecord) -> SpeedRecord:
    """The record with figures rounded to the stored precision; raises Refused with the reason."""
    for field in SPEED_FIELDS:
        value = getattr(record, field)
        if value is not None and value <= 0:
            raise Refused("speed is zero or negative")
        if value is not None and value > SPEED_CEILING:
            raise Refused(f"speed above {SPEED_CEILING} tokens/s per request")
    for field in TTFT_FIELDS:
        value = getattr(record, field)
        if value is not None and value < TTFT_FLOOR_MS:
            raise Refused(f"time to first token below {TTFT_FLOOR_MS} ms (seconds given as ms?)")
        if value is not None and value > TTFT_CEILING_MS:
            raise Refused(f"time to first token above {TTFT_CEILING_MS} ms")
    if record.uptime_percent is not None and not 0 <= record.uptime_percent <= 100:
        raise Refused("uptime outside 0-100%")
    if record.tokens_per_second_p50 is None and record.ttft_ms_p50 is None and record.uptime_percent is None:
        raise Refused("no p50 speed, p50 time to first token or uptime")
    for field in ("request_count", "window_minutes"):
        value = getattr(record, field)
        if value is not None and not 0 <= value <= MAX_COUNT:
            raise Refused(f"{field.replace('_', ' ')} out of range")
    rounded = {}
    for field in SPEED_FIELDS:
        if getattr(record, field) is not None:
            rounded[field] = getattr(record, field).quantize(Decimal("0.01"))
    for field in TTFT_FIELDS:
        if getattr(record, field) is not None:
            rounded[field] = getattr(record, field).quantize(Decimal("0.1"))
    if record.uptime_percent is not None:
        rounded["uptime_percent"] = record.uptime_percent.quantize(Decimal("0.01"))
    return replace(record, **rounded)


def _moved(value, reference):
    if value is None or reference is None or reference <= 0:
        return False
    return value > reference * MOVE_FACTOR or value * MOVE_FACTOR < reference


def _fold_key(record):
    """Cheaper endpoint first, then the one with more requests behind its figures."""
    price = record.blended_usd_per_mtok
    return (price is None, price or 0, -(record.request_count or 0))


def _match_offering(offerings, provider_id, model_id, quantization):
    """The offering id for an endpoint: exact quantization, else the only offering where one side is unstated."""
    candidates = offerings.get((provider_id, model_id), {})
    if quantization in candidates:
        return candidates[quantization]
    if len(candidates) == 1:
        ((only_quant, pk),) = candidates.items()
        if only_quant == "" or quantization == "":
            return pk
    return None


def ingest(source, parsed, *, run, day, dry_run=False):
    """Match, validate and save parsed SpeedRecords; fills the run's counts and status (like prices)."""
    run.rows_seen = parsed.rows_seen
    reasons = Counter()
    for skip in parsed.skipped:
        if skip.refused:
            run.rows_refused += 1
            reasons[skip.reason] += 1
        else:
            run.rows_skipped += 1
    records = []
    for record in parsed.records:
        try:
            records.append(validate(record))
        except Refused as exc:
            run.rows_refused += 1
            reasons[str(exc)] += 1
    if not parsed.records and not parsed.skipped:
        raise ValueError("the payload held no endpoints at all (did the format change?)")

    catalogue = Catalogue(TokenKind, records)
    matched, unmatched = [], Counter()
    for record in records:
        provider_id, model_id = catalogue.provider(record.provider), catalogue.item(record)
        if provider_id is None:
            unmatched[(UnmatchedName.Kind.PROVIDER, record.provider)] += 1
        if model_id is None:
            unmatched[(UnmatchedName.Kind.MODEL, record.model)] += 1
        if provider_id is None or model_id is None:
            run.rows_unmatched += 1
            continue
        matched.append((provider_id, model_id, record))

    offerings = {}
    if matched:
        found = InferenceOffering.objects.filter(
            provider_id__in={p for p, _, _ in matched},
            model_id__in={m for _, m, _ in matched},
            serving_kind=ServingKind.SERVERLESS,
        ).values_list("pk", "provider_id", "model_id", "quantization")
        for pk, provider_id, model_id, quantization in found:
            offerings.setdefault((provider_id, model_id), {})[quantization] = pk
    rows = {}
    for provider_id, model_id, record in matched:
        offering_id = _match_offering(offerings, provider_id, model_id, record.quantization)
        if offering_id is None:
            run.rows_unmatched += 1
            name = f"{record.provider} | {record.model} | {record.quantization or 'quantization not stated'}"
            unmatched[(OFFERING_KIND, name)] += 1
            continue
        if offering_id in rows:
            run.rows_collapsed += 1
            if _fold_key(record) >= _fold_key(rows[offering_id]):
                continue
        rows[offering_id] = record

    with transaction.atomic():
        _save(source, run, rows, day, dry_run)
        run.refusal_reasons = dict(reasons.most_common())
        run.unmatched_names = [[k, name, n] for (k, name), n in unmatched.most_common(MAX_UNMATCHED_LISTED)]
        # Offerings are not an UnmatchedName kind (their fix is a price source, not an alias): run only.
        named = {(k, name): n for (k, name), n in unmatched.items() if k != OFFERING_KIND}
        if not dry_run:
            UnmatchedName.objects.filter(source=source.name, resolved=False).exclude(
                raw_name__in=[name[:200] for _, name in named]
            ).update(resolved=True)
        if not dry_run and named:
            now = timezone.now()
            UnmatchedName.objects.bulk_create(
                [
                    UnmatchedName(source=source.name, kind=k, raw_name=name[:200], rows=n, last_seen=now, last_run=run)
                    for (k, name), n in named.items()
                ],
                update_conflicts=True,
                unique_fields=["source", "kind", "raw_name"],
                update_fields=["rows", "last_seen", "last_run", "resolved"],
            )
    problems = run.rows_refused + run.rows_unmatched + run.rows_flagged
    run.status = ScrapeRun.Status.PARTIAL if problems else ScrapeRun.Status.OK
    return run


def _save(source, run, rows, day, dry_run):
    ids = list(rows)
    previous = {}
    if ids:
        # Each offering's newest published measurement before this (day, source) row.
        newest = (
            EndpointMeasurement.objects.published()
            .filter(offering=OuterRef("pk"), measured_on__lte=day)
            .exclude(measured_on=day, source=source.name)
            .order_by("-measured_on", "-pk")
        )
        annotated = InferenceOffering.objects.filter(pk__in=ids).annotate(
            tps=Subquery(newest.values("tokens_per_second_p50")[:1]), ttft=Subquery(newest.values("ttft_ms_p50")[:1])
        )
        previous = {pk: (tps, ttft) for pk, tps, ttft in annotated.values_list("pk", "tps", "ttft")}
    existing = (
        {
            m.offering_id: m
            for m in EndpointMeasurement.objects.filter(offering_id__in=ids, measured_on=day, source=source.name)
        }
        if ids
        else {}
    )

    to_create, to_update = [], []
    for offering_id, record in rows.items():
        prev_tps, prev_ttft = previous.get(offering_id, (None, None))
        status, reason, reference = MeasurementStatus.PUBLISHED, "", None
        if _moved(record.tokens_per_second_p50, prev_tps):
            status, reference = MeasurementStatus.PENDING, prev_tps
            reason = f"p50 speed moved more than {MOVE_FACTOR}x from the last published {prev_tps} tokens/s"
        elif _moved(record.ttft_ms_p50, prev_ttft):
            status = MeasurementStatus.PENDING
            reason = f"p50 time to first token moved more than {MOVE_FACTOR}x from the last published {prev_ttft} ms"
        if status == MeasurementStatus.PENDING:
            run.rows_flagged += 1
        values = {
            **record.values(),
            "endpoint": record.endpoint[:200],
            "source_url": record.source_url[:500],
            "status": status,
            "review_reason": reason[:200],
            "reference_tokens_per_second": reference,
        }
        row = existing.get(offering_id)
        if row is None:
            if status == MeasurementStatus.PUBLISHED:
                run.rows_new += 1
            to_create.append(
                EndpointMeasurement(offering_id=offering_id, measured_on=day, source=source.name, **values)
            )
        elif row.status == MeasurementStatus.REJECTED or all(getattr(row, f) == v for f, v in values.items()):
            if status == MeasurementStatus.PUBLISHED:
                run.rows_unchanged += 1
        else:
            if status == MeasurementStatus.PUBLISHED:
                run.rows_changed += 1
            for field, v in values.items():
                setattr(row, field, v)
            to_update.append(row)
    if dry_run:
        return
    EndpointMeasurement.objects.bulk_create(to_create)
    if to_update:
        EndpointMeasurement.objects.bulk_update(to_update, UPDATE_FIELDS)
