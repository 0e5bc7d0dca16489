"""The curated GPU-side data: providers.yaml, gpus.yaml and gpu_offerings/<provider>.yaml (see data/README.md).

parse() reads and validates everything without touching the database; save() writes it idempotently
(keyed by slugs, offering identity, and (offering, date, "curated") for prices).
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

from .models import Gpu, GpuAlias, GpuOffering, GpuPriceObservation, PricingType, Provider, normalize_alias

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_USD_PER_GPU_HOUR = 200  # well above any real single-GPU price; catches per-term totals and typos


@dataclass
class GpuCatalogue:
    providers: list[dict] = field(default_factory=list)
    gpus: list[dict] = field(default_factory=list)
    offerings: list[dict] = field(default_factory=list)
    provider_offers: dict[str, str] = field(default_factory=dict)


def parse(data_dir: Path, problems: Problems) -> GpuCatalogue:
    catalogue = GpuCatalogue()
    _parse_providers(data_dir / "providers.yaml", catalogue, problems)
    # The breadth built from licensed sources by `build_curated` (hand files win; see scrapers.catalogue_build).
    if (data_dir / GENERATED / "providers.yaml").is_file():
        _parse_providers(data_dir / GENERATED / "providers.yaml", catalogue, problems)
    _parse_gpus(data_dir / "gpus.yaml", catalogue, problems)
    gpu_slugs = {g["slug"] for g in catalogue.gpus}
    offering_files = sorted((data_dir / "gpu_offerings").glob("*.yaml"))
    generated_files = sorted((data_dir / GENERATED / "gpu_offerings").glob("*.yaml"))
    if not offering_files:
        problems.add(str(data_dir / "gpu_offerings"), "no offering files found")
    for path in offering_files:
        catalogue.offerings += parse_offering_file(
            path,
            problems,
            catalogue.provider_offers,
            Provider.Offers.INFERENCE_API,
            _read_gpu_offering(gpu_slugs),
            _price,
        )
    for path in generated_files:
        catalogue.offerings += parse_offering_file(
            path,
            problems,
            catalogue.provider_offers,
            Provider.Offers.INFERENCE_API,
            _read_gpu_offering(gpu_slugs),
            _price,
        )
    check_unique_offerings(
        catalogue.offerings, lambda o: (o["provider"], *(o[k] for k in IDENTITY)), problems, "GPU offering"
    )
    return catalogue


def _entries(path, problems):
    data = read_yaml(path, problems)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.add(str(path), "expected a list of entries")
        return []
    return [Entry(item, f"{path.name}, {entry_label(i, item)}", problems) for i, item in enumerate(data)]


def _parse_providers(path, catalogue, problems):
    for e in _entries(path, problems):
        provider = {
            "slug": e.text("slug"),
            "name": e.text("name"),
            "website": e.text("website", required=False),
            "pricing_url": e.text("pricing_url", required=False),
            "offers": e.choice("offers", set(Provider.Offers.values)),
            "description": e.text("description", required=False),
            "reviewed": e.boolean("reviewed", default=True),
            "fact_sources": e.data.get("fact_sources") or {},
        }
        if provider["slug"] in catalogue.provider_offers:
            problems.add(e.where, f"duplicate provider slug {provider['slug']!r}")
        catalogue.provider_offers[provider["slug"]] = provider["offers"]
        catalogue.providers.append(provider)


def _parse_gpus(path, catalogue, problems):
    seen_aliases: dict[str, str] = {}
    for e in _entries(path, problems):
        gpu = {
            "slug": e.text("slug"),
            "name": e.text("name"),
            "vendor": e.choice("vendor", set(Gpu.Vendor.values)),
            "architecture": e.text("architecture", required=False),
            "vram_gb": e.integer("vram_gb", required=True, minimum=1),
            "memory_bandwidth_gbps": e.integer("memory_bandwidth_gbps", minimum=1),
            "bf16_dense_tflops": e.decimal("bf16_dense_tflops"),
            "fp8_dense_tflops": e.decimal("fp8_dense_tflops"),
            "form_factor": e.choice("form_factor", set(Gpu.FormFactor.values)),
            "release_year": e.integer("release_year", minimum=2000),
            "spec_source_url": e.text("spec_source_url", required=False),
        }
        aliases = {normalize_alias(a) for a in e.string_list("aliases") + [gpu["name"], gpu["slug"]]}
        for alias in sorted(aliases):
            owner = seen_aliases.setdefault(alias, gpu["slug"])
            if owner != gpu["slug"]:
                problems.add(f"{e.where}, field 'aliases'", f"alias {alias!r} already names GPU {owner!r}")
        gpu["aliases"] = aliases
        if any(g["slug"] == gpu["slug"] for g in catalogue.gpus):
            problems.add(e.where, f"duplicate GPU slug {gpu['slug']!r}")
        catalogue.gpus.append(gpu)


def _read_gpu_offering(gpu_slugs):
    def read(e):
        gpu = e.text("gpu")
        if gpu and gpu not in gpu_slugs:
            e.problems.add(f"{e.where}, field 'gpu'", f"unknown GPU {gpu!r} (not in gpus.yaml)")
        fields = {
            "gpu": gpu,
            "gpus_per_instance": e.integer("gpus_per_instance", required=True, minimum=1),
            "pricing_type": e.choice("pricing_type", set(PricingType.values)),
            "region": e.text("region", required=False),
            "instance_name": e.text("instance_name", required=False),
            "vcpus": e.integer("vcpus", minimum=0),
            "ram_gb": e.integer("ram_gb", minimum=0),
        }
        return fields, tuple(fields[k] for k in IDENTITY)

    return read


IDENTITY = ("gpu", "gpus_per_instance", "pricing_type", "region", "instance_name")


def _price(e, default_url, default_day):
    return {
        "observed_on": e.day("as_of", required=default_day is None, default=default_day),
        "usd_per_gpu_hour": e.decimal("usd_per_gpu_hour", required=True, positive=True, maximum=MAX_USD_PER_GPU_HOUR),
        "usd_per_instance_hour": e.decimal("usd_per_instance_hour", positive=True),
        "source_url": e.text("source_url", required=False, default=default_url),
        **price_provenance(e),
    }


def save(catalogue: GpuCatalogue, today=None) -> dict:
    today = today or today_utc()
    provider_fields = ["name", "website", "pricing_url", "offers", "description", "reviewed", "fact_sources"]
    providers = {
        p.slug: p for p in upsert(Provider, [Provider(**p) for p in catalogue.providers], ["slug"], provider_fields)
    }
    gpu_fields = [f for f in catalogue.gpus[0] if f not in ("slug", "aliases")] if catalogue.gpus else []
    gpus = {
        g.slug: g
        for g in upsert(
            Gpu, [Gpu(**{k: v for k, v in g.items() if k != "aliases"}) for g in catalogue.gpus], ["slug"], gpu_fields
        )
    }
    aliases = [GpuAlias(alias=a, gpu=gpus[g["slug"]]) for g in catalogue.gpus for a in sorted(g["aliases"])]
    upsert(GpuAlias, aliases, ["alias"], ["gpu"])

    offerings = upsert(
        GpuOffering,
        [
            GpuOffering(
                provider=providers[o["provider"]],
                gpu=gpus[o["gpu"]],
                **{
                    k: o[k] for k in ("gpus_per_instance", "pricing_type", "region", "instance_name", "vcpus", "ram_gb")
                },
            )
            for o in catalogue.offerings
        ],
        ["provider", "gpu", *IDENTITY[1:]],
        ["vcpus", "ram_gb"],
    )
    observations = [
        GpuPriceObservation(
            offering=offering,
            observed_on=price["observed_on"],
            source=CURATED_SOURCE,
            usd_per_gpu_hour=price["usd_per_gpu_hour"],
            usd_per_instance_hour=price["usd_per_instance_hour"]
            or price["usd_per_gpu_hour"] * offering.gpus_per_instance,
            source_url=price["source_url"],
            price_date=price["price_date"],
            origin_url=price["origin_url"],
            rank=CURATED_RANK,
            is_curated=True,
        )
        for offering, o in zip(offerings, catalogue.offerings, strict=True)
        for price in o["prices"]
    ]
    upsert(
        GpuPriceObservation,
        observations,
        ["offering", "observed_on", "source"],
        ["usd_per_gpu_hour", "usd_per_instance_hour", "source_url", "price_date", "origin_url", "rank", "is_curated"],
    )
    # Dates: what the curated prices say (price_date, or undated), never the day this loader ran.
    GpuOffering.objects.filter(pk__in=[o.pk for o in offerings]).refresh_seen()
    return {
        "_providers": providers,
        "providers": len(providers),
        "gpu_providers": sum(1 for p in catalogue.providers if p["offers"] != Provider.Offers.INFERENCE_API),
        "gpus": len(gpus),
        "gpu_offerings": len(offerings),
        "gpu_price_observations": len(observations),
    }
