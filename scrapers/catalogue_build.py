"""Build the shipped curated set's breadth from licence-compatible sources only (`python manage.py build_curated`).

Reads the recorded public files in ../shared/data (see its PROVENANCE.md) and writes the project's own
curated format beside the hand-curated files, which always win (an offering, model or provider already
in a hand file is never generated again):

  providers/data/generated/providers.yaml            providers the hand file lacks
  providers/data/generated/gpu_offerings/<slug>.yaml GPU prices
  inference/data/generated/models.yaml               models the hand file lacks (reviewed: false)
  inference/data/generated/offerings/<slug>.yaml     per-token prices

Only MIT-licensed inputs are read (LICENSED below); the files without a licence (SkyPilot's catalogues,
simonw/llm-prices, the OpenRouter 2026-08-08 snapshot, the saved HTML pages, gpu-radar) are never opened.
Every price carries the day it was collected (`as_of`: the snapshot's date), the date its source states
(`price_date`) or none (undated), the file it came from at its version (`origin_url`) and the provider's
own page for the reader (`source_url`). genai-prices states the day it checked each price
(`prices_checked` in its providers/*.yml): that is the price's date; every other source states none, so
those prices are undated. A price alone never creates a model or a GPU: models come from sources that
carry their facts, each fact with its source: models.dev's model files, OpenRouter's model list,
genai-prices entries that state a name, a context window and a maker (the id's org), and LiteLLM entries
of a maker pricing its own model with a stated context window (LITELLM_MAKERS). GPUs only from the
hand-made gpus.yaml, and a GPU name that does not say its exact variant (a bare "H100" or "A100 80GB") is
left out and counted.

Every per-token provider the sources name but the build ships no price for is listed, with what became
of its rows, by `build_curated` (Build.unshipped): 60 inference providers are not reachable from these
files, because the recorded models.dev copy holds only 13 of its provider folders and the one listing with
every provider per model (OpenRouter's endpoints, 2026-08-08) has no licence.

The output is deterministic: the same inputs give byte-identical files.
"""

import csv
import json
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.text import slugify

from providers.models import normalize_alias

from .normalize import Refused, token_price
from .sources import litellm as litellm_source
from .sources.base import TokenRecord, TokenUnit

PROVIDERS_DIR = Path(settings.BASE_DIR) / "providers" / "data"
INFERENCE_DIR = Path(settings.BASE_DIR) / "inference" / "data"
GENERATED = "generated"

MODELS_DEV_COMMIT = "f3fc692299671838c7c65fd8126bf84d81a2e817"
OPENROUTER_COMMIT = "c2c5cc8f21d590edb2f52219d20016606c0d00df"
LITELLM_COMMIT = "acd85765bed1dd4a97bf21ac23a840a883bf1dc7"
OCP_COMMIT = "42f4277b"
OCP_INFERENCE_COMMIT = "9cf337b452b9b3758ff267eeb90fef431ae18e80"

# Every input file this command reads, with its licence, collection date and where it lives upstream.
LICENSED = {
    "models.dev": ("MIT", date(2026, 7, 2), f"https://github.com/anomalyco/models.dev/tree/{MODELS_DEV_COMMIT}"),
    "openrouter-models": (
        "MIT (models.dev's copy of OpenRouter's /api/v1/models)",
        date(2026, 5, 15),
        f"https://github.com/anomalyco/models.dev/blob/{OPENROUTER_COMMIT}/models.json",
    ),
    "litellm": (
        "MIT (LiteLLM's price map, hourly copy by RoCry/llm-api-price)",
        date(2026, 2, 14),
        f"https://github.com/RoCry/llm-api-price/commit/{LITELLM_COMMIT}",
    ),
    "genai-prices": (
        "MIT",
        date(2026, 8, 21),
        "https://github.com/pydantic/genai-prices/blob/47df840a5ab10bbcffb8e5ac01b9899032245d1b/prices/new_data/v2/data.json",
    ),
    "opencomputeprices": (
        "MIT",
        date(2026, 3, 22),
        f"https://github.com/thatkavish/OpenComputePrices/tree/{OCP_COMMIT}/data",
    ),
}

CREATORS = {
    "meta": "Meta",
    "meta-llama": "Meta",
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "mistral": "Mistral AI",
    "mistralai": "Mistral AI",
    "deepseek": "DeepSeek",
    "deepseek-ai": "DeepSeek",
    "alibaba": "Alibaba",
    "qwen": "Alibaba",
    "moonshotai": "Moonshot AI",
    "zhipuai": "Z.ai",
    "z-ai": "Z.ai",
    "x-ai": "xAI",
    "xai": "xAI",
    "nvidia": "NVIDIA",
    "cohere": "Cohere",
    "minimax": "MiniMax",
    "minimaxai": "MiniMax",
    "microsoft": "Microsoft",
    "amazon": "Amazon",
    "perplexity": "Perplexity",
    "tencent": "Tencent",
    "xiaomi": "Xiaomi",
    "stepfun": "StepFun",
    "stepfun-ai": "StepFun",
    "baidu": "Baidu",
    "ibm-granite": "IBM",
    "ai21": "AI21 Labs",
    "inception": "Inception",
    "liquid": "Liquid AI",
    "nousresearch": "Nous Research",
    "bytedance": "ByteDance",
    "bytedance-seed": "ByteDance",
}

# models.dev provider directory -> catalogue provider slug
MODELS_DEV_PROVIDERS = {
    "togetherai": "together",
    "fireworks-ai": "fireworks",
    "deepinfra": "deepinfra",
    "groq": "groq",
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "cerebras": "cerebras",
    "nebius": "nebius",
    "novita-ai": "novita",
    "baseten": "baseten",
}

# LiteLLM provider -> catalogue slug, where the hand set spells it differently from slugify(provider name).
LITELLM_SLUGS = {
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "gemini": "google",
    "mistral": "mistral",
    "moonshot": "moonshotai",
    "novita": "novita",
    "lambda_ai": "lambda",
    "dashscope": "alibaba",
    "zai": "zai",
    "xai": "xai",
    "azure": "azure",
    "azure_ai": "azure-ai-foundry",
    "oci": "oci-generative-ai",
    "vercel_ai_gateway": "vercel-ai-gateway",
    "gradient_ai": "digitalocean-gradient",
    "nebius": "nebius",
}
# LiteLLM providers that are gateways, local runtimes, subscriptions or not a per-token market, and why.
LITELLM_SKIP = {
    "openrouter": "OpenRouter's prices come from its own model list (higher precedence)",
    "ollama": "local runtime, not a per-token market",
    "lemonade": "local runtime, not a per-token market",
    "github_copilot": "subscription, not a per-token market",
    "v0": "subscription, not a per-token market",
    "wandb": "prices about 1e5 times too high in this copy (PROVENANCE.md: known bad entries)",
    "text-completion-openai": "OpenAI's completion endpoint (OpenAI ships from its chat keys)",
}
LITELLM_NAMES = {
    "oci": "OCI Generative AI",
    "gradient_ai": "DigitalOcean Gradient AI",
    "amazon_nova": "Amazon Nova",
    "nlp_cloud": "NLP Cloud",
}
LITELLM_SLUGS.update({"amazon_nova": "amazon-nova", "nlp_cloud": "nlp-cloud"})
# LiteLLM providers that make the models they price, for models no other licensed source describes: the map
# states the context window, so an entry of theirs that states one is a fact source for the model (never an
# entry that states only a price or the legacy max_tokens, like Aleph Alpha's luminous-*-control).
LITELLM_MAKERS = {"nlp_cloud": "NLP Cloud", "aleph_alpha": "Aleph Alpha"}
# genai-prices provider id -> catalogue slug (others: slugify(id)); embeddings-only providers are skipped.
GENAI_SLUGS = {
    "aws": "bedrock",
    "x-ai": "xai",
    "fireworks": "fireworks",
    "together": "together",
    "moonshotai": "moonshotai",
    "zhipuai": "zhipu-ai",
    "ovhcloud": "ovhcloud",
}
GENAI_SKIP = {
    "openrouter": "OpenRouter's prices come from its own model list (higher precedence)",
    "voyageai": "embeddings only, not a language model market",
}

# OpenComputePrices provider -> catalogue slug (hand slugs where the provider is already curated).
OCP_PROVIDER_SLUGS = {
    "vastai": "vast",
    "lambda_labs": "lambda",
    "google_cloud": "gcp",
    "oracle_cloud": "oci",
    "hot_aisle": "hotaisle",
    "thunder_compute": "thundercompute",
    "alibaba_cloud": "alibaba-cloud",
    "packet·ai": "packet-ai",
    "database_mart": "database-mart",
    "flyio": "fly-io",
}
OCP_PROVIDER_NAMES = {
    "salad": "Salad",
    "ovh": "OVHcloud",
    "sesterce": "Sesterce",
    "koyeb": "Koyeb",
    "exoscale": "Exoscale",
    "cirrascale": "Cirrascale",
    "civo": "Civo",
    "lyceum": "Lyceum",
    "database_mart": "Database Mart",
    "packet·ai": "Packet.ai",
    "flyio": "Fly.io",
    "scaleway": "Scaleway",
    "oblivus": "Oblivus",
    "cerebrium": "Cerebrium",
    "hexabyte": "Hexabyte",
    "zenlayer": "Zenlayer",
    "upcloud": "UpCloud",
    "replicate": "Replicate",
    "breezehost": "BreezeHost",
    "gpuhub": "GPUHub",
    "beyondpl": "Beyond.pl",
    "alibaba_cloud": "Alibaba Cloud",
    "akash": "Akash Network",
    "aethir": "Aethir",
    "e2e": "E2E Networks",
    "gmicloud": "GMI Cloud",
    "linode": "Akamai (Linode)",
    "koyeb_": "Koyeb",
}
# Per-provider OpenComputePrices files read for GPU prices (others carry known unit bugs: azure's
# reservation totals, coreweave's per-node prices, oracle's per-day metrics; or are per-token rows).
OCP_GPU_FILES = [
    "getdeploying",
    "akash",
    "crusoe",
    "e2e",
    "gmicloud",
    "jarvislabs",
    "latitude",
    "tensordock",
    "thundercompute",
    "vultr",
    "aethir",
]

# Exact GPU variants by (name, memory per GPU in GB or None): only names that say their variant.
# A100/H100/H200 without form factor are ambiguous (SXM, PCIe, NVL) and are left out.
GPU_NAMES = {
    "l40s": "l40s",
    "l40": "l40",
    "l4": "l4",
    "t4": "t4",
    "a10": "a10",
    "a10g": "a10g",
    "a40": "a40",
    "rtx 4090": "rtx-4090",
    "rtx4090": "rtx-4090",
    "rtx 3090": "rtx-3090",
    "rtx 5090": "rtx-5090",
    "rtx a6000": "rtx-a6000",
    "a6000": "rtx-a6000",
    "rtx a5000": "rtx-a5000",
    "rtx a4000": "rtx-a4000",
    "rtx a4500": "rtx-a4500",
    "rtx 6000 ada": "rtx-6000-ada",
    "rtx 4000 ada": "rtx-4000-ada",
    "rtx pro 6000": "rtx-pro-6000",
    "nvidia rtx pro 6000 server edition": "rtx-pro-6000",
    "mi300x": "mi300x",
    "mi325x": "mi325x",
    "b200": "b200",
    "b300": "b300",
    "gh200": "gh200",
    "gb200": "gb200",
}
V100_BY_MEMORY = {16: "v100", 32: "v100-32gb"}
MAX_USD_PER_GPU_HOUR = Decimal(60)


@dataclass
class Build:
    providers: dict = field(default_factory=dict)  # slug -> provider entry (generated only)
    models: list = field(default_factory=list)  # generated model entries
    gpu_offerings: dict = field(default_factory=lambda: defaultdict(dict))  # slug -> {identity: entry}
    token_offerings: dict = field(default_factory=lambda: defaultdict(dict))
    left_out: Counter = field(default_factory=Counter)  # reason -> rows
    # (source, the source's provider id) -> [catalogue slug, Counter(what became of its rows)]
    source_providers: dict = field(default_factory=dict)

    def saw(self, source, source_provider, slug, outcome):
        entry = self.source_providers.setdefault((source, source_provider), [slug, Counter()])
        entry[1][outcome] += 1

    def unshipped(self, hand):
        """The per-token providers the licensed sources name that ship no price, each with what became of its
        rows: [(source, source's provider id, {outcome: rows})], sorted."""
        shipped = set(hand.inference_providers) | set(self.token_offerings)
        return [
            (source, pid, dict(sorted(outcomes.items())))
            for (source, pid), (slug, outcomes) in sorted(self.source_providers.items())
            if slug not in shipped
        ]

    def counts(self, hand):
        model_count = len(hand.models) + len(self.models)
        inference = set(hand.inference_providers) | set(self.token_offerings)
        gpu = set(hand.gpu_providers) | set(self.gpu_offerings)
        return {
            "models": model_count,
            "inference_providers": len(inference),
            "gpu_providers": len(gpu),
            "generated_models": len(self.models),
            "generated_providers": len(self.providers),
            "generated_inference_offerings": sum(len(v) for v in self.token_offerings.values()),
            "generated_gpu_offerings": sum(len(v) for v in self.gpu_offerings.values()),
        }


@dataclass
class Hand:
    """What the hand-curated files already hold (they win)."""

    providers: dict = field(default_factory=dict)  # slug -> offers
    models: dict = field(default_factory=dict)  # slug -> entry
    aliases: dict = field(default_factory=dict)  # normalized alias -> model slug
    gpu_identities: set = field(default_factory=set)
    token_identities: set = field(default_factory=set)
    gpu_providers: set = field(default_factory=set)
    inference_providers: set = field(default_factory=set)


def read_hand(providers_dir=PROVIDERS_DIR, inference_dir=INFERENCE_DIR) -> Hand:
    hand = Hand()
    for p in yaml.safe_load((providers_dir / "providers.yaml").read_text()):
        hand.providers[p["slug"]] = p["offers"]
    for m in yaml.safe_load((inference_dir / "models.yaml").read_text()):
        hand.models[m["slug"]] = m
        for alias in [m["slug"], m["name"], *(m.get("aliases") or [])]:
            hand.aliases.setdefault(normalize_alias(str(alias)), m["slug"])
    for path in sorted((providers_dir / "gpu_offerings").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        hand.gpu_providers.add(data["provider"])
        for o in data["offerings"]:
            hand.gpu_identities.add(
                (
                    data["provider"],
                    o["gpu"],
                    o["gpus_per_instance"],
                    o["pricing_type"],
                    o.get("region") or "",
                    o.get("instance_name") or "",
                )
            )
    for path in sorted((inference_dir / "offerings").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        hand.inference_providers.add(data["provider"])
        for o in data["offerings"]:
            hand.token_identities.add(
                (
                    data["provider"],
                    o["model"],
                    o.get("quantization") or "",
                    o.get("serving_kind") or "serverless",
                    o.get("region") or "",
                )
            )
    return hand


def squash(text):
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


BEDROCK_ID = re.compile(r"^(?:(?:us|eu|apac|global|jp|au|us-gov)\.)?[a-z0-9-]+\.(?P<model>[a-z][\w.-]*?)(?::\d+)?$")
FIREWORKS_POINT = re.compile(r"(?<=\d)p(?=\d)")


def respellings(name):
    """The same model id as other catalogues spell it, tried only after every exact spelling failed:
    Fireworks writes a version's point as "p" (qwen2p5-72b, glm-4p6, deepseek-v3p1), and Bedrock prefixes
    the maker and suffixes the revision (amazon.nova-lite-v1:0, meta.llama3-3-70b-instruct-v1:0)."""
    text = str(name or "").rsplit("/", 1)[-1]
    out = []
    if FIREWORKS_POINT.search(text):
        out.append(FIREWORKS_POINT.sub(".", text))
    match = BEDROCK_ID.match(text.lower())
    if match and "." in text.split(":")[0]:
        out.append(match.group("model"))
    return [o for o in out if o and o != text]


class ModelIndex:
    """Model lookups by every spelling the sources use: hand aliases first, then generated ones."""

    def __init__(self, hand: Hand):
        self.by_alias = dict(hand.aliases)
        self.by_squash = {}
        for alias, slug in hand.aliases.items():
            self.by_squash.setdefault(squash(alias), slug)
            self.by_squash.setdefault(squash(alias.rsplit("/", 1)[-1]), slug)
        self.slugs = set(hand.models)

    def find(self, *names):
        for name in names:
            if not name:
                continue
            slug = self.by_alias.get(normalize_alias(name))
            if slug:
                return slug
        for name in names:
            if not name:
                continue
            for key in (squash(name), squash(str(name).rsplit("/", 1)[-1])):
                if key in self.by_squash:
                    return self.by_squash[key]
        for name in names:
            for other in respellings(name):
                for key in (squash(other), squash(other.rsplit("/", 1)[-1])):
                    if key in self.by_squash:
                        return self.by_squash[key]
        return None

    def add(self, slug, aliases):
        self.slugs.add(slug)
        kept = []
        for alias in aliases:
            key = normalize_alias(str(alias))
            if key and key not in self.by_alias:
                self.by_alias[key] = slug
                kept.append(str(alias))
            self.by_squash.setdefault(squash(alias), slug)
            self.by_squash.setdefault(squash(str(alias).rsplit("/", 1)[-1]), slug)
        return kept

    def free_slug(self, text):
        base = slugify(text)[:140] or "model"
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        return slug


def _full_date(value):
    """A YYYY-MM-DD release date, or None (models.dev also writes months: "2025-04")."""
    text = str(value or "")
    return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


def _creator(prefix):
    return CREATORS.get(prefix.lower(), prefix.replace("-", " ").title())


def _context(value):
    return value if isinstance(value, int) and value > 0 else None


def build_models(data: Path, hand: Hand, index: ModelIndex, build: Build):
    """Models from models.dev's model files (MIT), then OpenRouter's model list (MIT copy): facts with sources."""
    models_dev = data / "inference" / "models_dev" / "models"
    md_url = f"https://github.com/anomalyco/models.dev/blob/{MODELS_DEV_COMMIT}/models"
    for path in sorted(models_dev.glob("*/*.toml")):
        facts = tomllib.loads(path.read_text())
        creator_dir, stem = path.parent.name, path.stem
        name = facts.get("name") or stem
        weights = [w.get("url", "") for w in facts.get("weights", []) if isinstance(w, dict)]
        hf = [u.split("huggingface.co/", 1)[1] for u in weights if "huggingface.co/" in u]
        aliases = [f"{creator_dir}/{stem}", stem, name, *hf]
        if index.find(*aliases):
            build.left_out["model already in the catalogue (models.dev)"] += 1
            continue
        slug = index.free_slug(f"{stem}")
        url = f"{md_url}/{creator_dir}/{path.name}"
        entry = {
            "slug": slug,
            "name": name,
            "creator": _creator(creator_dir),
            "family": str(facts.get("family") or ""),
            "context_window": _context(facts.get("limit", {}).get("context")),
            "modalities": [m for m in facts.get("modalities", {}).get("input", ["text"]) if isinstance(m, str)]
            or ["text"],
            "open_weights": bool(facts.get("open_weights", False)),
            "release_date": _full_date(facts.get("release_date")),
            "source_url": url,
            "reviewed": False,
            "fact_sources": {"name": url, "context_window": url, "open_weights": url, "release_date": url},
        }
        entry["aliases"] = index.add(slug, aliases)
        build.models.append(entry)

    or_file = data / "inference" / "openrouter" / "openrouter_models_2026-05-15.json"
    or_url = LICENSED["openrouter-models"][2]
    for m in json.loads(or_file.read_text())["data"]:
        model_id = m.get("id") or ""
        if not model_id or model_id.startswith("openrouter/") or model_id.endswith(":free"):
            continue
        base_id = model_id.removesuffix(":batch")
        name = re.sub(r"^[^:]+:\s*", "", m.get("name") or base_id)
        hf = m.get("hugging_face_id") or ""
        aliases = [base_id, m.get("canonical_slug") or "", hf, name]
        if index.find(*aliases):
            continue
        slug = index.free_slug(base_id.split("/", 1)[-1])
        entry = {
            "slug": slug,
            "name": name,
            "creator": _creator(base_id.split("/", 1)[0]),
            "family": "",
            "context_window": _context(m.get("context_length")),
            "modalities": [x for x in (m.get("architecture") or {}).get("input_modalities", ["text"]) if x] or ["text"],
            # OpenRouter links the Hugging Face repo of open-weight models; no link says nothing either way.
            "open_weights": bool(hf),
            "release_date": None,
            "source_url": f"https://openrouter.ai/{base_id}",
            "reviewed": False,
            "fact_sources": {"name": or_url, "context_window": or_url, "open_weights": or_url},
        }
        entry["aliases"] = index.add(slug, [a for a in aliases if a])
        build.models.append(entry)


def _token(build, hand, provider, model, serving_kind, region, price, reason_prefix):
    identity = (provider, model, "", serving_kind, region)
    if identity in hand.token_identities:
        build.left_out[f"{reason_prefix}: offering already in a hand file"] += 1
        return
    known = build.token_offerings[provider]
    if identity in known:
        return  # the first (higher-precedence) input wins
    known[identity] = {"model": model, "serving_kind": serving_kind, "region": region, **price}


def _price_fields(record, as_of, origin, source_url):
    """Normalize one token price the way the ingest does; None when the ingest would refuse it."""
    try:
        price = token_price(record)
    except Refused:
        return None
    if price.output < price.input:
        return None  # swapped or wrong unit (see PROVENANCE.md): never shipped
    fields = {
        "usd_per_mtok_input": str(price.input.normalize()),
        "usd_per_mtok_output": str(price.output.normalize()),
        "as_of": as_of,
        "origin_url": origin,
        "source_url": source_url,
    }
    if price.cached_input is not None:
        fields["usd_per_mtok_cached_input"] = str(price.cached_input.normalize())
    if price.batch_discount:
        fields["batch_discount"] = str(price.batch_discount)
    if record.context:
        fields["context_served"] = record.context
    return fields


def build_token_offerings(data: Path, hand: Hand, index: ModelIndex, build: Build, pages: dict):
    or_url = LICENSED["openrouter-models"][2]
    or_day = LICENSED["openrouter-models"][1]
    for m in json.loads((data / "inference" / "openrouter" / "openrouter_models_2026-05-15.json").read_text())["data"]:
        model_id = m.get("id") or ""
        if not model_id or model_id.startswith("openrouter/") or model_id.endswith(":free"):
            continue
        pricing = m.get("pricing") or {}
        try:
            prompt, completion = Decimal(pricing["prompt"]), Decimal(pricing["completion"])
        except Exception:
            build.left_out["openrouter: no price"] += 1
            continue
        slug = index.find(model_id.removesuffix(":batch"))
        if slug is None or prompt <= 0 or completion <= 0:
            build.left_out["openrouter: router, free or unknown model"] += 1
            continue
        record = TokenRecord(
            provider="OpenRouter",
            model=model_id,
            input=prompt,
            output=completion,
            unit=TokenUnit.PER_TOKEN,
            cached_input=_decimal(pricing.get("input_cache_read")),
            context=_context(m.get("context_length")),
        )
        fields = _price_fields(record, or_day, or_url, f"https://openrouter.ai/{model_id.removesuffix(':batch')}")
        if fields is None:
            build.left_out["openrouter: refused by the ingest's checks"] += 1
            continue
        kind = "batch" if model_id.endswith(":batch") else "serverless"
        _token(build, hand, "openrouter", slug, kind, "", fields, "openrouter")

    build_genai_offerings(data, hand, index, build, pages)

    md = data / "inference" / "models_dev" / "providers"
    md_day = LICENSED["models.dev"][1]
    for provider_dir, slug in MODELS_DEV_PROVIDERS.items():
        for path in sorted((md / provider_dir / "models").rglob("*.toml")):
            facts = tomllib.loads(path.read_text())
            cost = facts.get("cost")
            rel = path.relative_to(md / provider_dir / "models").with_suffix("").as_posix()
            model = index.find(facts.get("base_model") or "", rel, facts.get("name") or "")
            if not isinstance(cost, dict) or model is None:
                build.left_out["models.dev: no [cost] or unknown model"] += 1
                continue
            record = TokenRecord(
                provider=slug,
                model=rel,
                input=_decimal(cost.get("input")) or Decimal(0),
                output=_decimal(cost.get("output")) or Decimal(0),
                unit=TokenUnit.PER_1M,
                cached_input=_decimal(cost.get("cache_read", cost.get("cached_input"))),
                context=_context(facts.get("limit", {}).get("context")),
            )
            origin = f"https://github.com/anomalyco/models.dev/blob/{MODELS_DEV_COMMIT}/providers/{provider_dir}/models/{rel}.toml"
            fields = _price_fields(record, md_day, origin, pages.get(slug, ""))
            if fields is None:
                build.left_out["models.dev: refused by the ingest's checks"] += 1
                continue
            if hand.providers.get(slug, "inference") == "gpu":
                continue
            _token(build, hand, slug, model, "serverless", "", fields, "models.dev")

    ll_day = LICENSED["litellm"][1]
    ll_url = LICENSED["litellm"][2]
    raw = json.loads((data / "inference" / "litellm_prices_2026-02-14.json").read_text())
    for key, entry in raw.items():
        # One key at a time, so each record keeps its key (a key that is already the model's name, like
        # "amazon-nova/nova-micro-v1", has no candidate spelling to find it back by).
        parsed = litellm_source.parse({key: entry})
        provider = entry.get("litellm_provider") if isinstance(entry, dict) else None
        if key == "sample_spec" or not isinstance(provider, str) or not provider:
            continue  # the documentation entry
        slug = LITELLM_SLUGS.get(provider) or slugify(litellm_source.provider_name(provider))
        if not parsed.records:
            build.saw("litellm", provider, slug, parsed.skipped[0].reason)
            continue
        record = parsed.records[0]
        if provider in LITELLM_SKIP:
            build.left_out["litellm: gateway or not a per-token market"] += 1
            build.saw("litellm", provider, slug, LITELLM_SKIP[provider])
            continue
        model = index.find(record.model, *record.model_candidates, record.model.removeprefix("databricks-"))
        if model is None and provider in LITELLM_MAKERS and _context(entry.get("max_input_tokens")):
            model = _litellm_model(build, index, key, entry, LITELLM_MAKERS[provider])
        if model is None:
            build.left_out["litellm: model not in the catalogue"] += 1
            build.saw("litellm", provider, slug, "model in no licensed fact source (a price alone creates none)")
            continue
        fields = _price_fields(record, ll_day, ll_url, pages.get(slug, ""))
        if fields is None:
            build.left_out["litellm: refused by the ingest's checks"] += 1
            build.saw("litellm", provider, slug, "refused by the ingest's checks (ceiling, output < input)")
            continue
        if hand.providers.get(slug, "inference") == "gpu":
            continue
        build.saw("litellm", provider, slug, "published")
        if slug not in hand.providers and slug not in build.providers:
            build.providers[slug] = {
                "slug": slug,
                "name": LITELLM_NAMES.get(provider) or litellm_source.provider_name(provider),
                "website": "",
                "pricing_url": "",
                "offers": "inference",
                "description": "Inference API; added from LiteLLM's price map (not yet reviewed).",
                "reviewed": False,
                "fact_sources": {"name": ll_url, "offers": ll_url},
            }
        _token(build, hand, slug, model, "serverless", record.region, fields, "litellm")


def _litellm_model(build, index, key, entry, creator):
    """A model its own maker prices in LiteLLM's map, stated with its context window: the map is the fact
    source (name = the maker's model id, creator, context), unreviewed."""
    url = LICENSED["litellm"][2]
    name = key.rsplit("/", 1)[-1]
    slug = index.free_slug(name)
    entry = {
        "slug": slug,
        "name": name,
        "creator": creator,
        "family": "",
        "context_window": _context(entry.get("max_input_tokens")),
        "modalities": ["text", "image"] if entry.get("supports_vision") else ["text"],
        "open_weights": False,
        "release_date": None,
        "source_url": url,
        "reviewed": False,
        "fact_sources": {"name": url, "creator": url, "context_window": url},
    }
    entry["aliases"] = index.add(slug, [key, name])
    build.models.append(entry)
    return slug


def _match_names(match):
    """The literal model ids in a genai-prices match rule ({equals|starts_with: x} or {or: [...]})."""
    if not isinstance(match, dict):
        return []
    names = [match[k] for k in ("equals", "starts_with") if isinstance(match.get(k), str)]
    for sub in match.get("or") or []:
        names += _match_names(sub)
    return names


def _base(value):
    return value.get("base") if isinstance(value, dict) else value


GENAI_COMMIT = "47df840a5ab10bbcffb8e5ac01b9899032245d1b"


def genai_checked(data: Path) -> dict:
    """{(provider id, model id): the day genai-prices says it last checked that price} from its hand-curated
    providers/*.yml (the same commit as data_v2.json, which drops the field): the date the source states."""
    checked = {}
    for path in sorted((data / "inference" / "genai_prices" / "providers").glob("*.yml")):
        source = yaml.safe_load(path.read_text()) or {}
        for m in source.get("models") or []:
            day = m.get("prices_checked")
            if isinstance(day, date) and m.get("id"):
                checked[(str(source.get("id") or path.stem), str(m["id"]))] = (day, path.name)
    return checked


def genai_prices_on(prices, day):
    """The genai-prices `prices` dict in effect on `day`, or None. A list holds conditional prices: the
    unconditional one, replaced by the latest `start_date` on or before `day`; prices that hold only at some
    hours (DeepSeek's off-peak) are never a list price."""
    if isinstance(prices, list):
        chosen, since = None, None
        for p in prices:
            constraint = p.get("constraint") or {}
            start = constraint.get("start_date")
            if not constraint:
                chosen = chosen if since else p.get("prices")
            elif set(constraint) == {"start_date"} and isinstance(start, str | date):
                start = start if isinstance(start, date) else date.fromisoformat(start)
                if start <= day and (since is None or start > since):
                    chosen, since = p.get("prices"), start
        prices = chosen
    return prices if isinstance(prices, dict) else None


def _genai_model(build, index, pid, m):
    """A model genai-prices states with its name, its context window and its maker (the id's org prefix):
    those facts, each citing the file they were read from, unreviewed. None when it states less."""
    model_id, name, context = str(m.get("id") or ""), m.get("name"), _context(m.get("context_window"))
    org = model_id.split("/", 1)[0].lower() if "/" in model_id else ""
    if not (name and context and org in CREATORS):
        return None
    url = f"https://github.com/pydantic/genai-prices/blob/{GENAI_COMMIT}/prices/new_data/v2/data.json"
    slug = index.free_slug(model_id.split("/", 1)[1])
    entry = {
        "slug": slug,
        "name": str(name),
        "creator": CREATORS[org],
        "family": "",
        "context_window": context,
        "modalities": ["text"],
        "open_weights": False,
        "release_date": None,
        "source_url": url,
        "reviewed": False,
        "fact_sources": {"name": url, "creator": url, "context_window": url},
    }
    entry["aliases"] = index.add(slug, [model_id, str(name)])
    build.models.append(entry)
    return slug


def build_genai_offerings(data, hand, index, build, pages):
    lic, day, origin = LICENSED["genai-prices"]
    checked = genai_checked(data)
    for provider in json.loads((data / "inference" / "genai_prices" / "data_v2.json").read_text()):
        pid = provider["id"]
        slug = "hugging-face" if pid.startswith("huggingface_") else GENAI_SLUGS.get(pid) or slugify(pid)
        if pid in GENAI_SKIP:
            build.saw("genai-prices", pid, slug, GENAI_SKIP[pid])
            continue
        name = "Hugging Face Inference Providers" if pid.startswith("huggingface_") else provider.get("name") or pid
        page = (provider.get("pricing_urls") or [""])[0]
        for m in provider.get("models") or []:
            # The price in force on the day genai-prices checked it (or its snapshot's day), not the first listed.
            on = checked.get((pid, m.get("id")), (day, ""))[0]
            prices = genai_prices_on(m.get("prices"), on)
            if prices is None:
                build.saw("genai-prices", pid, slug, "only time-conditional prices")
                continue
            price_in, price_out = _decimal(_base(prices.get("input_mtok"))), _decimal(_base(prices.get("output_mtok")))
            model = index.find(m.get("id") or "", *_match_names(m.get("match")))
            if model is None and price_in is not None and price_out is not None:
                model = _genai_model(build, index, pid, m)
            if price_in is None or price_out is None or model is None:
                build.left_out["genai-prices: not priced per token or unknown model"] += 1
                build.saw(
                    "genai-prices",
                    pid,
                    slug,
                    "not priced per input and output token"
                    if price_in is None or price_out is None
                    else "model in no licensed fact source (a price alone creates none)",
                )
                continue
            record = TokenRecord(
                provider=slug,
                model=m.get("id") or "",
                input=price_in,
                output=price_out,
                unit=TokenUnit.PER_1M,
                cached_input=_decimal(_base(prices.get("cache_read_mtok"))),
                context=_context(m.get("context_window")),
            )
            fields = _price_fields(record, day, origin, pages.get(slug) or page)
            if fields is None:
                build.left_out["genai-prices: refused by the ingest's checks"] += 1
                build.saw("genai-prices", pid, slug, "refused by the ingest's checks (ceiling, output < input)")
                continue
            if (pid, m.get("id")) in checked:
                day_checked, file_name = checked[(pid, m.get("id"))]
                fields["price_date"] = day_checked
                fields["origin_url"] = (
                    f"https://github.com/pydantic/genai-prices/blob/{GENAI_COMMIT}/prices/providers/{file_name}"
                )
            if hand.providers.get(slug, "inference") == "gpu":
                continue
            build.saw("genai-prices", pid, slug, "published")
            if slug not in hand.providers and slug not in build.providers:
                build.providers[slug] = {
                    "slug": slug,
                    "name": name,
                    "website": "",
                    "pricing_url": page,
                    "offers": "inference",
                    "description": "Inference API; added from pydantic/genai-prices (not yet reviewed).",
                    "reviewed": False,
                    "fact_sources": {"name": origin, "pricing_url": origin, "offers": origin},
                }
            _token(build, hand, slug, model, "serverless", "", fields, "genai-prices")


def _decimal(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except Exception:
        return None


def _gpu_slug(name, memory_per_gpu):
    key = " ".join(str(name).lower().replace("nvidia", "").split())
    if key in ("v100", "tesla v100"):
        return V100_BY_MEMORY.get(memory_per_gpu)
    return GPU_NAMES.get(key)


def build_gpu_offerings(data: Path, hand: Hand, build: Build, gpu_slugs: set):
    base = data / "gpu" / "curated" / "opencomputeprices"
    for stem in OCP_GPU_FILES:
        path = base / f"{stem}.csv"
        origin = f"https://github.com/thatkavish/OpenComputePrices/blob/{OCP_COMMIT}/data/{stem}.csv"
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                provider_raw = row["provider"]
                if provider_raw.endswith("_sponsored"):
                    build.left_out["opencomputeprices: sponsored listing"] += 1
                    continue
                if row.get("pricing_type") not in ("on_demand", "spot"):
                    build.left_out["opencomputeprices: not on-demand or spot"] += 1
                    continue
                try:
                    count = int(float(row["gpu_count"] or 0))
                    per_gpu = Decimal(row["price_per_gpu_hour"] or "0")
                    memory_total = float(row["gpu_memory_gb"] or 0)
                except ValueError:
                    build.left_out["opencomputeprices: unreadable row"] += 1
                    continue
                if count < 1 or per_gpu <= 0 or per_gpu > MAX_USD_PER_GPU_HOUR:
                    build.left_out["opencomputeprices: no count or a price out of bounds"] += 1
                    continue
                memory = round(memory_total / count) if memory_total and memory_total > 100 and count > 1 else None
                memory = memory or (round(memory_total) if memory_total else None)
                gpu = _gpu_slug(row["gpu_name"], memory)
                if gpu is None or gpu not in gpu_slugs:
                    build.left_out["opencomputeprices: GPU name without its exact variant (or not catalogued)"] += 1
                    continue
                slug = OCP_PROVIDER_SLUGS.get(provider_raw) or slugify(provider_raw.replace("_", "-"))
                if hand.providers.get(slug) == "inference":
                    continue
                if slug not in hand.providers and slug not in build.providers:
                    build.providers[slug] = {
                        "slug": slug,
                        "name": OCP_PROVIDER_NAMES.get(provider_raw, provider_raw.replace("_", " ").title()),
                        "website": "",
                        "pricing_url": "",
                        "offers": "gpu",
                        "description": "GPU cloud; added from OpenComputePrices (not yet reviewed).",
                        "reviewed": False,
                        "fact_sources": {"name": origin, "offers": origin},
                    }
                elif slug in build.providers and build.providers[slug]["offers"] == "inference":
                    build.providers[slug]["offers"] = "both"
                instance = (row.get("instance_type") or "")[:100]
                identity = (slug, gpu, count, row["pricing_type"], (row.get("region") or "")[:100], instance)
                if identity in hand.gpu_identities:
                    build.left_out["opencomputeprices: offering already in a hand file"] += 1
                    continue
                as_of = date.fromisoformat(row["snapshot_date"]) if row.get("snapshot_date") else None
                entry = {
                    "gpu": gpu,
                    "gpus_per_instance": count,
                    "pricing_type": row["pricing_type"],
                    "region": identity[4],
                    "instance_name": instance,
                    "usd_per_gpu_hour": str(per_gpu.quantize(Decimal("0.0001")).normalize()),
                    "as_of": as_of,
                    "origin_url": origin,
                }
                known = build.gpu_offerings[slug]
                if identity not in known or Decimal(entry["usd_per_gpu_hour"]) < Decimal(
                    known[identity]["usd_per_gpu_hour"]
                ):
                    known[identity] = entry


# The collection days of the recorded snapshots that carry no licence (PROVENANCE.md): a hand-curated price
# dated one of these came from such a snapshot, and `build_curated` removes it from the shipped files.
UNLICENSED_SNAPSHOTS = {
    date(2026, 11, 23): "skypilot-org/skypilot-catalog v8 index copy (no licence)",
    date(2026, 4, 2): "anycloud-sh/catalog SkyPilot-format mirror (no licence)",
    date(2026, 4, 29): "anycloud-sh/catalog Vast catalog (no licence)",
    date(2026, 8, 8): "sui414/openrouter-pricing-data OpenRouter snapshot (no licence)",
    date(2025, 6, 21): "Jumbo2020/gpu_prices RunPod snapshot (no licence)",
    date(2023, 9, 21): "henryzhangpku/gpu-price-index saved CoreWeave page (no licence)",
    date(2024, 8, 22): "henryzhangpku/gpu-price-index saved Hyperstack page (no licence)",
    date(2025, 1, 9): "henryzhangpku/gpu-price-index saved FluidStack page (no licence)",
    date(2025, 8, 8): "henryzhangpku/gpu-price-index saved DataCrunch page (no licence)",
    date(2025, 9, 9): "henryzhangpku/gpu-price-index saved RunPod page (no licence)",
    date(2026, 1, 9): "henryzhangpku/gpu-price-index saved Lambda page (no licence)",
}
PRICE_KEYS = {
    "as_of",
    "usd_per_gpu_hour",
    "usd_per_instance_hour",
    "usd_per_mtok_input",
    "usd_per_mtok_output",
    "usd_per_mtok_cached_input",
    "usd_per_mtok_cache_write",
    "batch_discount",
    "context_served",
    "source_url",
    "price_date",
    "origin_url",
}


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)) if value else None


def drop_unlicensed(providers_dir=PROVIDERS_DIR, inference_dir=INFERENCE_DIR) -> Counter:
    """Remove from the hand-curated offering files every price taken from a snapshot without a licence (by
    its collection day, UNLICENSED_SNAPSHOTS); a removed current price is replaced by its newest remaining
    history entry, an offering with no price left is removed, and so is a file with no offering left.
    Header comments are kept. Returns {snapshot: prices removed}."""
    removed = Counter()
    for folder in (providers_dir / "gpu_offerings", inference_dir / "offerings"):
        for path in sorted(folder.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
            default_day = _as_date(data.get("as_of"))
            kept_offerings, changed = [], False
            for o in data["offerings"]:
                history = o.get("history") or []
                current = {k: v for k, v in o.items() if k in PRICE_KEYS}
                prices = [current] + history
                kept = []
                for price in prices:
                    day = _as_date(price.get("as_of")) or default_day
                    if day in UNLICENSED_SNAPSHOTS:
                        removed[UNLICENSED_SNAPSHOTS[day]] += 1
                        changed = True
                    else:
                        kept.append({**price, "as_of": day} if price is current and "as_of" not in price else price)
                if not kept:
                    continue
                kept.sort(key=lambda p: _as_date(p.get("as_of")) or default_day, reverse=True)
                identity = {k: v for k, v in o.items() if k not in PRICE_KEYS and k != "history"}
                rebuilt = {**identity, **kept[0]}
                if len(kept) > 1:
                    rebuilt["history"] = kept[1:]
                kept_offerings.append(rebuilt)
            if not changed:
                continue
            if not kept_offerings:
                path.unlink()
                continue
            comments = []
            for line in text.splitlines():
                if not line.startswith("#"):
                    break
                comments.append(line)
            comments.append(
                "# Prices from snapshots without a licence were removed by `build_curated` (catalogue_build.py)."
            )
            data["offerings"] = kept_offerings
            body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
            path.write_text("\n".join(comments) + "\n" + body, encoding="utf-8")
    return removed


def build(data: Path, providers_dir=PROVIDERS_DIR, inference_dir=INFERENCE_DIR) -> tuple[Build, Hand]:
    hand = read_hand(providers_dir, inference_dir)
    index = ModelIndex(hand)
    result = Build()
    pages = {
        p["slug"]: p.get("pricing_url") or "" for p in yaml.safe_load((providers_dir / "providers.yaml").read_text())
    }
    gpu_slugs = {g["slug"] for g in yaml.safe_load((providers_dir / "gpus.yaml").read_text())}
    build_models(data, hand, index, result)
    build_token_offerings(data, hand, index, result, pages)
    build_gpu_offerings(data, hand, result, gpu_slugs)
    # A provider added from a source but left without an offering is not shipped.
    used = set(result.gpu_offerings) | set(result.token_offerings)
    result.providers = {s: p for s, p in result.providers.items() if s in used}
    return result, hand


HEADER = (
    "# GENERATED by `python manage.py build_curated` from licence-compatible (MIT) sources only; do not edit:\n"
    "# hand-curated files beside this folder win, and a rerun rewrites this file. Inputs and licences:\n"
    + "".join(f"#   {name}: {lic}, collected {day}, {url}\n" for name, (lic, day, url) in LICENSED.items())
)


def _dump(path: Path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(HEADER + text, encoding="utf-8")


def write(result: Build, providers_dir=PROVIDERS_DIR, inference_dir=INFERENCE_DIR):
    pages = {
        p["slug"]: p.get("pricing_url") or "" for p in yaml.safe_load((providers_dir / "providers.yaml").read_text())
    }
    gen_p, gen_i = providers_dir / GENERATED, inference_dir / GENERATED
    for folder in (gen_p / "gpu_offerings", gen_i / "offerings"):
        if folder.is_dir():
            for old in folder.glob("*.yaml"):
                old.unlink()
    _dump(gen_p / "providers.yaml", [result.providers[s] for s in sorted(result.providers)])
    _dump(gen_i / "models.yaml", result.models)
    for slug, offerings in sorted(result.gpu_offerings.items()):
        entries = [offerings[k] for k in sorted(offerings, key=lambda k: tuple(map(str, k)))]
        _dump(
            gen_p / "gpu_offerings" / f"{slug}.yaml",
            {
                "provider": slug,
                "source_url": pages.get(slug) or LICENSED["opencomputeprices"][2],
                "as_of": LICENSED["opencomputeprices"][1],
                "offerings": entries,
            },
        )
    for slug, offerings in sorted(result.token_offerings.items()):
        entries = [offerings[k] for k in sorted(offerings, key=lambda k: tuple(map(str, k)))]
        _dump(
            gen_i / "offerings" / f"{slug}.yaml",
            {
                "provider": slug,
                "source_url": pages.get(slug) or entries[0]["origin_url"],
                "as_of": LICENSED["litellm"][1],
                "offerings": [{k: v for k, v in e.items() if v != ""} for e in entries],
            },
        )
