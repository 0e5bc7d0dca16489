"""The curated per-token data: models.yaml and offerings/<provider>.yaml (see data/README.md).

parse() validates without touching the database; save() writes idempotently, keyed by slug,
offering identity (provider, model, quantization, serving kind) and (offering, date, "curated").
"""

from dataclasses import dataclass, field
from pathlib import Path

from computeprices.curated import (
    CURATED_RANK,
    CURATED_SOURCE,
    GENERATED,
    Entry,
    Problems,
    check_unique_offerings,
    entry_label,
    parse_offering_file,
    price_provenance,
    read_yaml,
    upsert,
)
from computeprices.freshness import today_utc
from providers.models import Provider, normalize_alias

from .models import AttentionKind, InferenceOffering, InferencePriceObservation, LanguageModel, ModelAlias, ServingKind

DATA_DIR = Path(__file__).resolve().parent / "data"
# o1-pro lists $600 per 1M output tokens; a per-1K price stored per million would be far above this.
MAX_USD_PER_MTOK = 1000


@dataclass
class ModelCatalogue:
    models: list[dict] = field(default_factory=list)
    offerings: list[dict] = field(default_factory=list)


def parse(data_dir: Path, problems: Problems, provider_offers: dict[str, str]) -> ModelCatalogue:
    catalogue = ModelCatalogue()
    seen_aliases: dict[str, str] = {}
    _parse_models(data_dir / "models.yaml", catalogue, problems, seen_aliases)
    # The breadth built from licensed sources by `build_curated` (hand files win; see scrapers.catalogue_build).
    if (data_dir / GENERATED / "models.yaml").is_file():
        _parse_models(data_dir / GENERATED / "models.yaml", catalogue, problems, seen_aliases)
    model_slugs = {m["slug"] for m in catalogue.models}
    offering_files = sorted((data_dir / "offerings").glob("*.yaml")) + sorted(
        (data_dir / GENERATED / "offerings").glob("*.yaml")
    )
    if not offering_files:
        problems.add(str(data_dir / "offerings"), "no offering files found")
    for path in offering_files:
        catalogue.offerings += parse_offering_file(
            path, problems, provider_offers, Provider.Offers.GPU_RENTAL, _read_model_offering(model_slugs), _price
        )
    check_unique_offerings(
        catalogue.offerings,
        lambda o: (o["provider"], o["model"], o["quantization"], o["serving_kind"], o["region"]),
        problems,
        "inference offering",
    )
    return catalogue


ARCHITECTURE_FIELDS = (
    "num_layers",
    "kv_layers",
    "num_kv_heads",
    "head_dim",
    "attention_kind",
    "architecture_source_url",
)


def _parse_architecture(path, problems) -> dict[str, dict]:
    """{slug: architecture fields} from model_architecture.yaml (absent file: none)."""
    if not path.exists():
        return {}
    data = read_yaml(path, problems)
    if not isinstance(data, list):
        problems.add(path.name, "expected a list of model architectures")
        return {}
    facts = {}
    for i, item in enumerate(data):
        e = Entry(item, f"{path.name}, {entry_label(i, item)}", problems)
        slug = e.text("slug")
        row = {
            "num_layers": e.integer("layers", required=True, minimum=1),
            "kv_layers": e.integer("kv_layers", minimum=1),
            "num_kv_heads": e.integer("kv_heads", required=True, minimum=1),
            "head_dim": e.integer("head_dim", required=True, minimum=1),
            "attention_kind": e.choice("attention", set(AttentionKind.values)),
            "architecture_source_url": e.text("source_url"),
        }
        if row["kv_layers"] and row["num_layers"] and row["kv_layers"] > row["num_layers"]:
            problems.add(f"{e.where}, field 'kv_layers'", "more than layers")
        if slug in facts:
            problems.add(e.where, f"duplicate slug {slug!r}")
        facts[slug] = row
    return facts


def _parse_models(path, catalogue, problems, seen_aliases):
    """The models of one models.yaml, each with its facts from the model_architecture.yaml beside it (if any)."""
    architecture = _parse_architecture(path.parent / "model_architecture.yaml", problems)
    first = len(catalogue.models)
    _parse_model_list(path, catalogue, problems, seen_aliases)
    added = catalogue.models[first:]
    for slug in sorted(set(architecture) - {m["slug"] for m in added}):
        problems.add("model_architecture.yaml", f"unknown model {slug!r} (not in models.yaml)")
    for m in added:
        m.update(architecture.get(m["slug"]) or dict.fromkeys(ARCHITECTURE_FIELDS))
        for name in ("kv_layers", "attention_kind", "architecture_source_url"):
            if m[name] is None and name != "kv_layers":
                m[name] = ""


def _parse_model_list(path, catalogue, problems, seen_aliases):
    data = read_yaml(path, problems)
    if data is None:
        return
    if not isinstance(data, list):
        problems.add(path.name, "expected a list of models")
        return
    for i, item in enumerate(data):
        e = Entry(item, f"{path.name}, {entry_label(i, item)}", problems)
        model = {
            "slug": e.text("slug"),
            "name": e.text("name"),
            "creator": e.text("creator"),
            "family": e.text("family", required=False),
            "total_params_b": e.decimal("total_params_b", positive=True),
            "active_params_b": e.decimal("active_params_b", positive=True),
            "context_window": e.integer("context_window", minimum=1),
            "modalities": ",".join(e.string_list("modalities")) or "text",
            "open_weights": e.boolean("open_weights"),
            "release_date": e.day("release_date"),
            "license": e.text("license", required=False),
            "source_url": e.text("source_url", required=False),
            "reviewed": e.boolean("reviewed", default=True),
            "fact_sources": e.data.get("fact_sources") or {},
        }
        total, active = model["total_params_b"], model["active_params_b"]
        if total is not None and active is not None and active > total:
            problems.add(f"{e.where}, field 'active_params_b'", f"{active} is more than total_params_b {total}")
        aliases = {normalize_alias(a) for a in e.string_list("aliases") + [model["name"], model["slug"]]}
        for alias in sorted(aliases):
            owner = seen_aliases.setdefault(alias, model["slug"])
            if owner != model["slug"]:
                problems.add(f"{e.where}, field 'aliases'", f"alias {alias!r} already names model {owner!r}")
        model["aliases"] = aliases
        if any(m["slug"] == model["slug"] for m in catalogue.models):
            problems.add(e.where, f"duplicate model slug {model['slug']!r}")
        catalogue.models.append(model)


def _read_model_offering(model_slugs):
    def read(e):
        model = e.text("model")
        if model and model not in model_slugs:
            e.problems.add(f"{e.where}, field 'model'", f"unknown model {model!r} (not in models.yaml)")
        fields = {
            "model": model,
            "quantization": e.text("quantization", required=False),
            "serving_kind": e.choice(
                "serving_kind", set(ServingKind.values), required=False, default=ServingKind.SERVERLESS
            ),
            "region": e.text("region", required=False),
        }
        return fields, (model, fields["quantization"], fields["serving_kind"], fields["region"])

    return read


def _price(e, default_url, default_day):
    def token_price(name, required=False):
        # Zero is allowed (free tiers exist) but negative and absurd values are not.
        return e.decimal(name, required=required, maximum=MAX_USD_PER_MTOK)

    return {
        "observed_on": e.day("as_of", required=default_day is None, default=default_day),
        "usd_per_mtok_input": token_price("usd_per_mtok_input", required=True),
        "usd_per_mtok_output": token_price("usd_per_mtok_output", required=True),
        "usd_per_mtok_cached_input": token_price("usd_per_mtok_cached_input"),
        "usd_per_mtok_cache_write": token_price("usd_per_mtok_cache_write"),
        "batch_discount": e.decimal("batch_discount", maximum=1),
        "context_served": e.integer("context_served", minimum=1),
        "source_url": e.text("source_url", required=False, default=default_url),
        **price_provenance(e),
    }


def save(catalogue: ModelCatalogue, providers: dict[str, Provider], today=None) -> dict:
    today = today or today_utc()
    model_fields = [f for f in catalogue.models[0] if f not in ("slug", "aliases")] if catalogue.models else []
    models = {
        m.slug: m
        for m in upsert(
            LanguageModel,
            [LanguageModel(**{k: v for k, v in m.items() if k != "aliases"}) for m in catalogue.models],
            ["slug"],
            model_fields,
        )
    }
    aliases = [ModelAlias(alias=a, model=models[m["slug"]]) for m in catalogue.models for a in sorted(m["aliases"])]
    upsert(ModelAlias, aliases, ["alias"], ["model"])

    offerings = upsert(
        InferenceOffering,
        [
            InferenceOffering(
                provider=providers[o["provider"]],
                model=models[o["model"]],
                quantization=o["quantization"],
                serving_kind=o["serving_kind"],
                region=o["region"],
            )
            for o in catalogue.offerings
        ],
        ["provider", "model", "quantization", "serving_kind", "region"],
        ["quantization"],  # nothing else to update; a no-op update makes the row come back with its key
    )
    observations = [
        InferencePriceObservation(offering=offering, source=CURATED_SOURCE, rank=CURATED_RANK, is_curated=True, **price)
        for offering, o in zip(offerings, catalogue.offerings, strict=True)
        for price in o["prices"]
    ]
    upsert(
        InferencePriceObservation,
        observations,
        ["offering", "observed_on", "source"],
        [f for f in PRICE_FIELDS if f != "observed_on"] + ["rank", "is_curated"],
    )
    # Dates: what the curated prices say (price_date, or undated), never the day this loader ran.
    InferenceOffering.objects.filter(pk__in=[o.pk for o in offerings]).refresh_seen()
    return {
        "inference_providers": len({o["provider"] for o in catalogue.offerings}),
        "models": len(models),
        "inference_offerings": len(offerings),
        "inference_price_observations": len(observations),
    }


PRICE_FIELDS = [
    "observed_on",
    "usd_per_mtok_input",
    "usd_per_mtok_output",
    "usd_per_mtok_cached_input",
    "usd_per_mtok_cache_write",
    "batch_discount",
    "context_served",
    "source_url",
    "price_date",
    "origin_url",
]
