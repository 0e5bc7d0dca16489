"""Admin for the model catalogue and per-token prices."""

from django.contrib import admin

from .models import InferenceOffering, InferencePriceObservation, LanguageModel, ModelAlias


class ModelAliasInline(admin.TabularInline):
    model = ModelAlias
    extra = 1


@admin.register(LanguageModel)
class LanguageModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "creator",
        "family",
        "total_params_b",
        "active_params_b",
        "context_window",
        "open_weights",
        "release_date",
        "reviewed",
    ]
    list_filter = ["reviewed", "open_weights", "creator", "family"]
    actions = ["mark_reviewed"]

    @admin.action(description="Mark as reviewed (facts checked against their sources)")
    def mark_reviewed(self, request, queryset):
        self.message_user(request, f"{queryset.update(reviewed=True)} model(s) marked reviewed.")

    search_fields = ["name", "slug", "creator", "aliases__alias"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ModelAliasInline]


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "model"]
    list_select_related = ["model"]
    search_fields = ["alias", "model__name"]
    autocomplete_fields = ["model"]


class InferencePriceObservationInline(admin.TabularInline):
    model = InferencePriceObservation
    extra = 1
    fields = [
        "observed_on",
        "usd_per_mtok_input",
        "usd_per_mtok_output",
        "usd_per_mtok_cached_input",
        "usd_per_mtok_cache_write",
        "batch_discount",
        "context_served",
        "source",
        "source_url",
        "is_curated",
    ]
    ordering = ["-observed_on"]


@admin.register(InferenceOffering)
class InferenceOfferingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "provider", "model", "quantization", "serving_kind", "last_seen_on"]
    list_filter = ["serving_kind", "quantization", "provider"]
    list_select_related = ["provider", "model"]
    search_fields = ["provider__name", "model__name"]
    autocomplete_fields = ["provider", "model"]
    readonly_fields = ["last_seen_on"]
    inlines = [InferencePriceObservationInline]


@admin.register(InferencePriceObservation)
class InferencePriceObservationAdmin(admin.ModelAdmin):
    list_display = [
        "offering",
        "observed_on",
        "usd_per_mtok_input",
        "usd_per_mtok_output",
        "usd_per_mtok_cached_input",
        "batch_discount",
        "source",
        "is_curated",
    ]
    # The form reads offering, day, prices, then provenance (the shared PriceObservation fields come first
    # in the model's own order).
    fields = [
        "offering",
        "observed_on",
        "price_date",
        "usd_per_mtok_input",
        "usd_per_mtok_output",
        "usd_per_mtok_cached_input",
        "usd_per_mtok_cache_write",
        "batch_discount",
        "context_served",
        "source",
        "source_url",
        "origin_url",
        "is_curated",
    ]
    list_filter = ["is_curated", "source", "offering__serving_kind", "offering__provider"]
    list_select_related = ["offering__provider", "offering__model"]
    search_fields = ["offering__provider__name", "offering__model__name", "source"]
    date_hierarchy = "observed_on"
    autocomplete_fields = ["offering"]


# --- Throughput profiles (appended by the breakeven feature) --------------------------------------

from .models import ThroughputProfile  # noqa: E402


@admin.register(ThroughputProfile)
class ThroughputProfileAdmin(admin.ModelAdmin):
    """Saving runs full_clean, so a figure above its physical bound is refused with the bound."""

    list_display = [
        "key",
        "model",
        "gpu",
        "gpus_per_replica",
        "engine",
        "precision",
        "concurrency",
        "prefill_tokens_per_second",
        "decode_tokens_per_second",
        "decode_measure",
        "as_of",
        "is_curated",
    ]
    list_filter = ["is_curated", "precision", "decode_measure", "gpu"]
    list_select_related = ["model", "gpu"]
    search_fields = ["key", "model__name", "gpu__name", "engine"]
    autocomplete_fields = ["model", "gpu"]
    fieldsets = [
        (None, {"fields": ["key", "model", "gpu", "gpus_per_replica", "engine", "precision", "is_curated"]}),
        ("Load", {"fields": ["concurrency", "load", "input_tokens", "output_tokens"]}),
        (
            "Rates (aggregate tokens/s per replica)",
            {"fields": ["prefill_tokens_per_second", "prefill_measure", "decode_tokens_per_second", "decode_measure"]},
        ),
        ("Source", {"fields": ["source_url", "as_of", "note"]}),
    ]


# --- Measured endpoint speed (issue 17) ------------------------------------------------------------

from .models import EndpointMeasurement, MeasurementStatus  # noqa: E402


@admin.register(EndpointMeasurement)
class EndpointMeasurementAdmin(admin.ModelAdmin):
    """Speed measurements; the ones held for review (a >5x jump) are approved or rejected here."""

    list_display = [
        "offering",
        "measured_on",
        "tokens_per_second_p50",
        "ttft_ms_p50",
        "uptime_percent",
        "request_count",
        "source",
        "status",
        "review_reason",
    ]
    list_filter = ["status", "source", "offering__provider"]
    list_select_related = ["offering__provider", "offering__model"]
    search_fields = ["offering__provider__name", "offering__model__name", "endpoint", "source"]
    date_hierarchy = "measured_on"
    autocomplete_fields = ["offering"]
    actions = ["approve_selected", "reject_selected"]

    @admin.action(description="Approve (publish) the selected measurements")
    def approve_selected(self, request, queryset):
        count = queryset.exclude(status=MeasurementStatus.PUBLISHED).update(status=MeasurementStatus.PUBLISHED)
        self.message_user(request, f"Published {count} measurement(s).")

    @admin.action(description="Reject the selected held measurements")
    def reject_selected(self, request, queryset):
        count = queryset.filter(status=MeasurementStatus.PENDING).update(status=MeasurementStatus.REJECTED)
        self.message_user(request, f"Rejected {count} measurement(s).")
