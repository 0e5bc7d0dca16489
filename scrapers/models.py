"""What the scrapers leave behind: one ScrapeRun per run, the names they could not match, the prices
they held back for review, and the provider aliases that let a source's spelling reach a catalogue row.

Prices held for review carry the same units as observations: USD per GPU-hour, USD per 1M tokens.
"""

import re

from django.db import models
from django.db.models import Q
from django.utils import timezone

from inference.models import InferenceOffering, InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation, Provider, normalize_alias


class ScrapeRunQuerySet(models.QuerySet):
    def successful(self):
        return self.filter(status__in=[ScrapeRun.Status.OK, ScrapeRun.Status.PARTIAL])

    def newest_per_source(self):
        """{source: its newest run in this queryset}, in one query (a subquery picks each source's newest id)."""
        newest_ids = self.values("source").annotate(newest=models.Max("pk")).values_list("newest", flat=True)
        return {run.source: run for run in self.model.objects.filter(pk__in=newest_ids)}

    def last_successful_per_source(self):
        return self.successful().newest_per_source()


class ScrapeRun(models.Model):
    """One run of one source: when, how it ended, and what it did to how many rows."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        PARTIAL = "partial", "Partial (some rows refused, unmatched or flagged)"
        FAILED = "failed", "Failed (nothing written)"

    source = models.CharField(max_length=60)
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    observed_on = models.DateField(help_text="The UTC day the prices were recorded for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    dry_run = models.BooleanField(default=False)
    rows_seen = models.PositiveIntegerField(
        default=0,
        help_text="Price points parsed, skipped or refused (a row with on-demand and spot prices is two).",
    )
    rows_new = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_flagged = models.PositiveIntegerField(default=0, help_text="Held in the review queue.")
    rows_unmatched = models.PositiveIntegerField(default=0, help_text="Rows whose provider/GPU/model is unknown.")
    rows_refused = models.PositiveIntegerField(default=0, help_text="Sentinels, bad prices, malformed rows.")
    rows_skipped = models.PositiveIntegerField(default=0, help_text="Rows that are not prices we track.")
    rows_collapsed = models.PositiveIntegerField(
        default=0, help_text="Duplicate rows of one offering (other regions, zones) folded into its cheapest."
    )
    models_created = models.PositiveIntegerField(
        default=0, help_text="Catalogue models created (unreviewed) from the facts this source states."
    )
    unmatched_names = models.JSONField(default=list, blank=True, help_text="[[kind, raw name, rows], ...]")
    refusal_reasons = models.JSONField(default=dict, blank=True, help_text="{reason: rows}")
    error = models.TextField(blank=True)

    objects = ScrapeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started"]
        indexes = [
            # /sources/ and admin: the newest runs of one source.
            models.Index(fields=["source", "-started"], name="scrape_run_source_idx"),
        ]

    def __str__(self):
        return f"{self.source} {self.started:%Y-%m-%d %H:%M} {self.status}"

    @property
    def rows_published(self):
        return self.rows_new + self.rows_changed + self.rows_unchanged

    def summary(self):
        """The run as a plain dict (what `scrape --json` prints)."""
        return {
            "source": self.source,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "observed_on": self.observed_on.isoformat(),
            "status": self.status,
            "dry_run": self.dry_run,
            "rows_seen": self.rows_seen,
            "rows_published": self.rows_published,
            "rows_new": self.rows_new,
            "rows_changed": self.rows_changed,
            "rows_unchanged": self.rows_unchanged,
            "rows_flagged": self.rows_flagged,
            "rows_unmatched": self.rows_unmatched,
            "rows_refused": self.rows_refused,
            "rows_skipped": self.rows_skipped,
            "rows_collapsed": self.rows_collapsed,
            "models_created": self.models_created,
            "unmatched_names": self.unmatched_names,
            "refusal_reasons": self.refusal_reasons,
            "error": self.error,
        }


class UnmatchedName(models.Model):
    """A provider, GPU or model name a source used that no catalogue entry or alias answers to."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", "Provider"
        GPU = "gpu", "GPU"
        MODEL = "model", "Model"

    source = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    raw_name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0, help_text="Rows with this name in the latest run.")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    last_run = models.ForeignKey(ScrapeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved = models.BooleanField(
        default=False, help_text="Not unmatched in the source's latest run (an alias answers to it, or it is gone)."
    )

    class Meta:
        ordering = ["resolved", "-rows", "raw_name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "raw_name"], name="unmatched_name_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.raw_name!r} ({self.source})"


# Spellings of one provider that no normalisation joins (squashed: lower-case alphanumerics). Each
# group is symmetric: any member finds a provider known by any other member.
PROVIDER_SYNONYM_GROUPS = [
    ("aws", "amazonwebservices", "amazon", "amazonec2"),
    ("amazonbedrock", "awsbedrock", "bedrock", "aws"),
    ("googlecloud", "gcp", "google", "googlecloudplatform"),
    ("googlevertexai", "vertexai", "googlevertex", "googlecloud", "google"),
    ("googleaistudio", "gemini", "googleai", "google"),
    ("azure", "microsoftazure", "azureopenai"),
    ("azureaifoundry", "azureai", "azure"),
    ("oraclecloud", "oci", "oracle", "oraclecloudinfrastructure"),
    ("digitalocean", "do"),
    ("verda", "datacrunch", "verdadatacrunch"),
    ("lambda", "lambdalabs", "lambdacloud", "lambdaai"),
    ("togetherai", "together"),
    ("fireworksai", "fireworks"),
    ("mistralai", "mistral"),
    ("novitaai", "novita"),
    ("moonshotai", "moonshot"),
    ("vastai", "vast"),
    ("cudocompute", "cudo"),
    ("jarvislabs", "jarvislabsai"),
    ("xai", "grok"),
    ("alibabacloud", "alibaba", "dashscope", "alibabacloudmodelstudio"),
    ("nebius", "nebiusaistudio", "nebiusai"),
    ("crusoe", "crusoecloud"),
    ("sambanova", "sambanovacloud"),
    ("cloudflare", "cloudflareworkersai", "workersai"),
    ("zai", "zhipu", "zhipuai"),
]
PROVIDER_SYNONYMS = {}
for _group in PROVIDER_SYNONYM_GROUPS:
    for _name in _group:
        PROVIDER_SYNONYMS.setdefault(_name, [])
        PROVIDER_SYNONYMS[_name] += [other for other in _group if other != _name]


def squash(name):
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


class ProviderAliasQuerySet(models.QuerySet):
    def resolve(self, raw_names):
        """THE provider-name resolver (scrapers, trace imports and search call it): {raw name: provider id},
        unknown names absent. Slug, name or alias, ignoring case and punctuation, then the synonym groups
        above ("Lambda Labs" finds Lambda). Two queries whatever the number of names."""
        table = {}
        for alias, pk in self.lookup_table().items():
            table.setdefault(squash(alias), pk)
        found = {}
        for raw in raw_names:
            key = squash(raw)
            for candidate in (key, *PROVIDER_SYNONYMS.get(key, ())):
                if candidate in table:
                    found[raw] = table[candidate]
                    break
        return found

    def lookup_table(self):
        """{normalized name: provider id} from provider slugs, names and aliases: two queries."""
        table = {}
        for pk, slug, name in Provider.objects.values_list("pk", "slug", "name"):
            table.setdefault(normalize_alias(slug), pk)
            table.setdefault(normalize_alias(name), pk)
        table.update(dict(self.values_list("alias", "provider_id")))
        return table


class ProviderAlias(models.Model):
    """A name a source uses for a provider ("together_ai", "Together") -> the catalogue Provider.

    Lives here rather than in providers/ because only scrapers meet these spellings.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="scraper_aliases")
    alias = models.CharField(max_length=150, unique=True)

    objects = ProviderAliasQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "provider aliases"

    def __str__(self):
        return f"{self.alias} -> {self.provider.slug}"

    def save(self, *args, **kwargs):
        self.alias = normalize_alias(self.alias)
        super().save(*args, **kwargs)


class PendingPrice(models.Model):
    """A scraped price held back because it moved >5x or sits far outside the market (the review queue).

    Approving publishes it as an observation of its source; rejecting discards it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved (published)"
        REJECTED = "rejected", "Rejected"

    source = models.CharField(max_length=60)
    observed_on = models.DateField()
    run = models.ForeignKey(ScrapeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="flagged")
    gpu_offering = models.ForeignKey(GpuOffering, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    inference_offering = models.ForeignKey(
        InferenceOffering, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    usd_per_gpu_hour = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    usd_per_instance_hour = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    usd_per_mtok_input = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    usd_per_mtok_output = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    usd_per_mtok_cached_input = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    usd_per_mtok_cache_write = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    batch_discount = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    context_served = models.PositiveIntegerField(null=True, blank=True)
    reference_price = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="The price it was compared with."
    )
    reason = models.CharField(max_length=200)
    source_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    reviewed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created"]
        verbose_name = "flagged price"
        constraints = [
            models.CheckConstraint(
                condition=Q(gpu_offering__isnull=False, inference_offering__isnull=True)
                | Q(gpu_offering__isnull=True, inference_offering__isnull=False),
                name="pending_price_one_offering",
            ),
            # A rerun the same day does not queue the same price twice.
            models.UniqueConstraint(
                fields=["gpu_offering", "observed_on", "source"],
                condition=Q(gpu_offering__isnull=False),
                name="pending_price_unique_gpu",
            ),
            models.UniqueConstraint(
                fields=["inference_offering", "observed_on", "source"],
                condition=Q(inference_offering__isnull=False),
                name="pending_price_unique_inference",
            ),
        ]
        indexes = [
            # Admin's review queue: pending first.
            models.Index(fields=["status", "-created"], name="pending_price_status_idx"),
        ]

    def __str__(self):
        return f"{self.offering} on {self.observed_on} ({self.source}): {self.reason}"

    @property
    def offering(self):
        return self.gpu_offering or self.inference_offering

    def approve(self):
        """Publish as an observation of its source (upsert on offering, day, source); never over a curated row."""
        if self.gpu_offering_id:
            obs, _ = GpuPriceObservation.objects.get_or_create(
                offering_id=self.gpu_offering_id,
                observed_on=self.observed_on,
                source=self.source,
                defaults={"usd_per_gpu_hour": self.usd_per_gpu_hour},
            )
            if not obs.is_curated:
                obs.usd_per_gpu_hour = self.usd_per_gpu_hour
                obs.usd_per_instance_hour = self.usd_per_instance_hour
                obs.source_url = self.source_url
                obs.save()
        else:
            obs, _ = InferencePriceObservation.objects.get_or_create(
                offering_id=self.inference_offering_id,
                observed_on=self.observed_on,
                source=self.source,
                defaults={
                    "usd_per_mtok_input": self.usd_per_mtok_input,
                    "usd_per_mtok_output": self.usd_per_mtok_output,
                },
            )
            if not obs.is_curated:
                for field in (
                    "usd_per_mtok_input",
                    "usd_per_mtok_output",
                    "usd_per_mtok_cached_input",
                    "usd_per_mtok_cache_write",
                    "batch_discount",
                    "context_served",
                    "source_url",
                ):
                    setattr(obs, field, getattr(self, field))
                obs.save()
        self.status = self.Status.APPROVED
        self.reviewed = timezone.now()
        self.save(update_fields=["status", "reviewed"])

    def reject(self):
        self.status = self.Status.REJECTED
        self.reviewed = timezone.now()
        self.save(update_fields=["status", "reviewed"])
