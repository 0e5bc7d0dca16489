"""What the GPU and provider pages do with their data between the query and the template:
filtering by the reader's options, grouping near-identical offerings, the "cheapest node" figure,
and the per-token side of a provider comparison. Plain functions over lists; no queries unless said.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from computeprices.freshness import in_market
from computeprices.tables import sort_links, sort_rows
from computeprices.templatetags.prices import instance
from inference.models import InferenceOffering
from inference.queries import DEFAULT_BLEND

from .models import PricingType, Provider
from .queries import relative


def matches(offering, pricing_type=None, gpus=None, provider=None, region=None, gpu=None):
    """True when the offering passes every criterion given (None means any)."""
    return (
        (pricing_type is None or offering.pricing_type == pricing_type)
        and (gpus is None or offering.gpus_per_instance == gpus)
        and (provider is None or offering.provider.slug == provider)
        and (region is None or (offering.region or "any") == region)
        and (gpu is None or offering.gpu.slug == gpu)
    )


def filter_gpus(gpus, vendor=None, architecture=None, min_vram=None):
    return [
        g
        for g in gpus
        if (vendor is None or g.vendor == vendor)
        and (architecture is None or g.architecture == architecture)
        and (min_vram is None or g.vram_gb >= min_vram)
    ]


def sorted_by(form, rows, sorts, default):
    """Rows sorted by the form's ?sort= (or left in their order); returns (rows, sort links)."""
    column, descending, explicit = form.sort(default)
    if explicit:
        rows = sort_rows(rows, sorts[column], descending)
    return rows, sort_links(form, sorts, column if explicit else None, descending)


def priced_first(rows, price):
    """Rows with a price first (in their order), rows without one last."""
    return [r for r in rows if price(r) is not None] + [r for r in rows if price(r) is None]


def filter_providers(providers, offers):
    if offers == "gpu":
        return [p for p in providers if p.rents_gpus]
    if offers == "inference":
        return [p for p in providers if p.serves_inference]
    if offers == "both":
        return [p for p in providers if p.offers == Provider.Offers.BOTH]
    return providers


# Grouping near-identical offerings ------------------------------------------------------------------


@dataclass
class OfferingGroup:
    """Offerings of one provider at one pricing type, region and per-GPU price: one table row.

    Delegates to its first (smallest) offering, so templates read it like an offering; `sizes` lists
    every instance size, e.g. [1, 2, 4, 8].
    """

    offerings: list = field(default_factory=list)

    def __getattr__(self, name):
        if name == "offerings":
            raise AttributeError(name)
        return getattr(self.offerings[0], name)

    @property
    def sizes(self):
        return sorted({o.gpus_per_instance for o in self.offerings})

    @property
    def instance_names(self):
        names = [instance(o.instance_name) for o in sorted(self.offerings, key=lambda o: o.gpus_per_instance)]
        return list(dict.fromkeys(n for n in names if n))

    @property
    def is_group(self):
        return len(self.offerings) > 1


def group_offerings(offerings):
    """Same provider, pricing type, region, per-GPU price and freshness -> one OfferingGroup, in order."""
    groups = {}
    for offering in offerings:
        key = (
            offering.provider_id,
            offering.pricing_type,
            offering.region,
            offering.latest_usd_per_gpu_hour,
            getattr(offering, "status", None),
        )
        if offering.latest_usd_per_gpu_hour is None:
            key = ("single", offering.pk)
        groups.setdefault(key, OfferingGroup()).offerings.append(offering)
    for group in groups.values():
        group.offerings.sort(key=lambda o: o.gpus_per_instance)
    return list(groups.values())


def cheapest_node(offerings, size=8):
    """The listed offering (the market rule, in_market) of `size` GPUs or more with the lowest instance price."""
    nodes = [
        o
        for o in offerings
        if o.gpus_per_instance >= size
        and o.latest_usd_per_instance_hour is not None
        and in_market(o)
        and o.pricing_type == PricingType.ON_DEMAND
    ]
    return min(nodes, key=lambda o: o.latest_usd_per_instance_hour, default=None)


def regions_of(offerings):
    """Every region the offerings are priced in (an offering shown at its cheapest region lists them all)."""
    return sorted({r for o in offerings for r in (getattr(o, "regions", None) or [o.region or "any"])}, key=str.lower)


# Both markets of a comparison ---------------------------------------------------------------------


@dataclass
class SharedModel:
    model: object
    a: object
    b: object
    a_blended: Decimal | None
    b_blended: Decimal | None

    @property
    def diff_relative(self):
        return relative(self.b_blended, self.a_blended)


def compare_models(a, b, blend=None, today=None):
    """(models both serve side by side, count only at a, count only at b); one query.

    Each side is the provider's cheapest listed offering (market rule) of the model at the blend (3:1 by default).
    """
    offerings = (
        InferenceOffering.objects.market(today).filter(provider__in=[a, b]).with_latest_price().select_related("model")
    )
    cheapest = {}
    for o in offerings:
        price = (blend or DEFAULT_BLEND).price(o.latest_input, o.latest_output)
        if price is None:
            continue
        key = (o.provider_id, o.model_id)
        if key not in cheapest or price < cheapest[key][1]:
            cheapest[key] = (o, price)
    models_a = {m for p, m in cheapest if p == a.pk}
    models_b = {m for p, m in cheapest if p == b.pk}
    shared = []
    for model_id in models_a & models_b:
        (oa, pa), (ob, pb) = cheapest[(a.pk, model_id)], cheapest[(b.pk, model_id)]
        shared.append(SharedModel(model=oa.model, a=oa, b=ob, a_blended=pa, b_blended=pb))
    shared.sort(key=lambda s: s.model.name.lower())
    return shared, len(models_a - models_b), len(models_b - models_a)


def market_position(inference_offerings):
    """Median over a provider's offerings of (its blended price / the cheapest for that model - 1)."""
    values = sorted(o.vs_cheapest for o in inference_offerings if getattr(o, "vs_cheapest", None) is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
