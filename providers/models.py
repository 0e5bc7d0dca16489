"""The GPU side of the catalogue: providers, GPU types, GPU offerings and their daily prices.

Prices are USD per GPU-hour as Decimal. An observation is one (offering, day, source) fact; the
price a page shows for an offering is its newest observation, a curated one winning a tie.
"""

import json
from datetime import timedelta

from django.db import connections, models, router
from django.db.models import F, Max, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse

from computeprices.freshness import (
    CURATED_LISTED_FOR_DAYS,
    DELISTED_AFTER_DAYS,
    STALE_AFTER_DAYS,
    offering_freshness,
    today_utc,
)
from computeprices.lookups import array_literal  # also registers field__any_of


class Provider(models.Model):
    class Offers(models.TextChoices):
        GPU_RENTAL = "gpu", "GPU rental"
        INFERENCE_API = "inference", "Inference API"
        BOTH = "both", "GPU rental and inference API"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    website = models.URLField(blank=True)
    pricing_url = models.URLField("pricing page URL", blank=True)
    offers = models.CharField(max_length=10, choices=Offers.choices)
    description = models.CharField(max_length=300, blank=True)
    reviewed = models.BooleanField(
        default=True, help_text="False for a provider created from a source's facts until an admin reviews it."
    )
    fact_sources = models.JSONField(default=dict, blank=True, help_text="{fact: URL of the source that states it}")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("providers:provider_detail", args=[self.slug])

    @property
    def rents_gpus(self):
        return self.offers in (self.Offers.GPU_RENTAL, self.Offers.BOTH)

    @property
    def serves_inference(self):
        return self.offers in (self.Offers.INFERENCE_API, self.Offers.BOTH)


class Gpu(models.Model):
    class Vendor(models.TextChoices):
        NVIDIA = "nvidia", "NVIDIA"
        AMD = "amd", "AMD"
        INTEL = "intel", "Intel"
        GOOGLE = "google", "Google"
        OTHER = "other", "Other"

    class FormFactor(models.TextChoices):
        SXM = "sxm", "SXM"
        PCIE = "pcie", "PCIe"
        NVL = "nvl", "NVL (PCIe pair)"
        OAM = "oam", "OAM"
        SUPERCHIP = "superchip", "Superchip (Grace)"
        CONSUMER = "consumer", "Consumer card"
        OTHER = "other", "Other"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    vendor = models.CharField(max_length=10, choices=Vendor.choices)
    architecture = models.CharField(max_length=50, blank=True)
    vram_gb = models.PositiveIntegerField("VRAM (GB)")
    memory_bandwidth_gbps = models.PositiveIntegerField("memory bandwidth (GB/s)", null=True, blank=True)
    bf16_dense_tflops = models.DecimalField("dense BF16 TFLOPS", max_digits=8, decimal_places=1, null=True, blank=True)
    fp8_dense_tflops = models.DecimalField("dense FP8 TFLOPS", max_digits=8, decimal_places=1, null=True, blank=True)
    form_factor = models.CharField(max_length=10, choices=FormFactor.choices)
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    spec_source_url = models.URLField(blank=True)

    class Meta:
        ordering = ["vendor", "-release_year", "name"]
        verbose_name = "GPU"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("providers:gpu_detail", args=[self.slug])


def normalize_alias(raw: str) -> str:
    """The form aliases are stored and looked up in: case and spacing do not matter."""
    return " ".join(raw.lower().replace("_", " ").replace("-", " ").split())


class AliasQuerySet(models.QuerySet):
    """Aliases of one kind of catalogue entry; `target` names the foreign key they point to."""

    target = ""

    def resolve(self, raw_names):
        """THE name resolver for GPUs and models (scrapers, trace imports and search call it): {raw name: id},
        unknown names absent. An alias first, then the catalogue entry's own slug or name; case, spaces,
        `_` and `-` do not matter. Two queries at most, whatever the number of names."""
        wanted = {}
        for n in raw_names:
            wanted.setdefault(normalize_alias(n), []).append(n)
        found = dict(self.filter(alias__any_of=set(wanted)).values_list("alias", f"{self.target}_id"))
        if set(wanted) - set(found):
            target_model = self.model._meta.get_field(self.target).related_model
            for pk, slug, name in target_model.objects.values_list("pk", "slug", "name"):
                found.setdefault(normalize_alias(slug), pk)
                found.setdefault(normalize_alias(name), pk)
        return {raw: found[key] for key, raws in wanted.items() if key in found for raw in raws}


class GpuAliasQuerySet(AliasQuerySet):
    target = "gpu"


# Each offering's published observation (the first in PUBLISH_ORDER), copied onto the offering by refresh_seen()
# so pages read current prices in the offering scan itself: {offering label: {offering field: observation field}}.
LATEST_PRICE_FIELDS = {
    "providers.gpuoffering": {
        "latest_usd_per_gpu_hour": "usd_per_gpu_hour",
        "latest_usd_per_instance_hour": "usd_per_instance_hour",
        "latest_observed_on": "observed_on",
        "latest_price_date": "price_date",
        "latest_source": "source",
        "latest_source_url": "source_url",
        "latest_origin_url": "origin_url",
    },
    "inference.inferenceoffering": {
        "latest_input": "usd_per_mtok_input",
        "latest_output": "usd_per_mtok_output",
        "latest_cached_input": "usd_per_mtok_cached_input",
        "latest_cache_write": "usd_per_mtok_cache_write",
        "latest_batch_discount": "batch_discount",
        "latest_context": "context_served",
        "latest_observed_on": "observed_on",
        "latest_price_date": "price_date",
        "latest_source": "source",
        "latest_source_url": "source_url",
        "latest_origin_url": "origin_url",
    },
}
_SEEN_FIELDS = ["last_seen_on", "last_scraped_on", "listed_until"]


def bulk_set(model, rows, fields):
    """Write `fields` of {pk: [values in fields' order]} in one statement whatever their number. PostgreSQL:
    UPDATE ... FROM unnest() of one array per column (linear; bulk_update's CASE per row is quadratic at 10k
    rows); elsewhere bulk_update."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "sqlite":
        _bulk_set_sqlite(connection, model, rows, fields)
        return
    if connection.vendor != "postgresql":
        objs = [model(pk=pk, **dict(zip(fields, values, strict=True))) for pk, values in rows.items()]
        model.objects.bulk_update(objs, fields)
        return
    pk = model._meta.pk
    columns = [pk] + [model._meta.get_field(f) for f in fields]
    qn = connection.ops.quote_name
    sql = "UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) WHERE {table}.{pk} = v.{pk}".format(
        table=qn(model._meta.db_table),
        sets=", ".join(f"{qn(c.column)} = v.{qn(c.column)}" for c in columns[1:]),
        arrays=", ".join(f"%s::{c.db_type(connection)}[]" for c in columns),
        names=", ".join(qn(c.column) for c in columns),
        pk=qn(pk.column),
    )
    params = [list(rows)] + [[values[i] for values in rows.values()] for i in range(len(fields))]
    # Each column as the text of its array literal where it can be (one string to dump, not one value at a time).
    params = [literal if (literal := array_literal(column)) is not None else column for column in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _bulk_set_sqlite(connection, model, rows, fields):
    """SQLite (3.33+): one UPDATE ... FROM json_each(one JSON parameter), whatever the number of rows."""
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(f) for f in fields]
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    sets = ", ".join(f"{qn(c.column)} = json_extract(v.value, '$[{i + 1}]')" for i, c in enumerate(columns))
    sql = f"UPDATE {table} SET {sets} FROM json_each(%s) AS v WHERE {table}.{pk} = json_extract(v.value, '$[0]')"
    data = [
        [pk_value, *(c.get_db_prep_save(v, connection) for c, v in zip(columns, values, strict=True))]
        for pk_value, values in rows.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(data, default=str)])


def _publish_order():
    return [F(f.lstrip("-")).desc() if f.startswith("-") else F(f).asc() for f in PUBLISH_ORDER]


def _latest_fields(model):
    """{offering field: observation field} of the stored latest price, or {} on a historical model from
    before the fields existed (migrations)."""
    names = {f.name for f in model._meta.get_fields()}
    mapping = LATEST_PRICE_FIELDS.get(model._meta.label_lower, {})
    return mapping if set(mapping) <= names else {}


def refresh_seen(queryset):
    """THE one writer of offerings' last_seen_on, last_scraped_on and listed_until, and of their latest_*
    fields (the observation PUBLISH_ORDER publishes, see LATEST_PRICE_FIELDS), recomputed from their
    observations, so deleting an observation can lower them. Works on historical models (migrations).
    Four queries at most (one UPDATE on PostgreSQL), whatever the number of offerings. Returns how many changed."""
    observations = queryset.model._meta.get_field("observations").related_model
    latest_fields = _latest_fields(queryset.model)
    fields = _SEEN_FIELDS + list(latest_fields)
    offerings = {row[0]: list(row[1:]) for row in queryset.order_by().values_list("pk", *fields)}
    if not offerings:
        return 0
    ids = set(offerings)
    seen = {pk: {"seen": None, "scraped": None, "curated": None} for pk in offerings}
    rows = (
        observations.objects.filter(offering_id__any_of=ids)
        .values("offering_id", "is_curated")
        .annotate(seen=Max("observed_on"), dated=Max(Coalesce("price_date", "observed_on")))
        .order_by()
    )
    for row in rows:
        facts = seen[row["offering_id"]]
        facts["seen"] = max(filter(None, (facts["seen"], row["seen"])))
        if row["is_curated"]:
            facts["curated"] = row["dated"]
        else:
            facts["scraped"] = row["seen"]
    published = {}
    if latest_fields:
        newest = (
            observations.objects.filter(offering_id__any_of=ids)
            .annotate(publish_rank=Window(RowNumber(), partition_by=[F("offering_id")], order_by=_publish_order()))
            .filter(publish_rank=1)
            .values("offering_id", *latest_fields.values())
        )
        published = {row["offering_id"]: row for row in newest}
    changed = {}
    char = {n for n in latest_fields if isinstance(queryset.model._meta.get_field(n), models.CharField)}
    blank = {n: "" if n in char else None for n in latest_fields}
    for pk, facts in seen.items():
        until = [
            d
            for d in (
                facts["scraped"] and facts["scraped"] + timedelta(days=DELISTED_AFTER_DAYS),
                facts["curated"] and facts["curated"] + timedelta(days=CURATED_LISTED_FOR_DAYS),
            )
            if d
        ]
        values = [facts["seen"], facts["scraped"], max(until) if until else None]
        row = published.get(pk)
        for name, source_field in latest_fields.items():
            values.append(row[source_field] if row else blank[name])
        if offerings[pk] != values:
            changed[pk] = values
    bulk_set(queryset.model, changed, fields)
    return len(changed)


def market_q(today=None, prefix=""):
    """ListingQuerySet.market() as a Q on the offering's fields, behind `prefix` ("offerings__") when it is
    reached through a relation, e.g. to count a model's market offerings in an aggregate's filter."""
    today = today or today_utc()
    return Q(**{f"{prefix}listed_until__gte": today, f"{prefix}retired_by": ""}) & (
        Q(**{f"{prefix}last_scraped_on__isnull": True})
        | Q(**{f"{prefix}last_seen_on__gte": today - timedelta(days=STALE_AFTER_DAYS)})
    )


class ListingQuerySet(models.QuerySet):
    """Offerings by freshness (DESIGN.md), from the dates refresh_seen() denormalizes onto them.

    current: seen (by a scraper, or collected for the curated set) in the last 3 days.
    listed: shown in listings: a scraper saw it in the last 14 days, or its newest curated price is
    under a year old; and no scraper retired it. Listed prices older than 3 days show their age.
    """

    def listed(self, today=None):
        return self.filter(listed_until__gte=today or today_utc(), retired_by="")

    def current(self, today=None):
        return self.listed(today).filter(last_seen_on__gte=(today or today_utc()) - timedelta(days=STALE_AFTER_DAYS))

    def market(self, today=None):
        """What market figures are built from: offerings their source still vouches for: seen by a scraper in
        the last 3 days, or curated-only with a price under a year old. Pages show each price's age."""
        return self.filter(market_q(today))

    def refresh_seen(self):
        """THE writer of last_seen_on, last_scraped_on and listed_until (see refresh_seen())."""
        return refresh_seen(self)


class GpuAlias(models.Model):
    """A raw name a source uses for a GPU ("NVIDIA H100 80GB HBM3" -> h100-sxm), stored normalized."""

    gpu = models.ForeignKey(Gpu, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=150, unique=True)

    objects = GpuAliasQuerySet.as_manager()

    class Meta:
        verbose_name = "GPU alias"
        verbose_name_plural = "GPU aliases"

    def __str__(self):
        return f"{self.alias} -> {self.gpu.slug}"

    def save(self, *args, **kwargs):
        self.alias = normalize_alias(self.alias)
        super().save(*args, **kwargs)


# Which observation an offering publishes: the newest day, then a curated row, then the higher-ranked source
# (scrapers.precedence), then the newest row.
PUBLISH_ORDER = ("-observed_on", "-is_curated", "-rank", "-pk")


def publish_order_index(name):
    """The index with_latest_price() reads on a PriceObservation table: per offering, PUBLISH_ORDER (all
    descending), so each offering's published observation is one index entry instead of a sort."""
    return models.Index(
        "offering", F("observed_on").desc(), F("is_curated").desc(), F("rank").desc(), F("id").desc(), name=name
    )


class PricingType(models.TextChoices):
    ON_DEMAND = "on_demand", "On-demand"
    SPOT = "spot", "Spot"
    RESERVED_1Y = "reserved_1y", "Reserved 1 year"
    RESERVED_3Y = "reserved_3y", "Reserved 3 years"
    COMMUNITY = "community", "Community"


FAMILY_SCAN = 200  # cheapest_current_by_family reads this many cheapest offerings first


class GpuOfferingQuerySet(ListingQuerySet):
    def with_latest_price(self):
        """Each offering with its published price: latest_usd_per_gpu_hour, latest_usd_per_instance_hour,
        latest_observed_on, latest_price_date, latest_source, latest_source_url, latest_origin_url.

        They are columns of the offering, written by refresh_seen() (the one owner of what an offering
        publishes) whenever its observations change, so this reads no other table: kept so callers say
        what they read."""
        return self.all()

    def cheapest_current_by_family(self, families, pricing_type=None):
        """[(label, cheapest listed offering or None)] for (label, gpu slug prefix) pairs: one query, or two when
        a family has none among the FAMILY_SCAN cheapest offerings.

        Listed, not only current: each offering carries latest_observed_on/latest_price_date, and the page
        says how old the price is (the `price_age` tag)."""
        pricing_type = pricing_type or PricingType.ON_DEMAND
        prefixes = Q()
        for _, prefix in families:
            prefixes |= Q(gpu__slug__startswith=prefix)
        offerings = (
            self.market()
            .filter(prefixes, pricing_type=pricing_type, latest_usd_per_gpu_hour__isnull=False)
            .with_latest_price()
            .select_related("provider", "gpu")
            .order_by("latest_usd_per_gpu_hour", "pk")
        )
        # Cheapest first, so each family's first offering is its cheapest. The cheapest few hundred nearly always
        # hold every family (at 100x the families have 23k offerings, which were all built as model instances);
        # only when one is missing are the rest read, a second query.
        cheapest = {}
        for rows in (offerings[:FAMILY_SCAN], offerings[FAMILY_SCAN:]):
            for offering in rows:
                for label, prefix in families:
                    if label not in cheapest and offering.gpu.slug.startswith(prefix):
                        cheapest[label] = offering
            if len(cheapest) == len(families):
                break
        return [(label, cheapest.get(label)) for label, _ in families]


class GpuOffering(models.Model):
    """One thing a provider rents: a GPU type, in instances of N GPUs, at one pricing type and region."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="gpu_offerings")
    gpu = models.ForeignKey(Gpu, on_delete=models.PROTECT, related_name="offerings")
    gpus_per_instance = models.PositiveSmallIntegerField(default=1)
    pricing_type = models.CharField(max_length=12, choices=PricingType.choices, default=PricingType.ON_DEMAND)
    region = models.CharField(max_length=100, blank=True, help_text="Blank means any region.")
    instance_name = models.CharField(max_length=100, blank=True)
    vcpus = models.PositiveIntegerField("vCPUs", null=True, blank=True)
    ram_gb = models.PositiveIntegerField("RAM (GB)", null=True, blank=True)
    # Denormalized from the observations by ListingQuerySet.refresh_seen() only: lets pages filter
    # current/stale/delisted without touching the observations table.
    last_seen_on = models.DateField(
        null=True, blank=True, db_index=True, help_text="Newest day any source (scraper or curated set) saw it."
    )
    last_scraped_on = models.DateField(null=True, blank=True, help_text="Newest day a scraper saw it.")
    listed_until = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Last day listed (scraped + 14 days, curated price + 1 year).",
    )
    retired_by = models.CharField(
        max_length=60, blank=True, help_text="The scraped source that now covers this curated row (kept in history)."
    )
    # The published observation (PUBLISH_ORDER), copied by refresh_seen() only; `manage.py refresh_latest_prices`
    # rebuilds them. with_latest_price() reads these: no subquery per offering.
    latest_usd_per_gpu_hour = models.DecimalField(max_digits=10, decimal_places=4, null=True, editable=False)
    latest_usd_per_instance_hour = models.DecimalField(max_digits=12, decimal_places=4, null=True, editable=False)
    latest_observed_on = models.DateField(null=True, editable=False)
    latest_price_date = models.DateField(null=True, editable=False)
    latest_source = models.CharField(max_length=60, blank=True, editable=False)
    latest_source_url = models.URLField(max_length=500, blank=True, editable=False)
    latest_origin_url = models.URLField(max_length=500, blank=True, editable=False)

    objects = GpuOfferingQuerySet.as_manager()

    class Meta:
        ordering = ["gpu__name", "provider__name", "gpus_per_instance"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "gpu", "gpus_per_instance", "pricing_type", "region", "instance_name"],
                name="gpu_offering_unique_key",
            ),
            models.CheckConstraint(condition=Q(gpus_per_instance__gte=1), name="gpu_offering_gpus_positive"),
        ]
        indexes = [
            # The GPU page: every offering of one GPU at one pricing type.
            models.Index(fields=["gpu", "pricing_type"], name="gpu_offering_gpu_type_idx"),
        ]

    def __str__(self):
        region = f" {self.region}" if self.region else ""
        return f"{self.provider} {self.gpus_per_instance}x {self.gpu} {self.get_pricing_type_display()}{region}"

    def freshness(self, today=None):
        return offering_freshness(self, today)


class PriceObservation(models.Model):
    """What both markets' daily prices share: the day, the source's own date, where the number came from,
    its publishing precedence and whether an admin curated it. A subclass adds `offering` (a ForeignKey
    whose model's queryset has refresh_seen()), `source`, its prices, and its named constraints and indexes.
    """

    observed_on = models.DateField(help_text="UTC day the price was collected (by a scraper or for the curated set).")
    price_date = models.DateField(null=True, blank=True, help_text="The date the source states; blank = undated.")
    source_url = models.URLField(
        "provider page", max_length=500, blank=True, help_text="The provider's own price page, for the reader."
    )
    origin_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Where the number came from: aggregator file at its version, or page.",
    )
    rank = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="Source precedence (scrapers.precedence): the higher rank publishes on a same-day tie.",
    )
    is_curated = models.BooleanField(
        "curated", default=False, help_text="Set by admins and load_curated; scrapers never touch curated rows."
    )

    class Meta:
        abstract = True
        ordering = ["-observed_on"]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._meta.get_field("offering").related_model.objects.filter(pk=self.offering_id).refresh_seen()


class GpuPriceObservation(PriceObservation):
    """What one source said one offering cost on one UTC day."""

    offering = models.ForeignKey(GpuOffering, on_delete=models.CASCADE, related_name="observations")
    usd_per_gpu_hour = models.DecimalField("USD per GPU-hour", max_digits=10, decimal_places=4)
    usd_per_instance_hour = models.DecimalField(
        "USD per instance-hour", max_digits=12, decimal_places=4, null=True, blank=True
    )
    source = models.CharField(max_length=60, help_text='"curated", or the scraper source, e.g. "skypilot:aws".')

    class Meta(PriceObservation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "observed_on", "source"], name="gpu_observation_unique_per_day_source"
            ),
            models.CheckConstraint(condition=Q(usd_per_gpu_hour__gte=0), name="gpu_observation_price_non_negative"),
            models.CheckConstraint(
                condition=Q(usd_per_instance_hour__isnull=True) | Q(usd_per_instance_hour__gte=0),
                name="gpu_observation_instance_price_non_negative",
            ),
        ]
        indexes = [
            # with_latest_price(): per offering, ORDER BY PUBLISH_ORDER (all DESC) LIMIT 1.
            # The whole order is in the index, so each subquery reads one index entry instead of sorting
            # the offering's history (EXPLAIN at 100x: an Incremental Sort per offering without it).
            publish_order_index("gpu_obs_latest_full_idx"),
            # Daily statistics: every observation of one day; bump_data_version(): the newest GPU price day;
            # alerts.changes: the price-change feeds' window over a period's observations reads only this index
            # (PostgreSQL index-only scan, no heap read per observation).
            models.Index(
                fields=["observed_on"],
                include=["offering", "is_curated", "id", "usd_per_gpu_hour"],
                name="gpu_observation_day_idx",
            ),
            # scrapers.report.data_report (/sources/): the curated set's counts and dates, a few thousand rows
            # among millions; without it a sequential scan of every price (EXPLAIN at 100x: 3.1 s).
            models.Index(fields=["offering"], condition=Q(is_curated=True), name="gpu_obs_curated_idx"),
        ]

    def __str__(self):
        return f"{self.offering} ${self.usd_per_gpu_hour}/GPU-hr on {self.observed_on} ({self.source})"


@receiver(post_delete, sender=GpuPriceObservation)
def _observation_deleted(sender, instance, **kwargs):
    GpuOffering.objects.filter(pk=instance.offering_id).refresh_seen()


class GpuDailyStat(models.Model):
    """The market for one GPU at one pricing type on one UTC day, across providers.

    Written only by providers.stats.refresh_gpu_daily_stats (after the nightly scrapes and by
    load_curated); the history charts read this table, never the raw observations. An offering
    counts from its first observation until it stops being current, at its newest price so far
    (see providers.stats); each provider counts once, at its cheapest offering, so the quartiles
    are across providers.
    """

    gpu = models.ForeignKey(Gpu, on_delete=models.CASCADE, related_name="daily_stats")
    pricing_type = models.CharField(max_length=12, choices=PricingType.choices)
    day = models.DateField(help_text="UTC day.")
    cheapest_usd_per_gpu_hour = models.DecimalField("cheapest USD per GPU-hour", max_digits=10, decimal_places=4)
    p25_usd_per_gpu_hour = models.DecimalField("25th percentile USD per GPU-hour", max_digits=10, decimal_places=4)
    median_usd_per_gpu_hour = models.DecimalField("median USD per GPU-hour", max_digits=10, decimal_places=4)
    p75_usd_per_gpu_hour = models.DecimalField("75th percentile USD per GPU-hour", max_digits=10, decimal_places=4)
    provider_count = models.PositiveIntegerField()
    offering_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["gpu", "pricing_type", "day"]
        verbose_name = "GPU daily statistic"
        constraints = [
            # Its index serves the GPU page's history chart: one GPU, one pricing type, a range of days.
            models.UniqueConstraint(fields=["gpu", "pricing_type", "day"], name="gpu_daily_stat_unique_day"),
            models.CheckConstraint(
                condition=Q(cheapest_usd_per_gpu_hour__lte=models.F("median_usd_per_gpu_hour")),
                name="gpu_daily_stat_cheapest_at_most_median",
            ),
        ]
        indexes = [
            # refresh_gpu_daily_stats(since=...): delete every row from a day on.
            models.Index(fields=["day"], name="gpu_daily_stat_day_idx"),
        ]

    def __str__(self):
        return f"{self.gpu} {self.get_pricing_type_display()} {self.day}: ${self.cheapest_usd_per_gpu_hour} min"


class GpuProviderDailyPrice(models.Model):
    """One provider's cheapest current price for one GPU at one pricing type on one UTC day.

    The per-provider lines of the history charts; written with GpuDailyStat by refresh_gpu_daily_stats.
    """

    gpu = models.ForeignKey(Gpu, on_delete=models.CASCADE, related_name="provider_daily_prices")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="gpu_daily_prices")
    pricing_type = models.CharField(max_length=12, choices=PricingType.choices)
    day = models.DateField(help_text="UTC day.")
    usd_per_gpu_hour = models.DecimalField("cheapest USD per GPU-hour", max_digits=10, decimal_places=4)
    offering_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["gpu", "pricing_type", "provider", "day"]
        constraints = [
            # Its index serves the GPU page's per-provider lines: one GPU, one pricing type.
            models.UniqueConstraint(
                fields=["gpu", "pricing_type", "provider", "day"], name="gpu_provider_daily_price_unique_day"
            ),
        ]
        indexes = [
            # The provider page's history chart: one provider, one pricing type, a range of days.
            models.Index(fields=["provider", "pricing_type", "day"], name="gpu_prov_daily_provider_idx"),
            # refresh_gpu_daily_stats(since=...): delete every row from a day on.
            models.Index(fields=["day"], name="gpu_prov_daily_day_idx"),
        ]

    def __str__(self):
        return f"{self.provider} {self.gpu} {self.get_pricing_type_display()} {self.day}: ${self.usd_per_gpu_hour}"
