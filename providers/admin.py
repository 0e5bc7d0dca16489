"""Admin for the GPU catalogue. Editing a curated observation here is how admins correct prices."""

from django.contrib import admin

from .models import Gpu, GpuAlias, GpuOffering, GpuPriceObservation, Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "offers", "website", "reviewed"]
    list_filter = ["reviewed", "offers"]
    actions = ["mark_reviewed"]

    @admin.action(description="Mark as reviewed (facts checked against their sources)")
    def mark_reviewed(self, request, queryset):
        self.message_user(request, f"{queryset.update(reviewed=True)} provider(s) marked reviewed.")

    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class GpuAliasInline(admin.TabularInline):
    model = GpuAlias
    extra = 1


@admin.register(Gpu)
class GpuAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "vendor",
        "architecture",
        "vram_gb",
        "memory_bandwidth_gbps",
        "bf16_dense_tflops",
        "fp8_dense_tflops",
        "form_factor",
        "release_year",
    ]
    list_filter = ["vendor", "architecture", "form_factor"]
    search_fields = ["name", "slug", "aliases__alias"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [GpuAliasInline]


@admin.register(GpuAlias)
class GpuAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "gpu"]
    list_select_related = ["gpu"]
    search_fields = ["alias", "gpu__name"]
    autocomplete_fields = ["gpu"]


class GpuPriceObservationInline(admin.TabularInline):
    model = GpuPriceObservation
    extra = 1
    fields = ["observed_on", "usd_per_gpu_hour", "usd_per_instance_hour", "source", "source_url", "is_curated"]
    ordering = ["-observed_on"]


@admin.register(GpuOffering)
class GpuOfferingAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "provider",
        "gpu",
        "gpus_per_instance",
        "pricing_type",
        "region",
        "instance_name",
        "last_seen_on",
    ]
    list_filter = ["pricing_type", "gpus_per_instance", "provider", "gpu"]
    list_select_related = ["provider", "gpu"]
    search_fields = ["instance_name", "provider__name", "gpu__name", "region"]
    autocomplete_fields = ["provider", "gpu"]
    readonly_fields = ["last_seen_on", "last_scraped_on", "listed_until"]
    inlines = [GpuPriceObservationInline]


@admin.register(GpuPriceObservation)
class GpuPriceObservationAdmin(admin.ModelAdmin):
    list_display = ["offering", "observed_on", "usd_per_gpu_hour", "usd_per_instance_hour", "source", "is_curated"]
    # The form reads offering, day, prices, then provenance (the shared PriceObservation fields come first
    # in the model's own order).
    fields = [
        "offering",
        "observed_on",
        "price_date",
        "usd_per_gpu_hour",
        "usd_per_instance_hour",
        "source",
        "source_url",
        "origin_url",
        "is_curated",
    ]
    list_filter = ["is_curated", "source", "offering__pricing_type", "offering__provider"]
    list_select_related = ["offering__provider", "offering__gpu"]
    search_fields = ["offering__provider__name", "offering__gpu__name", "offering__instance_name", "source"]
    date_hierarchy = "observed_on"
    autocomplete_fields = ["offering"]


# Daily statistics (issue 5): computed by providers.stats.refresh_gpu_daily_stats, so read-only here.
from .models import GpuDailyStat, GpuProviderDailyPrice  # noqa: E402


class ComputedReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GpuDailyStat)
class GpuDailyStatAdmin(ComputedReadOnlyAdmin):
    list_display = [
        "day",
        "gpu",
        "pricing_type",
        "cheapest_usd_per_gpu_hour",
        "median_usd_per_gpu_hour",
        "provider_count",
        "offering_count",
    ]
    list_filter = ["pricing_type", "gpu"]
    list_select_related = ["gpu"]
    date_hierarchy = "day"


@admin.register(GpuProviderDailyPrice)
class GpuProviderDailyPriceAdmin(ComputedReadOnlyAdmin):
    list_display = ["day", "gpu", "provider", "pricing_type", "usd_per_gpu_hour", "offering_count"]
    list_filter = ["pricing_type", "provider", "gpu"]
    list_select_related = ["gpu", "provider"]
    date_hierarchy = "day"
