"""Site search across GPUs, models and providers, matching the names people type.

A query matches an item when every word of it starts a word of one of the item's names: its name,
its slug, or any of its aliases (the alias tables the scrapers resolve names with), so "h100" finds
H100 SXM, PCIe and NVL, "llama 70b" finds the Llama 70B models, "r1" DeepSeek R1, "4090" RTX 4090.
Results rank by how directly they match (name before alias), then items with a current price before
those without, then by name. A fixed number of queries whatever the catalogue size.
"""

import re
from dataclasses import dataclass

from inference.models import LanguageModel, ModelAlias
from inference.queries import DEFAULT_BLEND, model_price_summaries
from providers.models import Gpu, GpuAlias, Provider
from providers.queries import gpu_rows

MAX_QUERY = 100
WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def words(text):
    """ "Llama-3.1 70B (FP8)" -> ["llama", "3.1", "70b", "fp8"]; letters and digits glued stay one word."""
    return WORD.findall(str(text).lower().replace("_", " "))


def match_rank(query_words, names):
    """0 when every query word starts a word of names[0], 1 for names[1:] (slug, aliases); None when none match."""
    for rank, name in enumerate(names):
        name_words = words(name)
        squashed = "".join(name_words)
        if all(any(w.startswith(q) for w in name_words) or (len(q) > 3 and q in squashed) for q in query_words):
            return min(rank, 1)
        joined = "".join(query_words)  # "h 100" -> "h100"
        if len(query_words) > 1 and len(joined) > 3 and joined in squashed:
            return min(rank, 1)
    return None


@dataclass
class Hit:
    kind: str  # "gpu", "model" or "provider"
    item: object
    rank: int
    price: object = None  # cheapest current price: $/GPU-hr or blended $/1M tokens
    note: str = ""

    @property
    def sort_key(self):
        return (self.rank, self.price is None, self.item.name.lower())


def _aliases(model, field):
    found = {}
    for target_id, alias in model.objects.order_by().values_list(f"{field}_id", "alias"):
        # "together ai/meta llama/llama 3.1 70b": the provider part would match the provider.
        found.setdefault(target_id, []).append(alias.rsplit("/", 1)[-1])
    return found


def _matching_providers(query_words):
    """[(provider, rank)]: every provider's name and slug are matched as plain values, and a model instance
    (with the fields a hit shows; others load on access) is built only for the providers that match: there
    are thousands of providers and a handful of hits."""
    fields = ["id", "name", "slug", "offers"]
    # A match needs every query word (dots aside) inside the name's or slug's letters and digits run together
    # (match_rank's squashed words): a cheap test that skips match_rank for almost every provider.
    needles = [q.replace(".", "") for q in query_words]
    found = []
    for values in Provider.objects.values_list(*fields):
        letters = NOT_ALNUM.sub("", f"{values[1]}|{values[2]}".lower())
        if not all(n in letters for n in needles):
            continue
        if (rank := match_rank(query_words, values[1:3])) is not None:
            found.append((Provider.from_db(Provider.objects.db, fields, values), rank))
    return found


def search(query, limit=30):
    """{"gpus": [Hit], "models": [Hit], "providers": [Hit]} for a query; six queries."""
    query_words = words(query[:MAX_QUERY])
    if not query_words:
        return {"gpus": [], "models": [], "providers": []}
    gpu_aliases = _aliases(GpuAlias, "gpu")
    gpus = [
        (g, rank)
        for g in Gpu.objects.all()
        if (rank := match_rank(query_words, [g.name, g.slug, *gpu_aliases.get(g.pk, [])])) is not None
    ]
    model_aliases = _aliases(ModelAlias, "model")
    models = [
        (m, rank)
        for m in LanguageModel.objects.all()
        if (rank := match_rank(query_words, [m.name, m.slug, m.family, *model_aliases.get(m.pk, [])])) is not None
    ]
    providers = _matching_providers(query_words)
    rows = {row.gpu.pk: row for row in gpu_rows([g for g, _ in gpus])} if gpus else {}
    summaries = {s.model.pk: s for s in model_price_summaries([m for m, _ in models], DEFAULT_BLEND)} if models else {}
    gpu_hits = [Hit("gpu", g, rank, rows[g.pk].cheapest) for g, rank in gpus]
    model_hits = [Hit("model", m, rank, summaries[m.pk].cheapest) for m, rank in models]
    provider_hits = [Hit("provider", p, rank, note=p.get_offers_display()) for p, rank in providers]
    return {
        "gpus": sorted(gpu_hits, key=lambda h: h.sort_key)[:limit],
        "models": sorted(model_hits, key=lambda h: h.sort_key)[:limit],
        "providers": sorted(provider_hits, key=lambda h: h.sort_key)[:limit],
    }


def gpu_family(slug):
    """The GPUs a family slug names ("h100" -> H100 SXM, PCIe, NVL): slug prefix or alias; two queries."""
    family = words(slug.replace("-", " "))
    if not family:
        return []
    prefix = "-".join(family) + "-"
    alias_targets = set(GpuAlias.objects.filter(alias=" ".join(family)).values_list("gpu_id", flat=True))
    return [
        g
        for g in Gpu.objects.order_by("name")
        if g.slug.startswith(prefix) or g.pk in alias_targets or match_rank(family, [g.name]) == 0
    ]
