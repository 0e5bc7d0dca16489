"""Read-side queries for the per-token pages: blend ratios, per-model price summaries, offerings and history.

Each function documents the queries it runs; none runs a query per row. Blended prices are computed in
Python from the latest input and output prices, so a page can switch the blend ratio without new SQL.
"""

import re
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import InferenceOffering, InferencePriceObservation, ServingKind, blended_price

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


def model_price_summaries(models, blend):
    """One ModelPriceSummary per model, in the order given. One query (the offerings), whatever the count."""
    models = list(models)
    by_model = {m.pk: [] for m in models}
    for offering in summary_offerings().filter(model__in=[m.pk for m in models]):
        by_model[offering.model_id].append(offering)
    return [summarize(m, by_model[m.pk], blend) for m in models]


def cheapest_current_prices(blend):
    """[(model, cheapest blended price, that offering)] for every model with a current price. One query."""
    best = {}
    for offering in summary_offerings().select_related("model"):
        price = blend.price(offering.latest_input, offering.latest_output)
        if price is None:
            continue
        key = offering.model_id
        if key not in best or (price, offering.provider.name) < (best[key][1], best[key][2].provider.name):
            best[key] = (offering.model, price, offering)
    return sorted(best.values(), key=lambda item: (item[0].name, item[0].pk))


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
