"""The per-token side of the catalogue: language models, inference offerings and their daily prices.

Token prices are USD per 1M tokens as Decimal. Providers are shared with the GPU side
(providers.Provider); aliases map the raw names scrapers meet to catalogue entries.
"""

from decimal import Decimal

from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse

from computeprices.freshness import freshness_of, offering_freshness
from providers.models import (
    AliasQuerySet,
    ListingQuerySet,
    PriceObservation,
    Provider,
    normalize_alias,
    publish_order_index,
)

DEFAULT_BLEND_INPUT_PARTS = 3  # DESIGN.md: blended = (3 x input + 1 x output) / 4


def blended_price(input_price, output_price, input_parts=DEFAULT_BLEND_INPUT_PARTS, output_parts=1):
    """USD per 1M tokens for a mix of input_parts input tokens to output_parts output tokens."""
    if input_price is None or output_price is None:
        return None
    total = Decimal(input_parts) + Decimal(output_parts)
    return (Decimal(input_parts) * input_price + Decimal(output_parts) * output_price) / total


def blend_sum_expression(
    input_field="latest_input", output_field="latest_output", input_parts=DEFAULT_BLEND_INPUT_PARTS, output_parts=1
):
    """input_parts x input + output_parts x output: blended_price() times (input_parts + output_parts), as a
    database expression (NULL when either price is). It orders, picks minimums and gives ratios exactly as the
    blended price does, with no division: exact on PostgreSQL, and no integer division on SQLite (which stores
    a whole price as an integer). To sort or rank, use BlendOrder: SQLite computes this sum in floats."""
    return ExpressionWrapper(
        input_parts * F(input_field) + output_parts * F(output_field),
        output_field=models.DecimalField(max_digits=30, decimal_places=6),
    )


class BlendOrder(models.Func):
    """An exact integer sort key for blend_sum_expression(), in millionths of a dollar: equal blended prices get
    equal keys. Prices have six decimal places, so the key is exact on PostgreSQL (numeric) and on SQLite, whose
    decimals are floats (rounding to the integer undoes the float error); integers also sort faster."""

    template = "CAST(ROUND((%(expressions)s) * 1000000) AS BIGINT)"
    output_field = models.BigIntegerField()

    def __init__(self, input_parts=DEFAULT_BLEND_INPUT_PARTS, output_parts=1):
        super().__init__(blend_sum_expression(input_parts=input_parts, output_parts=output_parts))


def is_moe(active_params_b, total_params_b):
    """A mixture of experts: fewer parameters active per token than in total."""
    return active_params_b is not None and total_params_b is not None and active_params_b < total_params_b


class LanguageModelQuerySet(models.QuerySet):
    def most_served(self, count):
        """The `count` models with the most market offerings, each with its cheapest blended offering (whose
        latest_observed_on / latest_price_date the page shows as the price's age; a tie goes to the provider
        first by name).

        Two queries: the models with their count of market offerings, then each one's cheapest offering (the
        database ranks a model's offerings by blended price; only the first of each is read).
        Returns [(model, cheapest offering, blended USD per 1M)].
        """
        from providers.models import market_q

        models_ = list(
            self.annotate(served_by=models.Count("offerings", filter=market_q(prefix="offerings__")))
            .filter(served_by__gt=0)
            .order_by("-served_by", "name")[:count]
        )
        blend = BlendOrder()  # orders as the 3:1 blended price does
        cheapest = (
            InferenceOffering.objects.market()
            .filter(model__in=models_, latest_input__isnull=False, latest_output__isnull=False)
            .annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[F("model_id")],
                    order_by=[blend.asc(), F("provider__name").asc(), F("pk").asc()],
                )
            )
            .filter(place=1)
            .select_related("provider")
        )
        best = {o.model_id: (o, blended_price(o.latest_input, o.latest_output)) for o in cheapest}
        return [(m, *best[m.pk]) for m in models_ if m.pk in best]


class AttentionKind(models.TextChoices):
    GQA = "gqa", "Grouped-query attention"
    MHA = "mha", "Multi-head attention"
    MLA = "mla", "Multi-head latent attention"
    HYBRID = "hybrid", "Hybrid (linear or compressed layers beside attention)"
    SLIDING = "sliding", "Sliding-window and global layers"


class LanguageModel(models.Model):
    """A model as its creator released it (not a provider's deployment of it)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    creator = models.CharField(max_length=100, help_text="Who trained it: Meta, DeepSeek, OpenAI, ...")
    family = models.CharField(max_length=100, blank=True)
    total_params_b = models.DecimalField("total parameters (B)", max_digits=8, decimal_places=2, null=True, blank=True)
    active_params_b = models.DecimalField(
        "active parameters (B)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Parameters used per token; equals the total for dense models.",
    )
    context_window = models.PositiveIntegerField("context window (tokens)", null=True, blank=True)
    modalities = models.CharField(max_length=100, default="text", help_text="Comma-separated input modalities.")
    open_weights = models.BooleanField(default=False)
    release_date = models.DateField(null=True, blank=True)
    license = models.CharField(max_length=100, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    # Architecture facts for sizing the KV cache (selfhost.planner); from inference/data/model_architecture.yaml.
    num_layers = models.PositiveSmallIntegerField("layers", null=True, blank=True)
    kv_layers = models.PositiveSmallIntegerField(
        "layers holding a full KV cache",
        null=True,
        blank=True,
        help_text="Layers whose KV cache grows with the context; fewer than all for hybrid/sliding-window models.",
    )
    num_kv_heads = models.PositiveSmallIntegerField("KV heads", null=True, blank=True, help_text="MLA: 1 latent head.")
    head_dim = models.PositiveSmallIntegerField(
        "head dimension", null=True, blank=True, help_text="MLA: kv_lora_rank + qk_rope_head_dim."
    )
    attention_kind = models.CharField(max_length=10, choices=AttentionKind.choices, blank=True)
    architecture_source_url = models.URLField(max_length=500, blank=True)
    reviewed = models.BooleanField(
        default=True, help_text="False for a model created from a source's facts until an admin reviews it."
    )
    fact_sources = models.JSONField(default=dict, blank=True, help_text="{fact: URL of the source that states it}")

    objects = LanguageModelQuerySet.as_manager()

    class Meta:
        ordering = ["creator", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_params_b__isnull=True)
                | Q(total_params_b__isnull=True)
                | Q(active_params_b__lte=models.F("total_params_b")),
                name="model_active_params_at_most_total",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inference:model_detail", args=[self.slug])

    @property
    def is_moe(self):
        return is_moe(self.active_params_b, self.total_params_b)

    @property
    def kv_bytes_per_token(self):
        """BF16 KV cache bytes per token of context, or None without the architecture facts."""
        if not (self.num_layers and self.num_kv_heads and self.head_dim):
            return None
        per_element = 1 if self.attention_kind == AttentionKind.MLA else 2  # MLA stores one latent, not K and V
        return (self.kv_layers or self.num_layers) * self.num_kv_heads * self.head_dim * per_element * 2

    @property
    def modality_list(self):
        return [m.strip() for m in self.modalities.split(",") if m.strip()]


class ModelAliasQuerySet(AliasQuerySet):
    target = "model"


class ModelAlias(models.Model):
    """A raw name a source uses for a model ("meta-llama/Llama-3.3-70B-Instruct"), stored normalized."""

    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200, unique=True)

    objects = ModelAliasQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "model aliases"

    def __str__(self):
        return f"{self.alias} -> {self.model.slug}"

    def save(self, *args, **kwargs):
        self.alias = normalize_alias(self.alias)
        super().save(*args, **kwargs)


class ServingKind(models.TextChoices):
    SERVERLESS = "serverless", "Serverless (per token)"
    DEDICATED = "dedicated", "Dedicated endpoint"
    BATCH = "batch", "Batch"


class InferenceOfferingQuerySet(ListingQuerySet):
    def with_latest_price(self):
        """Each offering with its published price: latest_input, latest_output, latest_cached_input,
        latest_cache_write, latest_batch_discount, latest_context, latest_observed_on, latest_price_date,
        latest_source, latest_source_url, latest_origin_url.

        Columns of the offering written by providers.models.refresh_seen() (see GpuOffering): no subquery."""
        return self.all()

    def with_latest_measurement(self):
        """Annotate each offering with its newest published speed measurement (EndpointMeasurement).

        Adds latest_tps_p50 (output tokens/s per request), latest_ttft_ms_p50, latest_uptime_percent,
        latest_request_count, latest_window_minutes, latest_measured_on, latest_measurement_source:
        None where the offering was never measured. Subqueries in the same query: no extra queries.
        """
        newest = EndpointMeasurement.objects.published().filter(offering=OuterRef("pk")).order_by("-measured_on", "-pk")
        fields = {
            "latest_tps_p50": "tokens_per_second_p50",
            "latest_ttft_ms_p50": "ttft_ms_p50",
            "latest_uptime_percent": "uptime_percent",
            "latest_request_count": "request_count",
            "latest_window_minutes": "window_minutes",
            "latest_measured_on": "measured_on",
            "latest_measurement_source": "source",
        }
        return self.annotate(**{name: Subquery(newest.values(field)[:1]) for name, field in fields.items()})


class InferenceOffering(models.Model):
    """One provider serving one model in one variant (quantization, serving kind)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="inference_offerings")
    model = models.ForeignKey(LanguageModel, on_delete=models.PROTECT, related_name="offerings")
    quantization = models.CharField(
        max_length=20, blank=True, help_text="fp8, bf16, fp4, int4 ...; blank = not stated."
    )
    serving_kind = models.CharField(max_length=12, choices=ServingKind.choices, default=ServingKind.SERVERLESS)
    region = models.CharField(
        max_length=60, blank=True, help_text="Blank = global; e.g. Bedrock's us./eu./apac. cross-region profiles."
    )
    # Denormalized from the observations by ListingQuerySet.refresh_seen() only (see GpuOffering).
    last_seen_on = models.DateField(null=True, blank=True, db_index=True)
    last_scraped_on = models.DateField(null=True, blank=True)
    listed_until = models.DateField(null=True, blank=True, db_index=True)
    retired_by = models.CharField(max_length=60, blank=True)
    # The published observation (PUBLISH_ORDER), copied by refresh_seen() only (see GpuOffering).
    latest_input = models.DecimalField(max_digits=12, decimal_places=6, null=True, editable=False)
    latest_output = models.DecimalField(max_digits=12, decimal_places=6, null=True, editable=False)
    latest_cached_input = models.DecimalField(max_digits=12, decimal_places=6, null=True, editable=False)
    latest_cache_write = models.DecimalField(max_digits=12, decimal_places=6, null=True, editable=False)
    latest_batch_discount = models.DecimalField(max_digits=4, decimal_places=3, null=True, editable=False)
    latest_context = models.PositiveIntegerField(null=True, editable=False)
    latest_observed_on = models.DateField(null=True, editable=False)
    latest_price_date = models.DateField(null=True, editable=False)
    latest_source = models.CharField(max_length=60, blank=True, editable=False)
    latest_source_url = models.URLField(max_length=500, blank=True, editable=False)
    latest_origin_url = models.URLField(max_length=500, blank=True, editable=False)

    objects = InferenceOfferingQuerySet.as_manager()

    class Meta:
        ordering = ["model__name", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "model", "quantization", "serving_kind", "region"],
                name="inference_offering_unique_key_region",
            ),
        ]
        indexes = [
            # The model page: every offering of one model.
            models.Index(fields=["model", "serving_kind"], name="inf_offering_model_idx"),
        ]

    def __str__(self):
        quant = f" {self.quantization}" if self.quantization else ""
        region = f" {self.region}" if self.region else ""
        return f"{self.provider} {self.model}{quant}{region} ({self.get_serving_kind_display()})"

    def freshness(self, today=None):
        return offering_freshness(self, today)


def _non_negative(field):
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0})


class InferencePriceObservation(PriceObservation):
    """What one source said one inference offering cost on one UTC day, in USD per 1M tokens."""

    offering = models.ForeignKey(InferenceOffering, on_delete=models.CASCADE, related_name="observations")
    usd_per_mtok_input = models.DecimalField("USD per 1M input tokens", max_digits=12, decimal_places=6)
    usd_per_mtok_output = models.DecimalField("USD per 1M output tokens", max_digits=12, decimal_places=6)
    usd_per_mtok_cached_input = models.DecimalField(
        "USD per 1M cached input tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    usd_per_mtok_cache_write = models.DecimalField(
        "USD per 1M cache-write tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    batch_discount = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, help_text="0.5 = batch costs half the list price."
    )
    context_served = models.PositiveIntegerField("context served (tokens)", null=True, blank=True)
    source = models.CharField(max_length=60, help_text='"curated", or the scraper source, e.g. "openrouter".')

    class Meta(PriceObservation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "observed_on", "source"], name="inference_observation_unique_per_day_source"
            ),
            models.CheckConstraint(
                condition=Q(usd_per_mtok_input__gte=0) & Q(usd_per_mtok_output__gte=0),
                name="inference_observation_prices_non_negative",
            ),
            models.CheckConstraint(
                condition=_non_negative("usd_per_mtok_cached_input") & _non_negative("usd_per_mtok_cache_write"),
                name="inference_observation_cache_prices_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(batch_discount__isnull=True) | (Q(batch_discount__gte=0) & Q(batch_discount__lte=1)),
                name="inference_observation_batch_discount_fraction",
            ),
        ]
        indexes = [
            # with_latest_price(): per offering, ORDER BY PUBLISH_ORDER (all DESC) LIMIT 1.
            # nine subqueries per offering; the whole order in the index makes each one a single index read.
            publish_order_index("inf_obs_latest_full_idx"),
            # bump_data_version(): the newest token price day (the footer's "as of"), and /sources/'s count of
            # recent observations (observed_on >= a day); without it both scan every token price.
            # alerts.changes: the price-change feeds' window over a period's observations reads only this index
            # (PostgreSQL index-only scan; EXPLAIN at 100x: 436 -> 88 ms for the site feed's week).
            models.Index(
                fields=["observed_on"],
                include=["offering", "is_curated", "id", "usd_per_mtok_input", "usd_per_mtok_output"],
                name="inf_observation_day_idx",
            ),
            # scrapers.report.data_report (/sources/): the curated set's counts and dates, a few thousand rows
            # among millions; without it a sequential scan of every price (EXPLAIN at 100x: 3.1 s).
            models.Index(fields=["offering"], condition=Q(is_curated=True), name="inf_obs_curated_idx"),
        ]

    def __str__(self):
        return (
            f"{self.offering} ${self.usd_per_mtok_input}/${self.usd_per_mtok_output} per 1M "
            f"on {self.observed_on} ({self.source})"
        )

    @property
    def blended(self):
        return blended_price(self.usd_per_mtok_input, self.usd_per_mtok_output)


# --- Measured speed of API endpoints (OpenRouter's measurements of its own traffic) ------------------


class MeasurementStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    PENDING = "pending", "Held for review"
    REJECTED = "rejected", "Rejected"


class EndpointMeasurementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=MeasurementStatus.PUBLISHED)

    def latest_by_offering(self, offering_ids):
        """{offering id: its newest published measurement} for these offerings. One query.

        A correlated subquery picks each offering's newest row (served by endpoint_meas_latest_idx).
        """
        newest = (
            EndpointMeasurement.objects.published()
            .filter(offering=OuterRef("offering"))
            .order_by("-measured_on", "-pk")
            .values("pk")[:1]
        )
        rows = self.published().filter(offering_id__in=list(offering_ids), pk=Subquery(newest))
        return {m.offering_id: m for m in rows}


def _positive_or_null(*fields):
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0})
    return condition


class EndpointMeasurement(models.Model):
    """What one source measured of one inference offering's endpoint on one UTC day.

    Throughput is output tokens per second *per request* (one stream, not a replica's aggregate), and
    TTFT is the time to the first token in milliseconds, each at the percentiles the source gives over
    its window (OpenRouter: the last 30 minutes of its own traffic). Percentiles are stored as the
    source labels them. History is kept like prices: one row per offering, day and source.

    A row the ingest path found suspicious (a >5x jump from the last published figure) is kept with
    status "pending" and a reason, and only "published" rows reach the pages (admin approves/rejects).
    """

    offering = models.ForeignKey(InferenceOffering, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(help_text="UTC day the source's window ended (the day it was collected).")
    source = models.CharField(max_length=60, help_text='The scraper source, e.g. "openrouter:endpoints".')
    endpoint = models.CharField(
        max_length=200, blank=True, help_text="The source's name for the endpoint, e.g. deepinfra/turbo."
    )
    tokens_per_second_p50 = models.DecimalField(
        "output tokens/s per request, p50", max_digits=10, decimal_places=2, null=True, blank=True
    )
    tokens_per_second_p90 = models.DecimalField(
        "output tokens/s per request, p90", max_digits=10, decimal_places=2, null=True, blank=True
    )
    tokens_per_second_p99 = models.DecimalField(
        "output tokens/s per request, p99", max_digits=10, decimal_places=2, null=True, blank=True
    )
    ttft_ms_p50 = models.DecimalField(
        "time to first token (ms), p50", max_digits=10, decimal_places=1, null=True, blank=True
    )
    ttft_ms_p90 = models.DecimalField(
        "time to first token (ms), p90", max_digits=10, decimal_places=1, null=True, blank=True
    )
    ttft_ms_p99 = models.DecimalField(
        "time to first token (ms), p99", max_digits=10, decimal_places=1, null=True, blank=True
    )
    uptime_percent = models.DecimalField(
        "uptime (%)", max_digits=5, decimal_places=2, null=True, blank=True, help_text="Successful / all requests."
    )
    request_count = models.PositiveIntegerField(null=True, blank=True, help_text="Requests behind the figures.")
    window_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The period the figures cover, ending at collection (OpenRouter: 30)."
    )
    source_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=MeasurementStatus.choices, default=MeasurementStatus.PUBLISHED)
    review_reason = models.CharField(max_length=200, blank=True)
    reference_tokens_per_second = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="The published figure it was compared with."
    )

    objects = EndpointMeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["-measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "measured_on", "source"], name="endpoint_measurement_unique_per_day_source"
            ),
            models.CheckConstraint(
                condition=Q(tokens_per_second_p50__isnull=False)
                | Q(ttft_ms_p50__isnull=False)
                | Q(uptime_percent__isnull=False),
                name="endpoint_measurement_has_a_figure",
            ),
            models.CheckConstraint(
                condition=_positive_or_null("tokens_per_second_p50", "tokens_per_second_p90", "tokens_per_second_p99"),
                name="endpoint_measurement_speeds_positive",
            ),
            models.CheckConstraint(
                condition=_positive_or_null("ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99"),
                name="endpoint_measurement_ttft_positive",
            ),
            models.CheckConstraint(
                condition=Q(uptime_percent__isnull=True) | (Q(uptime_percent__gte=0) & Q(uptime_percent__lte=100)),
                name="endpoint_measurement_uptime_percent",
            ),
            models.CheckConstraint(
                condition=_positive_or_null("window_minutes"), name="endpoint_measurement_window_positive"
            ),
            models.CheckConstraint(
                condition=Q(status=MeasurementStatus.PUBLISHED) | ~Q(review_reason=""),
                name="endpoint_measurement_held_has_reason",
            ),
        ]
        indexes = [
            # latest_by_offering() / with_latest_measurement(): the newest measurement of one offering.
            models.Index(fields=["offering", "-measured_on"], name="endpoint_meas_latest_idx"),
        ]

    def __str__(self):
        return f"{self.offering} {self.tokens_per_second_p50} tok/s on {self.measured_on} ({self.source})"

    def freshness(self, today=None):
        """current / stale / delisted by the day it was measured (the same 3 and 14 days as prices)."""
        return freshness_of(self.measured_on, today)

    def approve(self):
        self.status = MeasurementStatus.PUBLISHED
        self.save(update_fields=["status"])

    def reject(self):
        self.status = MeasurementStatus.REJECTED
        self.save(update_fields=["status"])


@receiver(post_delete, sender=InferencePriceObservation)
def _observation_deleted(sender, instance, **kwargs):
    InferenceOffering.objects.filter(pk=instance.offering_id).refresh_seen()


# --- Throughput profiles (the breakeven calculator's self-hosting side) ---------------------------


class ThroughputPrecision(models.TextChoices):
    BF16 = "bf16", "BF16"
    FP8 = "fp8", "FP8"
    FP4 = "fp4", "FP4"
    UNSTATED = "unstated", "Not stated by the source"


class DecodeMeasure(models.TextChoices):
    DECODE = "decode", "Decode rate: output tokens/s while decoding"
    TOTAL_OUTPUT = "total_output", "Total output throughput at full load (prefill time included)"
    UNSTATED = "unstated", "Throughput; the source does not say output-only or total"


class PrefillMeasure(models.TextChoices):
    PREFILL = "prefill", "Prefill rate: input tokens/s computed"
    WITH_CACHE_HITS = "with_cache_hits", "Input tokens/s including prefix-cache hits"


class ThroughputProfileQuerySet(models.QuerySet):
    def for_models(self, models_):
        """Profiles of these models with their model and GPU: one query."""
        return self.filter(model__in=models_).select_related("model", "gpu")


class ThroughputProfile(models.Model):
    """A published serving figure: one model on one replica of N GPUs with one engine at one load.

    Rates are aggregate tokens/s per replica. What a figure measures is stored with it (a TensorRT-LLM
    "total output throughput" is not a decode rate), and a figure above the replica's physical bound
    is refused (see clean()).
    """

    key = models.SlugField(max_length=150, unique=True, help_text="Stable id; the curated seed upserts by it.")
    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="throughput_profiles")
    gpu = models.ForeignKey("providers.Gpu", on_delete=models.PROTECT, related_name="throughput_profiles")
    engine = models.CharField(max_length=150, help_text="Serving engine and setup, e.g. vLLM 0.8, SGLang + EP.")
    precision = models.CharField(max_length=10, choices=ThroughputPrecision.choices)
    gpus_per_replica = models.PositiveSmallIntegerField(help_text="GPUs the figures are for (one replica).")
    concurrency = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sequences in flight per replica, where the source gives a number."
    )
    load = models.CharField(max_length=200, blank=True, help_text="The load as the source describes it.")
    input_tokens = models.PositiveIntegerField("input tokens per request", null=True, blank=True)
    output_tokens = models.PositiveIntegerField("output tokens per request", null=True, blank=True)
    prefill_tokens_per_second = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    prefill_measure = models.CharField(max_length=20, choices=PrefillMeasure.choices, blank=True)
    decode_tokens_per_second = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    decode_measure = models.CharField(max_length=20, choices=DecodeMeasure.choices, blank=True)
    source_url = models.URLField(max_length=500)
    as_of = models.DateField(help_text="When the source published the figure.")
    note = models.TextField(blank=True)
    is_curated = models.BooleanField(
        "curated", default=False, help_text="Loaded from inference/data/throughput_profiles.yaml."
    )

    objects = ThroughputProfileQuerySet.as_manager()

    class Meta:
        ordering = ["model__name", "gpu__name", "gpus_per_replica", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prefill_tokens_per_second__isnull=False) | Q(decode_tokens_per_second__isnull=False),
                name="throughput_profile_has_a_rate",
            ),
            models.CheckConstraint(
                condition=(Q(prefill_tokens_per_second__isnull=True) | Q(prefill_tokens_per_second__gt=0))
                & (Q(decode_tokens_per_second__isnull=True) | Q(decode_tokens_per_second__gt=0)),
                name="throughput_profile_rates_positive",
            ),
            models.CheckConstraint(condition=Q(gpus_per_replica__gte=1), name="throughput_profile_gpus_positive"),
            models.CheckConstraint(
                condition=(Q(prefill_tokens_per_second__isnull=True) | ~Q(prefill_measure=""))
                & (Q(decode_tokens_per_second__isnull=True) | ~Q(decode_measure="")),
                name="throughput_profile_rate_says_what_it_measures",
            ),
        ]
        # No extra index: the page reads a model's profiles through the model_id foreign-key index.

    def __str__(self):
        return f"{self.model} on {self.gpus_per_replica}x {self.gpu} ({self.engine}, {self.get_precision_display()})"

    def bounds(self):
        """The replica's physical bounds at this profile's precision (economics.Bounds)."""
        from . import economics

        gpu = self.gpu
        return economics.replica_bounds(
            self.model.active_params_b,
            self.gpus_per_replica,
            gpu.memory_bandwidth_gbps,
            gpu.bf16_dense_tflops,
            gpu.fp8_dense_tflops,
            self.precision,
            has_fp4=(gpu.architecture or "").lower().startswith("blackwell"),
        )

    def bound_problems(self):
        """{field: message} for each figure more than 2% above its physical bound."""
        from . import economics

        if self.model_id is None or self.gpu_id is None or not self.gpus_per_replica:
            return {}
        bounds = self.bounds()
        problems = {}
        checks = []
        if self.prefill_tokens_per_second is not None:
            prefill = self.prefill_tokens_per_second
            checks.append(("prefill_tokens_per_second", "Prefill", prefill, bounds.compute_tokens_per_second))
        if self.decode_tokens_per_second is not None:
            decode = self.decode_tokens_per_second
            total = decode
            if self.decode_measure == DecodeMeasure.TOTAL_OUTPUT and self.input_tokens and self.output_tokens:
                # Output tokens/s at full load: the input tokens of the same requests were computed too.
                total = decode * (self.input_tokens + self.output_tokens) / self.output_tokens
            checks.append(
                ("decode_tokens_per_second", "Tokens computed per second", total, bounds.compute_tokens_per_second)
            )
            if self.concurrency and bounds.decode_tokens_per_second_per_sequence is not None:
                checks.append(
                    (
                        "decode_tokens_per_second",
                        f"Decode per sequence (at concurrency {self.concurrency})",
                        decode / self.concurrency,
                        bounds.decode_tokens_per_second_per_sequence,
                    )
                )
        for field, what, value, bound in checks:
            try:
                economics.check_within_bound(value, bound, f"{what} on {self.gpus_per_replica}x {self.gpu}")
            except economics.BoundExceeded as exc:
                problems.setdefault(field, str(exc))
        return problems

    def clean(self):
        from django.core.exceptions import ValidationError

        problems = self.bound_problems()
        if problems:
            raise ValidationError(problems)
