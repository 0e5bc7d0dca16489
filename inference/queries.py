"""Read-side queries for the per-token pages: blend ratios, per-model price summaries, offerings and history.

Each function documents the queries it runs; none runs a query per row. Blended prices are computed in
Python from the latest input and output prices (Decimal, as the pages show them). The cross-model figures
(/models/, /analysis/, /api/v1/models) do not load every offering to do so: the database ranks each model's
offerings by blended price (market_price_rows) and returns only the rows a summary reads.
"""

import re
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    Max,
    Min,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import DenseRank, RowNumber
from django.urls import reverse

from .models import BlendOrder, InferenceOffering, InferencePriceObservation, ServingKind, blended_price, is_moe

MAX_BLEND_PART = 100
BLEND_RE = re.compile(r"^\s*(\d{1,3})\s*:\s*(\d{1,3})\s*$")
# Batch-only offerings answer a different question (hours of latency allowed), so they are listed on the
# model page but kept out of the cheapest/median/highest figures and the size analysis.
SUMMARY_SERVING_KINDS = (ServingKind.SERVERLESS, ServingKind.DEDICATED)
HISTORY_DAYS = 365


@dataclass(frozen=True)
class Blend:
    """input_parts input tokens to output_parts output tokens (DESIGN.md: 3:1 unless the reader changes it)."""

    input_parts: int
    output_parts: int

    def __str__(self):
        return f"{self.input_parts}:{self.output_parts}"

    @property
    def formula(self):
        total = self.input_parts + self.output_parts
        return f"({self.input_parts} × input + {self.output_parts} × output) / {total}"

    def price(self, input_price, output_price):
        return blended_price(input_price, output_price, self.input_parts, self.output_parts)


DEFAULT_BLEND = Blend(3, 1)
ONE_CLICK_BLENDS = (Blend(1, 1), Blend(10, 1))
BLEND_CHOICES = (DEFAULT_BLEND, *ONE_CLICK_BLENDS)


def parse_blend(raw: str | None) -> tuple[Blend, str]:
    """The blend a query-string value asks for, and an error message ("" when fine or absent)."""
    if raw is None or raw == "":
        return DEFAULT_BLEND, ""
    match = BLEND_RE.match(raw)
    if match:
        input_parts, output_parts = int(match[1]), int(match[2])
        if input_parts <= MAX_BLEND_PART and output_parts <= MAX_BLEND_PART and input_parts + output_parts > 0:
            return Blend(input_parts, output_parts), ""
    return DEFAULT_BLEND, (
        f"Ignored blend={raw!r}: write it as input:output with whole numbers up to {MAX_BLEND_PART}, "
        f"e.g. 3:1. Showing {DEFAULT_BLEND}."
    )


def median(values):
    return statistics.median(values) if values else None


@dataclass
class ModelPriceSummary:
    """One model's current prices across providers at one blend ratio."""

    model: object
    provider_count: int = 0
    offering_count: int = 0
    cheapest: Decimal | None = None
    median: Decimal | None = None
    highest: Decimal | None = None
    cheapest_offering: object = None

    @property
    def spread(self):
        """Highest over cheapest blended price (10 = the dearest provider charges ten times the cheapest)."""
        if self.cheapest is None or self.highest is None or self.cheapest <= 0:
            return None
        return self.highest / self.cheapest


def summarize(model, offerings, blend):
    """A ModelPriceSummary from offerings annotated by with_latest_price(); no queries."""
    priced = [(blend.price(o.latest_input, o.latest_output), o) for o in offerings]
    priced = [(p, o) for p, o in priced if p is not None]
    summary = ModelPriceSummary(model=model)
    if priced:
        prices = sorted(p for p, _ in priced)
        summary.provider_count = len({o.provider_id for _, o in priced})
        summary.offering_count = len(priced)
        summary.cheapest, summary.highest = prices[0], prices[-1]
        summary.median = median(prices)
        summary.cheapest_offering = min(priced, key=lambda po: (po[0], po[1].provider.name))[1]
    return summary


def summary_offerings():
    """Current, non-batch offerings with their latest prices and providers (for the cross-provider figures)."""
    return (
        InferenceOffering.objects.market()
        .filter(serving_kind__in=SUMMARY_SERVING_KINDS)
        .with_latest_price()
        .select_related("provider")
    )


@dataclass(frozen=True)
class ProviderRef:
    """The provider of a summary's cheapest offering, as the cross-model pages show it."""

    pk: int
    name: str
    slug: str

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("providers:provider_detail", args=[self.slug])


@dataclass(frozen=True)
class OfferingRef:
    """A summary's cheapest offering on the cross-model pages: its id and provider (no model instance built)."""

    pk: int
    provider: ProviderRef


@dataclass(frozen=True)
class ModelFacts:
    """What /analysis/ reads of a model (cheapest_current_prices), without building a LanguageModel."""

    pk: int
    name: str
    slug: str
    creator: str
    open_weights: bool
    total_params_b: Decimal | None
    active_params_b: Decimal | None

    @property
    def is_moe(self):
        return is_moe(self.active_params_b, self.total_params_b)


def _priced_market(blend, model_ids=None):
    """summary_offerings() with both prices, unordered, each with its BlendOrder key as `blend_key`."""
    offerings = InferenceOffering.objects.market().filter(
        serving_kind__in=SUMMARY_SERVING_KINDS, latest_input__isnull=False, latest_output__isnull=False
    )
    if model_ids is not None:
        offerings = offerings.filter(model_id__in=model_ids)
    return offerings.order_by().annotate(blend_key=BlendOrder(blend.input_parts, blend.output_parts))


@dataclass(frozen=True)
class MarketRow:
    """One offering a model's summary reads (market_price_rows), with where it ranks among the model's offerings."""

    model_id: int
    offering_id: int
    provider: ProviderRef
    price: Decimal  # blended, from the Decimal prices exactly as summarize() computes it
    position: int  # 1 = cheapest, by BlendOrder (equal prices in any order)
    priced: int  # the model's priced market offerings
    providers: int | None  # distinct providers among them (on the rows of the provider with the highest id)
    at_cheapest: bool  # priced at the model's cheapest (several rows on a tie)


def market_price_rows(blend, model_ids=None):
    """The market offerings (as summary_offerings()) a model's summary reads, ranked by blended price in SQL.

    Per model: every offering at the cheapest price (a tie names the provider first by name), the one or two
    at the median position, the dearest, and those of the provider with the highest id, whose dense rank by
    provider is the model's count of distinct providers (COUNT(DISTINCT) is no window function; this costs
    one sort, not two); each with the model's count of priced offerings. A few rows per model whatever the
    number of offerings. One query (window functions: PostgreSQL, SQLite >= 3.25).
    """
    by_model = {"partition_by": [F("model_id")]}
    rows = (
        _priced_market(blend, model_ids)
        .annotate(
            position=Window(RowNumber(), order_by=[F("blend_key").asc(), F("pk").asc()], **by_model),
            priced=Window(Count("pk"), **by_model),
            cheapest_key=Window(Min("blend_key"), **by_model),
            last_provider=Window(Max("provider_id"), **by_model),
            provider_rank=Window(DenseRank(), order_by=F("provider_id").asc(), **by_model),
        )
        .filter(
            Q(blend_key=F("cheapest_key"))
            | Q(position=F("priced"))
            | Q(position=(F("priced") + 1) / 2)
            | Q(position=F("priced") / 2 + 1)
            | Q(provider_id=F("last_provider"))
        )
        .values_list(
            "model_id", "pk", "provider_id", "provider__name", "provider__slug", "latest_input", "latest_output",
            "position", "priced", "blend_key", "cheapest_key", "last_provider", "provider_rank",
        )
    )  # fmt: skip
    providers, result = {}, []
    for model_id, pk, provider_id, name, slug, input_price, output_price, position, priced, key, low, *last in rows:
        provider = providers.get(provider_id) or providers.setdefault(provider_id, ProviderRef(provider_id, name, slug))
        price = blend.price(input_price, output_price)
        provider_count = last[1] if provider_id == last[0] else None
        result.append(MarketRow(model_id, pk, provider, price, position, priced, provider_count, key == low))
    return result


def _first_by_provider_name(rows):
    """Of offerings at one price, the one the page names: provider name first (as summarize()), then ids."""
    return min(rows, key=lambda r: (r.provider.name, r.provider.pk, r.offering_id))


def summaries_from_rows(models, rows):
    """One ModelPriceSummary per model (in the order given) from market_price_rows(); no queries.

    The same figures as summarize() over every market offering of the model: cheapest and the provider named
    for it, median (the middle one, or the mean of the middle two), highest, offering and provider counts."""
    by_model = {}
    for row in rows:
        by_model.setdefault(row.model_id, []).append(row)
    summaries = []
    for model in models:
        summary = ModelPriceSummary(model=model)
        ranked = by_model.get(model.pk)
        if ranked:
            count = ranked[0].priced
            price_at = {row.position: row.price for row in ranked}
            cheapest = _first_by_provider_name([r for r in ranked if r.at_cheapest])
            middle = sorted({(count + 1) // 2, count // 2 + 1})  # one position when the count is odd
            summary.provider_count = next(r.providers for r in ranked if r.providers is not None)
            summary.offering_count = count
            summary.cheapest, summary.highest = cheapest.price, price_at[count]
            summary.median = median([price_at[p] for p in middle])
            summary.cheapest_offering = OfferingRef(cheapest.offering_id, cheapest.provider)
        summaries.append(summary)
    return summaries


def model_price_summaries(models, blend):
    """One ModelPriceSummary per model, in the order given. Two queries (the models, the ranked offerings)."""
    models = list(models)
    return summaries_from_rows(models, market_price_rows(blend, [m.pk for m in models]))


def cheapest_current_prices(blend):
    """[(model facts, cheapest blended price, that offering)] for every model with a market price, by model
    name. One query: the offerings at their model's cheapest (a window in a subquery), with model and provider.

    A tie names the provider first by name, as summarize() does."""
    at_cheapest = (
        _priced_market(blend)
        .annotate(cheapest_key=Window(Min("blend_key"), partition_by=[F("model_id")]))
        .filter(blend_key=F("cheapest_key"))
    )
    rows = (
        InferenceOffering.objects.filter(pk__in=Subquery(at_cheapest.values("pk")))
        .order_by()
        .values_list(
            "pk", "latest_input", "latest_output", "provider_id", "provider__name", "provider__slug",
            "model_id", "model__name", "model__slug", "model__creator", "model__open_weights",
            "model__total_params_b", "model__active_params_b",
        )
    )  # fmt: skip
    tied = {}  # model id: (model facts, [(offering, price)] at its cheapest)
    for pk, input_price, output_price, provider_id, name, slug, *model in rows:
        offering = OfferingRef(pk, ProviderRef(provider_id, name, slug))
        tied.setdefault(model[0], (ModelFacts(*model), []))[1].append(
            (offering, blend.price(input_price, output_price))
        )
    best = []
    for model, offerings in tied.values():
        offering, price = min(offerings, key=lambda op: (op[0].provider.name, op[0].provider.pk, op[0].pk))
        best.append((model, price, offering))
    return sorted(best, key=lambda item: (item[0].name, item[0].pk))


def model_offerings(model):
    """Every listed (current or stale) offering of one model with its latest price and provider. One query."""
    return list(InferenceOffering.objects.listed().filter(model=model).with_latest_price().select_related("provider"))


def price_history(offerings, since):
    """{offering id: [(day, input, output)]} oldest first, one price per day (curated wins). One query."""
    observations = (
        InferencePriceObservation.objects.filter(offering__in=[o.pk for o in offerings], observed_on__gte=since)
        .order_by("offering_id", "observed_on", "-is_curated", "-pk")
        .values_list("offering_id", "observed_on", "usd_per_mtok_input", "usd_per_mtok_output")
    )
    history = {}
    for offering_id, day, input_price, output_price in observations:
        days = history.setdefault(offering_id, [])
        if not days or days[-1][0] != day:  # the first row of a day is the one that wins
            days.append((day, input_price, output_price))
    return history


def modality_filter(modality):
    """Q for models whose comma-separated modalities include this one exactly ("image", not "image-gen")."""
    return Q(modalities__iregex=r"(^|,)\s*" + re.escape(modality) + r"\s*(,|$)")


@dataclass
class OfferingRow:
    """One line of the model page's table: an annotated offering and its figures at one blend ratio."""

    offering: object
    blended: Decimal | None
    batch_blended: Decimal | None
    freshness: str

    @property
    def batch_input(self):
        return _discounted(self.offering.latest_input, self.offering.latest_batch_discount)

    @property
    def batch_output(self):
        return _discounted(self.offering.latest_output, self.offering.latest_batch_discount)


def _discounted(price, discount):
    """A batch price from a list price and a batch discount (0.5 = half off); None without a discount."""
    if price is None or discount is None:
        return None
    return price * (1 - discount)


def offering_rows(offerings, blend, today=None):
    """OfferingRows cheapest blended first (unpriced last, then by provider name); no queries."""
    rows = []
    for o in offerings:
        blended = blend.price(o.latest_input, o.latest_output)
        rows.append(OfferingRow(o, blended, _discounted(blended, o.latest_batch_discount), o.freshness(today)))
    rows.sort(key=lambda r: (r.blended is None, r.blended or 0, r.offering.provider.name.lower(), r.offering.pk))
    return rows
