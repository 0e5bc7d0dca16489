"""Price changes: an observation whose price differs from its offering's previous day's price.

The feeds read these. Each function runs one query whatever the number of offerings. Which observations
are changes is decided in SQL by window functions over the observations of the period (see
_changed_ids), so the notable test and the limit apply in the database; the previous price of the few
rows returned is then read by a correlated subquery on the (offering, -observed_on) index both
observation tables carry, the one rule of what "previous" means.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse

from inference.models import DEFAULT_BLEND_INPUT_PARTS, InferencePriceObservation, blended_price
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


# Observations this many days before the period join the window, so that an offering seen daily finds its
# previous price there; only an offering with a longer gap falls back to the correlated lookup.
_WINDOW_MARGIN_DAYS = 1


def _previous(model, fields):
    """Subquery: a field of the same offering's newest observation on an earlier day (curated wins a tie)."""
    earlier = model.objects.filter(offering=OuterRef("offering"), observed_on__lt=OuterRef("observed_on")).order_by(
        "-observed_on", "-is_curated", "-pk"
    )
    return {f"previous_{name}": Subquery(earlier.values(name)[:1]) for name in fields}


def _changed_ids(model, since, prices, *, weights, offering_filters, notable, limit):
    """SQL (and params) for the ids of the `limit` newest observations on or after `since` (by observed_on,
    then id) whose prices differ from the previous ones, optionally by `notable` or more on the weighted sum
    of `prices` (one weight each: the GPU-hour price, or the 3:1 blend of input and output).

    "Previous" is _previous()'s rule: the same offering's newest observation on an earlier day, curated
    winning a tie, then the higher id. In window terms: order an offering's observations by (day,
    is_curated, id); the row before a day's first row is the previous day's winner (LAG). Any other row
    (a second source the same day) and a day with no earlier row in the window (which reads the period
    plus _WINDOW_MARGIN_DAYS) look the previous price up with _previous()'s ordered subquery instead.
    One window pass over the period; portable SQL (PostgreSQL, SQLite 3.25+)."""
    table = model._meta.db_table
    offering_table = model._meta.get_field("offering").related_model._meta.db_table
    cols = [model._meta.get_field(name).column for name in prices]
    joins, where, params = "", "", [since - timedelta(days=_WINDOW_MARGIN_DAYS)]
    if offering_filters:
        joins = f'INNER JOIN "{offering_table}" f ON f."id" = o."offering_id"'
        for column, value in offering_filters.items():
            where += f' AND f."{column}" = %s'
            params.append(value)
    window = 'OVER (PARTITION BY o."offering_id" ORDER BY o."observed_on", o."is_curated", o."id")'
    nows = ", ".join(f'o."{c}" AS now_{i}, LAG(o."{c}") {window} AS lag_{i}' for i, c in enumerate(cols))
    befores = ", ".join(
        f"""CASE WHEN w.lag_day < w."observed_on" THEN w.lag_{i} ELSE (
            SELECT u."{c}" FROM "{table}" u
            WHERE u."offering_id" = w."offering_id" AND u."observed_on" < w."observed_on"
            ORDER BY u."observed_on" DESC, u."is_curated" DESC, u."id" DESC LIMIT 1
        ) END AS before_{i}"""
        for i, c in enumerate(cols)
    )
    current = " + ".join(f"{w} * now_{i}" for i, w in enumerate(weights))
    before = " + ".join(f"{w} * before_{i}" for i, w in enumerate(weights))
    test = "before_0 IS NOT NULL AND (" + " OR ".join(f"now_{i} <> before_{i}" for i in range(len(cols))) + ")"
    if notable is not None:
        # |current / before - 1| >= notable, written without division (a zero before price always counts)
        test += f" AND ({current} >= ({before}) * %s OR {current} <= ({before}) * %s)"
    sql = f"""SELECT c."id" FROM (
        SELECT w."id", w."observed_on", {", ".join(f"w.now_{i}" for i in range(len(cols)))}, {befores}
        FROM (
            SELECT o."id", o."offering_id", o."observed_on", {nows}, LAG(o."observed_on") {window} AS lag_day
            FROM "{table}" o {joins}
            WHERE o."observed_on" >= %s{where}
        ) w
        WHERE w."observed_on" >= %s
    ) c
    WHERE {test}
    ORDER BY c."observed_on" DESC, c."id" DESC
    LIMIT %s"""
    params.append(since)
    if notable is not None:
        params += [1 + notable, 1 - notable]
    params.append(limit)
    return sql, params


def _changes(model, since, prices, *, weights, offering_filters, notable, limit):
    """The changed observations (see _changed_ids), newest first, each with previous_<price>, one query."""
    sql, params = _changed_ids(
        model, since, prices, weights=weights, offering_filters=offering_filters, notable=notable, limit=limit
    )
    return (
        model.objects.filter(pk__in=RawSQL(sql, params))
        .annotate(**_previous(model, prices))
        .order_by("-observed_on", "-pk")
    )


def _offering_filters(**pairs):
    return {f"{name}_id": getattr(value, "pk", value) for name, value in pairs.items() if value is not None}


def gpu_changes(since: date, *, gpu=None, provider=None, notable=None, limit=50) -> list[PriceChange]:
    """GPU-hour price changes observed on or after `since`, newest first. One query."""
    observations = _changes(
        GpuPriceObservation,
        since,
        ["usd_per_gpu_hour"],
        weights=[1],
        offering_filters=_offering_filters(gpu=gpu, provider=provider),
        notable=notable,
        limit=limit,
    ).select_related("offering__gpu", "offering__provider")
    changes = []
    for o in observations:
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
    """Per-token price changes (input or output) on or after `since`, newest first, as 3:1 blended prices;
    with `notable`, moves of the blended price by that much or more. One query.
    """
    observations = _changes(
        InferencePriceObservation,
        since,
        ["usd_per_mtok_input", "usd_per_mtok_output"],
        weights=[DEFAULT_BLEND_INPUT_PARTS, 1],
        offering_filters=_offering_filters(model=model, provider=provider),
        notable=notable,
        limit=limit,
    ).select_related("offering__model", "offering__provider")
    changes = []
    for o in observations:
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
                before=blended_price(o.previous_usd_per_mtok_input, o.previous_usd_per_mtok_output),
                after=blended_price(o.usd_per_mtok_input, o.usd_per_mtok_output),
                unit="per 1M tokens (3:1 blended)",
                detail=(
                    f"input ${_plain(o.previous_usd_per_mtok_input)} → ${_plain(o.usd_per_mtok_input)}, "
                    f"output ${_plain(o.previous_usd_per_mtok_output)} → ${_plain(o.usd_per_mtok_output)} per 1M tokens"
                ),
            )
        )
    return changes


def all_changes(since: date, *, notable=None, provider=None, limit=50) -> list[PriceChange]:
    """Both markets, newest first. Two queries."""
    changes = gpu_changes(since, provider=provider, notable=notable, limit=limit) + token_changes(
        since, provider=provider, notable=notable, limit=limit
    )
    return sorted(changes, key=lambda c: (c.day, c.key), reverse=True)[:limit]
