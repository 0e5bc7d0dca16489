"""Price changes: an observation whose price differs from its offering's previous day's price.

The feeds read these. Each function runs one query whatever the number of offerings: the previous price
is a correlated subquery on the (offering, -observed_on) index both observation tables carry.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse

from inference.models import InferencePriceObservation, blended_price
from providers.models import GpuPriceObservation

NOTABLE = Decimal("0.05")  # the site-wide feed: moves of 5% or more either way


@dataclass
class PriceChange:
    """One offering's price moving from one day to the next, in the market's canonical unit."""

    market: str  # "gpu" or "token"
    key: str  # unique and stable: the observation it comes from
    day: date
    provider: object
    subject: object  # the Gpu or LanguageModel
    what: str  # "8x on-demand, us-east-1" / "fp8 serverless"
    before: Decimal
    after: Decimal
    unit: str
    detail: str = ""

    @property
    def relative(self) -> Decimal | None:
        return self.after / self.before - 1 if self.before else None

    @property
    def title(self):
        direction = "down" if self.after < self.before else "up"
        percent = f" ({self.relative:+.1%})" if self.relative is not None else ""
        return (
            f"{self.subject.name} at {self.provider.name} {direction}: "
            f"${_plain(self.before)} → ${_plain(self.after)} {self.unit}{percent}"
        )

    @property
    def url(self):
        return self.subject.get_absolute_url()

    @property
    def provider_url(self):
        return reverse("providers:provider_detail", args=[self.provider.slug])


def _plain(value: Decimal) -> str:
    """At least two decimals, no trailing zeros past them: 4 -> 4.00, 0.165000 -> 0.165."""
    value = value.normalize()
    return format(value if value.as_tuple().exponent < -2 else value.quantize(Decimal("0.01")), "f")


def _previous(model, fields):
    """Subquery: a field of the same offering's newest observation on an earlier day (curated wins a tie)."""
    earlier = model.objects.filter(offering=OuterRef("offering"), observed_on__lt=OuterRef("observed_on")).order_by(
        "-observed_on", "-is_curated", "-pk"
    )
    return {f"previous_{name}": Subquery(earlier.values(name)[:1]) for name in fields}


def gpu_changes(since: date, *, gpu=None, provider=None, notable=None, limit=50) -> list[PriceChange]:
    """GPU-hour price changes observed on or after `since`, newest first. One query."""
    observations = GpuPriceObservation.objects.filter(observed_on__gte=since)
    if gpu is not None:
        observations = observations.filter(offering__gpu=gpu)
    if provider is not None:
        observations = observations.filter(offering__provider=provider)
    observations = (
        observations.annotate(**_previous(GpuPriceObservation, ["usd_per_gpu_hour"]))
        .filter(previous_usd_per_gpu_hour__isnull=False)
        .exclude(usd_per_gpu_hour=F("previous_usd_per_gpu_hour"))
        .select_related("offering__gpu", "offering__provider")
        .order_by("-observed_on", "-pk")
    )
    if notable is not None:
        # |price / previous - 1| >= notable, written without division for the database
        observations = observations.filter(
            Q(usd_per_gpu_hour__gte=F("previous_usd_per_gpu_hour") * (1 + notable))
            | Q(usd_per_gpu_hour__lte=F("previous_usd_per_gpu_hour") * (1 - notable))
        )
    changes = []
    for o in observations[:limit]:
        offering = o.offering
        region = f", {offering.region}" if offering.region else ""
        changes.append(
            PriceChange(
                market="gpu",
                key=f"gpu-observation-{o.pk}",
                day=o.observed_on,
                provider=offering.provider,
                subject=offering.gpu,
                what=f"{offering.gpus_per_instance}x {offering.get_pricing_type_display()}{region}",
                before=o.previous_usd_per_gpu_hour,
                after=o.usd_per_gpu_hour,
                unit="per GPU-hour",
                detail=offering.instance_name,
            )
        )
    return changes


def token_changes(since: date, *, model=None, provider=None, notable=None, limit=50) -> list[PriceChange]:
    """Per-token price changes (input or output) on or after `since`, newest first, as 3:1 blended prices.

    One query.
    """
    observations = InferencePriceObservation.objects.filter(observed_on__gte=since)
    if model is not None:
        observations = observations.filter(offering__model=model)
    if provider is not None:
        observations = observations.filter(offering__provider=provider)
    observations = (
        observations.annotate(**_previous(InferencePriceObservation, ["usd_per_mtok_input", "usd_per_mtok_output"]))
        .filter(previous_usd_per_mtok_input__isnull=False, previous_usd_per_mtok_output__isnull=False)
        .exclude(
            usd_per_mtok_input=F("previous_usd_per_mtok_input"), usd_per_mtok_output=F("previous_usd_per_mtok_output")
        )
        .select_related("offering__model", "offering__provider")
        .order_by("-observed_on", "-pk")
    )
    changes = []
    for o in observations.iterator() if notable is not None else observations[:limit]:
        before = blended_price(o.previous_usd_per_mtok_input, o.previous_usd_per_mtok_output)
        after = blended_price(o.usd_per_mtok_input, o.usd_per_mtok_output)
        if notable is not None and before and abs(after / before - 1) < notable:
            continue
        offering = o.offering
        quant = f"{offering.quantization} " if offering.quantization else ""
        changes.append(
            PriceChange(
                market="token",
                key=f"token-observation-{o.pk}",
                day=o.observed_on,
                provider=offering.provider,
                subject=offering.model,
                what=f"{quant}{offering.get_serving_kind_display()}",
                before=before,
                after=after,
                unit="per 1M tokens (3:1 blended)",
                detail=(
                    f"input ${_plain(o.previous_usd_per_mtok_input)} → ${_plain(o.usd_per_mtok_input)}, "
                    f"output ${_plain(o.previous_usd_per_mtok_output)} → ${_plain(o.usd_per_mtok_output)} per 1M tokens"
                ),
            )
        )
        if len(changes) >= limit:
            break
    return changes


def all_changes(since: date, *, notable=None, provider=None, limit=50) -> list[PriceChange]:
    """Both markets, newest first. Two queries."""
    changes = gpu_changes(since, provider=provider, notable=notable, limit=limit) + token_changes(
        since, provider=provider, notable=notable, limit=limit
    )
    return sorted(changes, key=lambda c: (c.day, c.key), reverse=True)[:limit]
