"""Cite where each hand-curated price came from (`python manage.py build_curated --cite-hand`).

The hand-curated files (providers/data/gpu_offerings/*.yaml, inference/data/offerings/*.yaml) were derived
from recorded public snapshots; a price's `as_of` names the snapshot it was read from. For every price in
them (current and history entries, both markets) this finds that snapshot, checks that it holds the same
provider and model (or provider, GPU and instance) at exactly the same value, and only then writes
`origin_url: <the snapshot file at its pinned version>` into the entry, plus `price_date` where the
snapshot states when the price was checked (genai-prices' `prices_checked`). A price whose snapshot is
unknown, has no licence, lacks the offering or holds another value is not cited: it is listed with the
reason and counted. Nothing is guessed.

The edit is line-level (one inserted line per field, at the entry's own indentation), so comments, anchors
and layout stay as they are; the result is checked to load as the same data plus the new fields. A second
run finds every citation in place and changes nothing. The snapshots' licences, commits and provider maps
are catalogue_build's (one home for each).
"""

import csv
import json
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.utils.text import slugify

from providers.models import normalize_alias

from . import catalogue_build as cb
from .sources import litellm as litellm_source
from .sources import runpod as runpod_source

# The recorded LiteLLM price maps (RoCry/llm-api-price's hourly copies of LiteLLM's MIT map), by day.
LITELLM_FILES = {
    date(2025, 8, 14): ("litellm_prices_2025-08-14.json", "6f73d78c5f430f787da9ddc21173bb828b789a4d"),
    date(2026, 2, 14): ("litellm_prices_2026-02-14.json", cb.LITELLM_COMMIT),
}
LITELLM_PATH = "model_prices_and_context_window.json"
# OpenComputePrices' skypilot.csv and azure.csv are from an earlier commit than its small provider files.
OCP_SKYPILOT_COMMIT = "95870c11"
OCP_DAYS = {date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23)}
# SkyPilot's cloud name in OpenComputePrices' skypilot.csv -> catalogue slug (others: the same word).
OCP_SKYPILOT_SLUGS = {"do": "digitalocean", "lambda_labs": "lambda"}
# RunPod's gpuTypes response recorded in ewyluda/gpu-price-index (MIT; the repo adds that prices remain their
# publishers' information). Its fetch date is unknown: the hand file dates it 2026-09-29, the first day of
# that repo's observations.
EWYLUDA_COMMIT = "d789fed5946ca8be74259a201f147c75480066b6"
EWYLUDA_DAY = date(2026, 9, 29)
LICENCES = {
    "litellm": "MIT (LiteLLM's price map)",
    "models.dev": cb.LICENSED["models.dev"][0],
    "genai-prices": cb.LICENSED["genai-prices"][0],
    "opencomputeprices": cb.LICENSED["opencomputeprices"][0],
    "ewyluda": "MIT (ewyluda/gpu-price-index; its note: prices remain their publishers' information)",
}
# Every file a citation may point at starts with one of these (tests check the shipped citations).
LICENSED_PREFIXES = (
    *(f"https://github.com/RoCry/llm-api-price/blob/{commit}/{LITELLM_PATH}" for _, commit in LITELLM_FILES.values()),
    f"https://github.com/anomalyco/models.dev/blob/{cb.MODELS_DEV_COMMIT}/providers/",
    f"https://github.com/pydantic/genai-prices/blob/{cb.GENAI_COMMIT}/prices/",
    f"https://github.com/thatkavish/OpenComputePrices/blob/{cb.OCP_COMMIT}/data/",
    f"https://github.com/thatkavish/OpenComputePrices/blob/{OCP_SKYPILOT_COMMIT}/data/",
    f"https://github.com/thatkavish/OpenComputePrices/blob/{cb.OCP_INFERENCE_COMMIT}/data/",
    f"https://github.com/ewyluda/gpu-price-index/blob/{EWYLUDA_COMMIT}/tests/fixtures/runpod.json",
)

# LiteLLM provider slugs (catalogue_build's spelling) that the hand files file under the cloud that sells them:
# the hand files' `azure` holds Azure AI Foundry's serverless models (LiteLLM's azure_ai/* keys) beside Azure
# OpenAI (azure/*), and `google` holds Vertex AI's partner models (vertex_ai/*) beside Gemini.
HAND_PROVIDER = {"azure-ai-foundry": "azure", "google-vertex-ai": "google"}

# Reasons a price is not cited.
NO_SNAPSHOT = "no recorded licensed snapshot of this date"
UNLICENSED = "its snapshot has no licence"
NOT_IN_SNAPSHOT = "the snapshot does not hold this provider and model"
NOT_IN_SNAPSHOT_GPU = "the snapshot does not hold this provider, GPU and instance"
VALUE_DIFFERS = "the snapshot holds another value"
ROUNDED = "the hand file rounds the snapshot's value"
GPU_DIFFERS = "the snapshot does not name this exact GPU variant"
OTHER_ORIGIN = "already cites another origin"
OTHER_DATE = "already states another price_date"


@dataclass(frozen=True)
class Candidate:
    """One price a snapshot holds for an offering."""

    snapshot: str
    origin_url: str
    values: tuple  # inference: (input, output) USD per 1M; GPU: (instance USD/hour, per-GPU USD/hour, GPUs)
    label: str  # the snapshot's own key for it
    price_date: date | None = None
    gpu_name: str = ""


@dataclass
class Outcome:
    market: str  # "gpu" or "inference"
    path: str
    where: str  # offering and entry, for the listing
    as_of: date
    origin_url: str = ""
    snapshot: str = ""  # the cited snapshot's name (a key of LICENCES)
    price_date: date | None = None
    reason: str = ""  # why it is not cited ("" = cited)
    detail: str = ""


@dataclass
class Citations:
    outcomes: list[Outcome] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    def counts(self):
        """{market: Counter('cited' or the reason: prices)}."""
        out = defaultdict(Counter)
        for o in self.outcomes:
            out[o.market][o.reason or "cited"] += 1
        return {m: out[m] for m in sorted(out)}

    def by_snapshot(self):
        """{(market, snapshot, its licence): prices cited from it}."""
        cited = Counter((o.market, o.snapshot, LICENCES[o.snapshot]) for o in self.outcomes if not o.reason)
        return dict(sorted(cited.items()))

    @property
    def refused(self):
        return [o for o in self.outcomes if o.reason]


def _dec(value):
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace("$", "").replace(",", "").split(" ")[0].split("/")[0]
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _mtok(value, per):
    """USD per 1M tokens from a price `per` tokens (1 = per token)."""
    d = _dec(value)
    return None if d is None else (d * Decimal(1_000_000) / Decimal(per)).normalize()


def genai_price_on(prices, day):
    """(input, output) USD per 1M in effect on `day` from a genai-prices `prices` field, or None."""
    prices = cb.genai_prices_on(prices, day)
    if prices is None:
        return None
    price_in, price_out = _dec(cb._base(prices.get("input_mtok"))), _dec(cb._base(prices.get("output_mtok")))
    return None if price_in is None or price_out is None else (price_in, price_out)


class Snapshots:
    """The licensed snapshots the hand files were derived from, indexed by (day, provider slug, offering key)."""

    def __init__(self, data: Path, hand: cb.Hand, gpus: list[dict]):
        self.data = data
        self.index = cb.ModelIndex(hand)
        self.token = defaultdict(list)  # (day, provider, model slug) -> [Candidate]
        self.genai_dated = defaultdict(list)  # (provider, model slug) -> [Candidate] with a checked date
        self.genai_elsewhere = defaultdict(set)  # (provider, model) -> genai provider ids that hold it via HF
        self.gpu = defaultdict(list)  # (day, provider, pricing type) -> [Candidate]
        self.gpu_aliases = {}
        for g in gpus:
            for alias in [g["slug"], g["name"], *(g.get("aliases") or [])]:
                self.gpu_aliases.setdefault(normalize_alias(str(alias)), g["slug"])
        self.gpu_names = {g["slug"]: [g["slug"], g["name"], *(g.get("aliases") or [])] for g in gpus}
        self.days_token = set(LITELLM_FILES) | OCP_DAYS | {cb.LICENSED["models.dev"][1], cb.LICENSED["genai-prices"][1]}
        self.days_gpu = OCP_DAYS | {EWYLUDA_DAY}
        self._litellm()
        self._models_dev()
        self._genai()
        self._ocp_inference()
        self._ocp_gpu()
        self._runpod()

    # --- per-token snapshots --------------------------------------------------------------------------
    def _litellm(self):
        for day, (name, commit) in sorted(LITELLM_FILES.items()):
            url = f"https://github.com/RoCry/llm-api-price/blob/{commit}/{LITELLM_PATH}"
            path = self.data / "inference" / name
            if not path.is_file():
                continue
            raw = json.loads(path.read_text())
            for key, entry in raw.items():
                provider = entry.get("litellm_provider") if isinstance(entry, dict) else None
                if key == "sample_spec" or not isinstance(provider, str):
                    continue
                price_in = _mtok(entry.get("input_cost_per_token"), 1)
                price_out = _mtok(entry.get("output_cost_per_token"), 1)
                if price_in is None or price_out is None:
                    continue
                slug = cb.LITELLM_SLUGS.get(provider) or slugify(litellm_source.provider_name(provider))
                slug = HAND_PROVIDER.get(slug, slug)
                model_name, others = litellm_source.model_names(key, provider)
                model = self.index.find(model_name, *others, model_name.removeprefix("databricks-"))
                if model:
                    self.token[(day, slug, model)].append(Candidate("litellm", url, (price_in, price_out), key))

    def _models_dev(self):
        day = cb.LICENSED["models.dev"][1]
        md = self.data / "inference" / "models_dev" / "providers"
        for provider_dir, slug in sorted(cb.MODELS_DEV_PROVIDERS.items()):
            for path in sorted((md / provider_dir / "models").rglob("*.toml")):
                facts = tomllib.loads(path.read_text())
                cost = facts.get("cost")
                rel = path.relative_to(md / provider_dir / "models").with_suffix("").as_posix()
                model = self.index.find(facts.get("base_model") or "", rel, facts.get("name") or "")
                if not isinstance(cost, dict) or model is None:
                    continue
                price_in, price_out = _dec(cost.get("input")), _dec(cost.get("output"))
                if price_in is None or price_out is None:
                    continue
                url = (
                    f"https://github.com/anomalyco/models.dev/blob/{cb.MODELS_DEV_COMMIT}/providers/"
                    f"{provider_dir}/models/{rel}.toml"
                )
                self.token[(day, slug, model)].append(Candidate("models.dev", url, (price_in, price_out), rel))

    def _genai(self):
        day = cb.LICENSED["genai-prices"][1]
        data_url = cb.LICENSED["genai-prices"][2]
        checked = cb.genai_checked(self.data)
        path = self.data / "inference" / "genai_prices" / "data_v2.json"
        for provider in json.loads(path.read_text()) if path.is_file() else []:
            pid = provider["id"]
            slug = "hugging-face" if pid.startswith("huggingface_") else cb.GENAI_SLUGS.get(pid) or slugify(pid)
            for m in provider.get("models") or []:
                model = self.index.find(m.get("id") or "", *cb._match_names(m.get("match")))
                if model is None:
                    continue
                if pid.startswith("huggingface_"):
                    routed = pid.removeprefix("huggingface_")
                    routed = cb.GENAI_SLUGS.get(routed) or slugify(routed.removesuffix("-ai"))
                    self.genai_elsewhere[(routed, model)].add(pid)
                key = (pid, m.get("id"))
                label = f"{pid}/{key[1]}"
                if key in checked:
                    day_checked, file_name = checked[key]
                    url = (
                        f"https://github.com/pydantic/genai-prices/blob/{cb.GENAI_COMMIT}/prices/providers/{file_name}"
                    )
                    for on, dated in ((day_checked, True), (day, False)):
                        values = genai_price_on(m.get("prices"), on)
                        if values:
                            candidate = Candidate("genai-prices", url, values, label, day_checked)
                            target = self.genai_dated[(slug, model)] if dated else self.token[(day, slug, model)]
                            target.append(candidate)
                else:
                    values = genai_price_on(m.get("prices"), day)
                    if values:
                        self.token[(day, slug, model)].append(Candidate("genai-prices", data_url, values, label))

    def _ocp_inference(self):
        url = f"https://github.com/thatkavish/OpenComputePrices/blob/{cb.OCP_INFERENCE_COMMIT}/data/_inference.csv"
        path = self.data / "inference" / "opencomputeprices_inference_2026-03-23.csv"
        if not path.is_file():
            return
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                extra = json.loads(row["raw_extra"] or "{}")
                source = row["source"]
                if source == "openrouter":
                    prices = (
                        _mtok(extra.get("prompt_price_per_token"), 1),
                        _mtok(extra.get("completion_price_per_token"), 1),
                    )
                elif source == "deepinfra":  # US cents per token
                    prices = (
                        _mtok(extra.get("cents_per_input_token"), 100),
                        _mtok(extra.get("cents_per_output_token"), 100),
                    )
                elif source == "novita":
                    prices = _dec(extra.get("input_price")), _dec(extra.get("output_price"))
                elif source == "together":
                    prices = _dec(extra.get("input")), _dec(extra.get("output"))
                else:
                    continue
                model = self.index.find(row["instance_type"], extra.get("model_name") or "")
                if None in prices or model is None:
                    continue
                day = date.fromisoformat(row["snapshot_date"])
                slug = cb.OCP_PROVIDER_SLUGS.get(row["provider"]) or slugify(row["provider"])
                self.token[(day, slug, model)].append(Candidate("opencomputeprices", url, prices, row["instance_type"]))

    # --- GPU snapshots --------------------------------------------------------------------------------
    def _ocp_gpu(self):
        base = self.data / "gpu" / "curated" / "opencomputeprices"
        for path in sorted(base.glob("*.csv")):
            commit = OCP_SKYPILOT_COMMIT if path.stem in ("skypilot", "azure") else cb.OCP_COMMIT
            url = f"https://github.com/thatkavish/OpenComputePrices/blob/{commit}/data/{path.name}"
            with path.open(newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row.get("price_unit") != "hour" or not row.get("snapshot_date"):
                        continue
                    raw = row["provider"]
                    if path.stem == "skypilot":
                        slug = OCP_SKYPILOT_SLUGS.get(raw) or raw
                    else:
                        slug = cb.OCP_PROVIDER_SLUGS.get(raw) or slugify(raw.replace("_", "-"))
                    try:
                        count = int(float(row["gpu_count"] or 0))
                    except ValueError:
                        count = 0
                    values = (_dec(row["price_per_hour"]), _dec(row["price_per_gpu_hour"]), count)
                    day = date.fromisoformat(row["snapshot_date"])
                    name = f"{row['gpu_name']} {row.get('gpu_variant') or ''}".strip()
                    candidate = Candidate(
                        "opencomputeprices", url, values, row.get("instance_type") or "", gpu_name=name
                    )
                    self.gpu[(day, slug, row.get("pricing_type") or "")].append(candidate)

    def _runpod(self):
        path = self.data / "gpu" / "runpod" / "gpuTypes_graphql_response_ewyluda_fixture.json"
        if not path.is_file():
            return
        url = f"https://github.com/ewyluda/gpu-price-index/blob/{EWYLUDA_COMMIT}/tests/fixtures/runpod.json"
        for record in runpod_source.parse(path.read_text()).records:
            # RunPod names its GPUs exactly (id and display name): only an exact alias places one.
            gpu = next(filter(None, map(self.gpu_of, (record.gpu, *record.gpu_candidates))), "")
            candidate = Candidate("ewyluda", url, (record.price, record.price, 1), "", gpu_name=gpu)
            self.gpu[(EWYLUDA_DAY, "runpod", str(record.pricing_type))].append(candidate)

    # --- matching -------------------------------------------------------------------------------------
    def gpu_of(self, name):
        return self.gpu_aliases.get(normalize_alias(name))

    def same_gpu(self, candidate, slug, named):
        """The snapshot's GPU is the hand GPU. A row of the same instance name only has to name the same GPU
        model (aggregators shorten "A100 80GB PCIe" to "A100"; the instance says the rest); any other row must
        name the exact variant: its GPU name is an alias of the hand GPU, or its instance label spells the hand
        GPU's full name ("1x A100 1x A100 80GB SXM"; a bare "A100 80GB" does not say SXM or PCIe)."""
        name = candidate.gpu_name
        if not squash(name):
            return False
        names = [squash(a) for a in self.gpu_names.get(slug, [])]
        if named:
            row = squash(name)
            return any(row.startswith(a) or a.startswith(row) for a in names)
        if self.gpu_of(name) == slug:
            return True
        label = squash(candidate.label)
        return any(full in label for full in names[:2])  # the hand GPU's slug and full name, not its aliases


def squash(text):
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _same_token(candidate, price):
    want = (_dec(price.get("usd_per_mtok_input")), _dec(price.get("usd_per_mtok_output")))
    return None not in want and candidate.values == want


def match_token(snaps: Snapshots, provider, model, day, price):
    """(candidate, "") when a licensed snapshot of `day` holds this provider+model at this price, else
    (None, reason, detail)."""
    if day in cb.UNLICENSED_SNAPSHOTS:
        return None, UNLICENSED, cb.UNLICENSED_SNAPSHOTS[day]
    dated = [c for c in snaps.genai_dated.get((provider, model), []) if c.price_date == day]
    candidates = snaps.token.get((day, provider, model), []) if day in snaps.days_token else []
    candidates = sorted(candidates + dated, key=lambda c: (c in dated, c.origin_url, c.label))
    if not candidates:
        if day not in snaps.days_token and not snaps.genai_dated.get((provider, model)):
            return None, NO_SNAPSHOT, ""
        via = sorted(snaps.genai_elsewhere.get((provider, model), ()))
        detail = f"genai-prices holds it only as {', '.join(via)} (Hugging Face routing)" if via else ""
        return None, NOT_IN_SNAPSHOT, detail
    for c in candidates:
        if _same_token(c, price):
            return c, "", ""
    seen = "; ".join(f"{c.snapshot} {c.label}: {c.values[0]}/{c.values[1]}" for c in candidates[:3])
    return None, VALUE_DIFFERS, seen


def _same_instance(label, instance):
    """The snapshot's instance label is the hand's instance name (OpenComputePrices writes Latitude's plans as
    "Plan <name>"; a hand name may add a note in brackets, like Cudo's "<name> (gpu-only)")."""
    return label in (instance, f"Plan {instance}") or (bool(label) and instance.startswith(f"{label} ("))


def _same_family(name, slug):
    row, hand = squash(name), squash(slug)
    return bool(row) and (hand.startswith(row) or row.startswith(hand))


def _rounds_to(exact, written):
    """True when `written` is `exact` rounded to the places it is written with (and not equal to it)."""
    if exact is None or written is None or exact == written:
        return False
    return exact.quantize(Decimal(1).scaleb(written.as_tuple().exponent)) == written


def match_gpu(snaps: Snapshots, provider, offering, day, price):
    """(candidate, "", "") when a licensed snapshot of `day` holds this provider's GPU, in an instance of the
    same GPU count (or the same instance name), at exactly this price; else (None, reason, detail). The
    instance price is compared when the hand file states one, else the per-GPU price."""
    if day in cb.UNLICENSED_SNAPSHOTS:
        return None, UNLICENSED, cb.UNLICENSED_SNAPSHOTS[day]
    if day not in snaps.days_gpu:
        return None, NO_SNAPSHOT, ""
    instance = offering.get("instance_name") or ""
    count = offering["gpus_per_instance"]
    offered = snaps.gpu.get((day, provider, offering["pricing_type"]), [])
    named = [c for c in offered if instance and _same_instance(c.label, instance)]
    # An aggregator that mislabels a node as one GPU (CoreWeave's per-node prices, PROVENANCE.md) is still the
    # same instance when named; otherwise the GPU count places it.
    rows = [c for c in named if snaps.same_gpu(c, offering["gpu"], named=True)] or [
        c for c in offered if c.values[2] == count and snaps.same_gpu(c, offering["gpu"], named=False)
    ]
    if not rows:
        others = sorted({c.gpu_name for c in named or offered if c.values[2] == count or c in named})
        if named or any(_same_family(n, offering["gpu"]) for n in others):
            return None, GPU_DIFFERS, ", ".join(n for n in others if named or _same_family(n, offering["gpu"]))
        return None, NOT_IN_SNAPSHOT_GPU, ""
    per_instance, per_gpu = _dec(price.get("usd_per_instance_hour")), _dec(price.get("usd_per_gpu_hour"))
    rounded = None
    for c in sorted(rows, key=lambda c: (c.origin_url, c.label, str(c.values))):
        row_instance, row_gpu, row_count = c.values
        if per_instance is not None:
            if row_instance == per_instance:
                return c, "", ""
            if _rounds_to(row_instance, per_instance):
                rounded = rounded or c
        elif row_count == count:
            exact = row_gpu if row_gpu is not None else (row_instance / count if row_instance is not None else None)
            if exact == per_gpu or (row_instance is not None and row_instance / count == per_gpu):
                return c, "", ""
            if _rounds_to(exact, per_gpu):
                rounded = rounded or c
    if rounded:
        said = f"{rounded.label or rounded.gpu_name}: {rounded.values[0]}/hour ({rounded.values[2]} GPUs)"
        return None, ROUNDED, said
    seen = "; ".join(sorted({f"{c.label or c.gpu_name}: {c.values[0]}/hour ({c.values[2]} GPUs)" for c in rows})[:3])
    return None, VALUE_DIFFERS, seen


# --- the line-level edit ------------------------------------------------------------------------------
def _mapping(node):
    return {k.value: (k, v) for k, v in node.value}


def _insertions(citations):
    """{line index: [lines to insert after it]} for `citations`: [(mapping node, {field: value})]. Each field
    goes on its own line at the entry's indentation, after its as_of (or its price when as_of is inherited)."""
    out = defaultdict(list)
    for node, fields in citations:
        keys = _mapping(node)
        anchor = next(n for n in ("as_of", "usd_per_mtok_output", "usd_per_gpu_hour") if n in keys)
        indent = " " * node.value[0][0].start_mark.column
        out[keys[anchor][0].start_mark.line] += [f"{indent}{name}: {value}" for name, value in fields.items()]
    return out


def cite_file(path: Path, market: str, snaps: Snapshots, result: Citations, write=True):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    root = yaml.compose(text)
    offerings_node = _mapping(root)["offerings"][1]
    header_day = cb._as_date(data.get("as_of"))
    provider = data["provider"]
    planned = []
    for o, o_node in zip(data["offerings"], offerings_node.value, strict=True):
        history_node = _mapping(o_node).get("history")
        history_nodes = history_node[1].value if history_node else []
        entries = [(o, o_node, "current")] + [
            (h, h_node, f"history {j + 1}")
            for j, (h, h_node) in enumerate(zip(o.get("history") or [], history_nodes, strict=True))
        ]
        parts = (o.get("gpu"), f"x{o.get('gpus_per_instance')}", o.get("pricing_type"), o.get("instance_name"))
        label = o.get("model") or " ".join(str(x) for x in parts if x)
        for price, node, which in entries:
            day = cb._as_date(price.get("as_of")) or header_day
            outcome = Outcome(market, path.name, f"{provider} {label} ({which})", day)
            if market == "inference":
                found, *why = match_token(snaps, provider, o["model"], day, price)
            else:
                found, *why = match_gpu(snaps, provider, o, day, price)
            if found is None:
                outcome.reason, outcome.detail = why
            elif price.get("origin_url") and price["origin_url"] != found.origin_url:
                outcome.reason, outcome.detail = OTHER_ORIGIN, f"{price['origin_url']} (snapshot: {found.origin_url})"
            elif price.get("price_date") and cb._as_date(price["price_date"]) != found.price_date:
                outcome.reason, outcome.detail = OTHER_DATE, f"{price['price_date']} (snapshot: {found.price_date})"
            else:
                outcome.origin_url, outcome.price_date = found.origin_url, found.price_date
                outcome.snapshot = found.snapshot
                fields = {}
                if price.get("origin_url") != found.origin_url:
                    fields["origin_url"] = found.origin_url
                if found.price_date and not price.get("price_date"):
                    fields["price_date"] = found.price_date.isoformat()
                if fields:
                    planned.append((node, fields))
            result.outcomes.append(outcome)
    if not planned:
        return
    by_line = _insertions(planned)
    out = []
    for i, line in enumerate(text.splitlines(keepends=True)):
        out.append(line if line.endswith("\n") else line + "\n")
        out += [n + "\n" for n in by_line.get(i, [])]
    new_text = "".join(out)
    _check_same_data(data, yaml.safe_load(new_text), path)
    result.files_changed.append(str(path))
    if write:
        path.write_text(new_text, encoding="utf-8")


PROVENANCE_FIELDS = {"origin_url", "price_date"}


def _strip(entry):
    if isinstance(entry, dict):
        return {k: _strip(v) for k, v in entry.items() if k not in PROVENANCE_FIELDS}
    if isinstance(entry, list):
        return [_strip(v) for v in entry]
    return entry


def _check_same_data(before, after, path):
    """The edit only adds or sets provenance fields: everything else loads exactly as before."""
    if _strip(before) != _strip(after):
        raise ValueError(f"{path}: citing changed more than origin_url/price_date (layout this edit cannot handle)")


def cite(data: Path, providers_dir=cb.PROVIDERS_DIR, inference_dir=cb.INFERENCE_DIR, write=True) -> Citations:
    hand = cb.read_hand(providers_dir, inference_dir)
    gpus = yaml.safe_load((providers_dir / "gpus.yaml").read_text())
    snaps = Snapshots(data, hand, gpus)
    result = Citations()
    for market, folder in (("gpu", providers_dir / "gpu_offerings"), ("inference", inference_dir / "offerings")):
        for path in sorted(folder.glob("*.yaml")):
            cite_file(path, market, snaps, result, write=write)
    return result
