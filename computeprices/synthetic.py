"""A synthetic catalogue N times the loaded one, for benchmarks only (command `synth_data`).

Every synthetic row is marked so nobody mistakes it for data: providers are named
"Synthetic NNN <real name>" with slug "synthetic-NNN-<slug>" and a description saying so, and every
price observation has source "synthetic" and is not curated. GPUs and models stay the real ones.

Shape, for `scale` N (seeded, so the same seed and the same loaded catalogue give the same rows):
- each real provider gets N - 1 synthetic copies; each copy carries a seeded random share of its
  original's offerings (GPU_SHARE of the GPU offerings, TOKEN_SHARE of the token offerings), so at
  N = 100 the catalogue has ~20k GPU and ~14k token offerings on today's curated data;
- each synthetic offering has one observation a day over a window of 10 to 90 days inside the last
  365 days, at its original's latest price times a factor in [0.6, 1.5] that drifts by a few percent
  now and then; CURRENT_SHARE of the offerings' windows end in the last three days (current), the
  rest ended earlier in the year (stale or delisted).

Writing: offerings and providers through bulk_create; observations through COPY on PostgreSQL
(psycopg's cursor.copy) and bulk_create elsewhere. Rerunning first removes the previous synthetic rows.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from computeprices.dataversion import bump_data_version
from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation, GpuProviderDailyPrice, Provider

SOURCE = "synthetic"
SLUG_PREFIX = "synthetic-"
NAME_PREFIX = "Synthetic"
DESCRIPTION = "Synthetic benchmark data made by `manage.py synth_data`; not a real provider."
SOURCE_URL = "https://example.invalid/synthetic"
GPU_SHARE = 0.35
TOKEN_SHARE = 0.5
CURRENT_SHARE = 0.4
DAYS = 365
MIN_WINDOW, MAX_WINDOW = 10, 90
BATCH = 5000


@dataclass
class SynthCounts:
    providers: int = 0
    gpu_offerings: int = 0
    token_offerings: int = 0
    gpu_prices: int = 0
    token_prices: int = 0
    removed_prices: int = 0


def synthetic_providers():
    return Provider.objects.filter(slug__startswith=SLUG_PREFIX)


def clear_synthetic() -> int:
    """Remove every synthetic row (observations, daily prices, offerings, providers); returns prices removed."""
    providers = synthetic_providers()
    # _raw_delete: one DELETE each, without loading thousands of rows for signals or cascades (nothing
    # else points at synthetic rows); synth_data bumps the data version once at the end.
    removed = 0
    for observations in (
        GpuPriceObservation.objects.filter(offering__provider__in=providers),
        InferencePriceObservation.objects.filter(offering__provider__in=providers),
    ):
        removed += observations._raw_delete(observations.db)
    for rows in (
        GpuProviderDailyPrice.objects.filter(provider__in=providers),
        GpuOffering.objects.filter(provider__in=providers),
        InferenceOffering.objects.filter(provider__in=providers),
        providers,
    ):
        rows._raw_delete(rows.db)
    return removed


def _window(rng: random.Random, today: date) -> tuple[date, date]:
    """First and last day an offering was observed."""
    if rng.random() < CURRENT_SHARE:
        end = today - timedelta(days=rng.randint(0, 2))
    else:
        end = today - timedelta(days=rng.randint(3, DAYS - MIN_WINDOW))
    start = max(end - timedelta(days=rng.randint(MIN_WINDOW, MAX_WINDOW) - 1), today - timedelta(days=DAYS - 1))
    return start, end


def _walk(rng: random.Random, base: float, start: date, end: date):
    """(day, price) for each day of the window: a random factor that drifts by up to 5% on ~1 day in 20."""
    price = base * rng.uniform(0.6, 1.5)
    day = start
    while day <= end:
        if rng.random() < 0.05:
            price *= rng.uniform(0.95, 1.05)
        yield day, price
        day += timedelta(days=1)


def _defaults(model, set_fields):
    """[(field, default)] for the concrete columns synth_data does not set (fields added later keep working)."""
    fields = model._meta.concrete_fields
    return [(f, f.get_default()) for f in fields if not f.primary_key and f.attname not in set_fields]


class _Writer:
    """Collects observation rows and writes them in batches: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, model, fields):
        self.model, self.fields = model, list(fields)
        self.defaults = _defaults(model, set(self.fields))
        self.copy = connection.vendor == "postgresql"
        self.rows, self.count = [], 0

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        self.count += len(self.rows)
        if self.copy:
            self._copy()
        else:
            extra = {f.attname: default for f, default in self.defaults}
            self.model.objects.bulk_create(
                [self.model(**dict(zip(self.fields, row, strict=True)), **extra) for row in self.rows], batch_size=BATCH
            )
        self.rows = []

    def _copy(self):
        columns = [self.model._meta.get_field(f).column for f in self.fields] + [f.column for f, _ in self.defaults]
        tail = tuple(default for _, default in self.defaults)
        table = connection.ops.quote_name(self.model._meta.db_table)
        sql = f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in self.rows:
                copy.write_row(row + tail)


def _money(value: float, places: int):
    # Text for COPY (PostgreSQL parses numeric), Decimal for the ORM path.
    text = f"{value:.{places}f}"
    return text if connection.vendor == "postgresql" else Decimal(text)


def _ratio(price, base: float) -> float | None:
    return float(price) / base if price is not None and base else None


def synth_data(scale: int, seed: int = 13, today: date | None = None, log=None) -> SynthCounts:
    """Replace the synthetic rows with a catalogue `scale` times the loaded one (see the module docstring)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    today = today or today_utc()
    rng = random.Random(seed)
    counts = SynthCounts()
    log = log or (lambda message: None)
    with transaction.atomic():
        counts.removed_prices = clear_synthetic()
        bump_data_version()
        if scale == 1:
            return counts
        real = list(Provider.objects.exclude(slug__startswith=SLUG_PREFIX).order_by("slug"))
        gpu_offerings = list(
            GpuOffering.objects.filter(provider__in=real)
            .with_latest_price()
            .filter(latest_usd_per_gpu_hour__isnull=False)
            .order_by("provider__slug", "gpu__slug", "gpus_per_instance", "pricing_type", "region", "instance_name")
        )
        token_offerings = list(
            InferenceOffering.objects.filter(provider__in=real)
            .with_latest_price()
            .filter(latest_input__isnull=False, latest_output__isnull=False)
            .order_by("provider__slug", "model__slug", "quantization", "serving_kind")
        )
        copies = Provider.objects.bulk_create(
            [
                Provider(
                    name=f"{NAME_PREFIX} {k:03d} {p.name}"[:100],
                    slug=f"{SLUG_PREFIX}{k:03d}-{p.slug}"[:100],
                    website=p.website,
                    offers=p.offers,
                    description=DESCRIPTION,
                )
                for k in range(1, scale)
                for p in real
            ]
        )
        counts.providers = len(copies)
        copy_of = {(k, p.pk): copies[(k - 1) * len(real) + i] for k in range(1, scale) for i, p in enumerate(real)}
        log(f"{counts.providers} synthetic providers")

        gpu_rows = []  # (offering, original, window)
        new_gpu = []
        for k in range(1, scale):
            for o in gpu_offerings:
                if rng.random() >= GPU_SHARE:
                    continue
                window = _window(rng, today)
                new_gpu.append(
                    GpuOffering(
                        provider=copy_of[(k, o.provider_id)],
                        gpu_id=o.gpu_id,
                        gpus_per_instance=o.gpus_per_instance,
                        pricing_type=o.pricing_type,
                        region=o.region,
                        instance_name=o.instance_name,
                        vcpus=o.vcpus,
                        ram_gb=o.ram_gb,
                        last_seen_on=window[1],
                    )
                )
                gpu_rows.append((o, window))
        new_gpu = GpuOffering.objects.bulk_create(new_gpu, batch_size=BATCH)
        counts.gpu_offerings = len(new_gpu)
        log(f"{counts.gpu_offerings} synthetic GPU offerings")
        writer = _Writer(
            GpuPriceObservation,
            [
                "offering_id",
                "observed_on",
                "usd_per_gpu_hour",
                "usd_per_instance_hour",
                "source",
                "source_url",
                "is_curated",
            ],
        )
        for offering, (original, (start, end)) in zip(new_gpu, gpu_rows, strict=True):
            for day, price in _walk(rng, float(original.latest_usd_per_gpu_hour), start, end):
                instance = None
                if original.latest_usd_per_instance_hour is not None:
                    instance = _money(price * offering.gpus_per_instance, 4)
                writer.add((offering.pk, day, _money(price, 4), instance, SOURCE, SOURCE_URL, False))
        writer.flush()
        counts.gpu_prices = writer.count
        log(f"{counts.gpu_prices} synthetic GPU prices")

        token_rows = []
        new_token = []
        for k in range(1, scale):
            for o in token_offerings:
                if rng.random() >= TOKEN_SHARE:
                    continue
                window = _window(rng, today)
                new_token.append(
                    InferenceOffering(
                        provider=copy_of[(k, o.provider_id)],
                        model_id=o.model_id,
                        quantization=o.quantization,
                        serving_kind=o.serving_kind,
                        region=o.region,  # part of the offering's unique key since regions arrived
                        last_seen_on=window[1],
                    )
                )
                token_rows.append((o, window))
        new_token = InferenceOffering.objects.bulk_create(new_token, batch_size=BATCH)
        counts.token_offerings = len(new_token)
        log(f"{counts.token_offerings} synthetic token offerings")
        writer = _Writer(
            InferencePriceObservation,
            [
                "offering_id",
                "observed_on",
                "usd_per_mtok_input",
                "usd_per_mtok_output",
                "usd_per_mtok_cached_input",
                "usd_per_mtok_cache_write",
                "batch_discount",
                "context_served",
                "source",
                "source_url",
                "is_curated",
            ],
        )
        for offering, (original, (start, end)) in zip(new_token, token_rows, strict=True):
            base_in = float(original.latest_input)
            ratio_out = float(original.latest_output) / base_in if base_in else 1.0
            ratio_cached = _ratio(original.latest_cached_input, base_in)
            ratio_write = _ratio(original.latest_cache_write, base_in)
            for day, price_in in _walk(rng, base_in or 0.01, start, end):
                writer.add(
                    (
                        offering.pk,
                        day,
                        _money(price_in, 6),
                        _money(price_in * ratio_out, 6),
                        _money(price_in * ratio_cached, 6) if ratio_cached is not None else None,
                        _money(price_in * ratio_write, 6) if ratio_write is not None else None,
                        original.latest_batch_discount,
                        original.latest_context,
                        SOURCE,
                        SOURCE_URL,
                        False,
                    )
                )
        writer.flush()
        counts.token_prices = writer.count
        log(f"{counts.token_prices} synthetic token prices")
        # Seen / listed dates come from the observations through their one owner (providers.models.refresh_seen).
        # In chunks: one refresh_seen() over 20k offerings is a single CASE-per-row UPDATE that PostgreSQL
        # takes tens of minutes to plan and run.
        for model in (GpuOffering, InferenceOffering):
            pks = list(model.objects.filter(provider__slug__startswith=SLUG_PREFIX).values_list("pk", flat=True))
            for start in range(0, len(pks), BATCH):
                model.objects.filter(pk__in=pks[start : start + BATCH]).refresh_seen()
        bump_data_version()
    return counts
