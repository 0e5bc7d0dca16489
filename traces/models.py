"""Measured traces a buyer brings: one dataset per imported file, one row per measured configuration.

A row is a summary of one run: a workload served by one route (provider, model) at one concurrency,
with its latency, throughput, cache and acceptance figures and what it cost per output (USD, Decimal).
Provider and model are kept as the text the file used; the catalogue match is a nullable link.
"""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from inference.models import LanguageModel
from providers.models import Provider


class Route(models.TextChoices):
    """The four ways to buy inference (DESIGN.md "Buyers deciding a route"), in the order pages show them."""

    MANAGED_API = "managed_api", "managed API"
    SERVERLESS = "serverless", "hosted open-weight serverless"
    DEDICATED = "dedicated", "dedicated endpoint"
    SELF_HOSTED = "self_hosted", "self-hosted GPU"


class TraceDataset(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    # sha256 of the validated rows in a canonical form, so the same data is stored once whatever its
    # file's format, line endings, column order or name.
    content_sha256 = models.CharField("content SHA-256", max_length=64, unique=True)
    is_example = models.BooleanField(
        "example", default=False, help_text="Written by ComputePrices to illustrate the page, not measured."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    row_count = models.PositiveIntegerField(default=0)
    unmatched_providers = models.JSONField(default=list, blank=True, help_text="Provider names not in the catalogue.")
    unmatched_models = models.JSONField(default=list, blank=True, help_text="Model names not in the catalogue.")

    class Meta:
        ordering = ["-imported_at", "name"]
        verbose_name = "trace dataset"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("traces:dataset_detail", args=[self.slug])


class TraceRow(models.Model):
    """One measured configuration. Per-output figures (cost, review minutes) are per request made."""

    dataset = models.ForeignKey(TraceDataset, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(help_text="1 = the file's first data row.")
    route = models.CharField(max_length=12, choices=Route.choices)
    provider_name = models.CharField(max_length=150)
    provider = models.ForeignKey(Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="trace_rows")
    model_name = models.CharField(max_length=200)
    model = models.ForeignKey(
        LanguageModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="trace_rows"
    )
    workload = models.CharField(max_length=150)
    input_tokens = models.DecimalField("input tokens per request", max_digits=14, decimal_places=2)
    output_tokens = models.DecimalField("output tokens per request", max_digits=14, decimal_places=2)
    cache_hit_rate = models.DecimalField(max_digits=7, decimal_places=6, help_text="0..1")
    batch_eligible = models.BooleanField()
    concurrency = models.PositiveIntegerField()
    ttft_ms = models.DecimalField("time to first token (ms)", max_digits=12, decimal_places=3)
    latency_p50_ms = models.DecimalField("p50 latency (ms)", max_digits=12, decimal_places=3)
    latency_p95_ms = models.DecimalField("p95 latency (ms)", max_digits=12, decimal_places=3)
    output_tokens_per_second = models.DecimalField(max_digits=12, decimal_places=3)
    accepted_output_rate = models.DecimalField(max_digits=7, decimal_places=6, help_text="0..1")
    cost_usd = models.DecimalField("cost per request (USD)", max_digits=16, decimal_places=8)
    review_minutes = models.DecimalField("review minutes per request", max_digits=10, decimal_places=4)

    class Meta:
        ordering = ["dataset_id", "row_number"]
        verbose_name = "trace row"
        constraints = [
            models.UniqueConstraint(fields=["dataset", "row_number"], name="trace_row_unique_number"),
            models.CheckConstraint(
                condition=Q(cache_hit_rate__gte=0)
                & Q(cache_hit_rate__lte=1)
                & Q(accepted_output_rate__gte=0)
                & Q(accepted_output_rate__lte=1),
                name="trace_row_rates_fraction",
            ),
            models.CheckConstraint(
                condition=Q(input_tokens__gte=0)
                & Q(output_tokens__gte=0)
                & Q(ttft_ms__gte=0)
                & Q(latency_p50_ms__gte=0)
                & Q(output_tokens_per_second__gte=0)
                & Q(cost_usd__gte=0)
                & Q(review_minutes__gte=0),
                name="trace_row_measures_non_negative",
            ),
            models.CheckConstraint(condition=Q(concurrency__gte=1), name="trace_row_concurrency_positive"),
            models.CheckConstraint(
                condition=Q(latency_p95_ms__gte=F("latency_p50_ms")), name="trace_row_p95_at_least_p50"
            ),
            models.CheckConstraint(condition=Q(route__in=Route.values), name="trace_row_route_known"),
        ]
        # The dataset page reads every row of one dataset: served by the unique (dataset, row_number) index.

    def __str__(self):
        return f"{self.dataset} row {self.row_number}: {self.workload} / {self.get_route_display()}"
