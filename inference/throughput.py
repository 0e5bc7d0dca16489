"""The curated throughput seed: inference/data/throughput_profiles.yaml into ThroughputProfile rows.

load_curated calls load_throughput_profiles() after the models and GPUs are saved. Every entry is
validated first (fields, then the physical bounds through ThroughputProfile.full_clean); any problem
raises CuratedDataError naming the entry and field, and nothing is written. An entry whose model or GPU
is not in the catalogue is skipped with a warning: the catalogue is curated elsewhere, and a missing
GPU must not block the rest of the data. Rows are upserted by key, and curated rows no longer in the
file are removed, so loading twice gives the same database.
"""

import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from computeprices.curated import CuratedDataError, Entry, Problems, read_yaml
from providers.models import Gpu, GpuAlias, normalize_alias

from .models import DecodeMeasure, LanguageModel, ModelAlias, PrefillMeasure, ThroughputPrecision, ThroughputProfile

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "throughput_profiles.yaml"
FIELDS = [
    "engine",
    "precision",
    "gpus_per_replica",
    "concurrency",
    "load",
    "input_tokens",
    "output_tokens",
    "prefill_tokens_per_second",
    "prefill_measure",
    "decode_tokens_per_second",
    "decode_measure",
    "source_url",
    "as_of",
    "note",
]


def _lookup(objects, aliases):
    """{every name an object answers to: object}: slug, name, slugified name, and its aliases."""
    by_name = {}
    for obj in objects:
        for name in (obj.slug, obj.name, slugify(obj.name)):
            by_name.setdefault(normalize_alias(name), obj)
    for alias, obj_id in aliases:
        obj = next((o for o in objects if o.pk == obj_id), None)
        if obj is not None:
            by_name.setdefault(alias, obj)
    return by_name


def _resolve(by_name, raw):
    for candidate in (raw, raw.split("/")[-1], slugify(raw), slugify(raw.split("/")[-1])):
        found = by_name.get(normalize_alias(candidate))
        if found is not None:
            return found
    return None


def _parse(path: Path, problems: Problems) -> list[dict]:
    data = read_yaml(path, problems)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.add(path.name, "expected a list of profiles")
        return []
    entries = []
    seen = set()
    for i, item in enumerate(data):
        label = item.get("key") if isinstance(item, dict) else None
        e = Entry(item, f"{path.name}, entry {i + 1}" + (f" ({label})" if label else ""), problems)
        row = {
            "key": e.text("key"),
            "model": e.text("model"),
            "gpu": e.text("gpu"),
            "engine": e.text("engine"),
            "precision": e.choice("precision", set(ThroughputPrecision.values)),
            "gpus_per_replica": e.integer("gpus_per_replica", required=True, minimum=1),
            "concurrency": e.integer("concurrency", minimum=1),
            "load": e.text("load", required=False),
            "input_tokens": e.integer("input_tokens", minimum=1),
            "output_tokens": e.integer("output_tokens", minimum=1),
            "prefill_tokens_per_second": e.decimal("prefill_tokens_per_second", positive=True),
            "prefill_measure": e.choice("prefill_measure", set(PrefillMeasure.values), required=False, default=""),
            "decode_tokens_per_second": e.decimal("decode_tokens_per_second", positive=True),
            "decode_measure": e.choice("decode_measure", set(DecodeMeasure.values), required=False, default=""),
            "source_url": e.text("source_url"),
            "as_of": e.day("as_of", required=True),
            "note": e.text("note", required=False),
            "where": e.where,
        }
        if row["key"] in seen:
            problems.add(e.where, f"duplicate key {row['key']!r}")
        seen.add(row["key"])
        entries.append(row)
    return entries


def load_throughput_profiles(path=DATA_FILE) -> int:
    """Validate and upsert the curated profiles in `path`; returns how many were loaded.

    Queries: the GPUs, GPU aliases, models and model aliases once each, then one upsert per profile.
    """
    path = Path(path)
    problems = Problems()
    rows = _parse(path, problems)
    if problems.items:
        raise CuratedDataError(problems.items)

    gpus = list(Gpu.objects.all())
    models_ = list(LanguageModel.objects.all())
    gpu_names = _lookup(gpus, GpuAlias.objects.values_list("alias", "gpu_id"))
    model_names = _lookup(models_, ModelAlias.objects.values_list("alias", "model_id"))

    profiles = []
    for row in rows:
        model = _resolve(model_names, row["model"])
        gpu = _resolve(gpu_names, row["gpu"])
        if model is None or gpu is None:
            missing = ", ".join(
                f"{kind} {row[kind]!r}" for kind, found in (("model", model), ("gpu", gpu)) if found is None
            )
            logger.warning("%s: skipped, not in the catalogue: %s", row["where"], missing)
            continue
        profile = ThroughputProfile(
            key=row["key"], model=model, gpu=gpu, is_curated=True, **{f: row[f] for f in FIELDS}
        )
        try:
            profile.full_clean(validate_unique=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    problems.add(f"{row['where']}, field '{field}'", message)
            continue
        profiles.append(profile)
    if problems.items:
        raise CuratedDataError(problems.items)

    with transaction.atomic():
        for profile in profiles:
            values = {f: getattr(profile, f) for f in FIELDS}
            ThroughputProfile.objects.update_or_create(
                key=profile.key, defaults={"model": profile.model, "gpu": profile.gpu, "is_curated": True, **values}
            )
        ThroughputProfile.objects.filter(is_curated=True).exclude(key__in=[p.key for p in profiles]).delete()
    return len(profiles)
