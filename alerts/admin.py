from django.contrib import admin

from .models import SentAlert, Subscription


class SentAlertInline(admin.TabularInline):
    model = SentAlert
    extra = 0
    readonly_fields = ["sent_at", "price_usd", "below_usd", "subject_line"]
    can_delete = False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "gpu", "model", "provider", "below_usd", "status", "is_below", "created"]
    list_filter = ["status", "kind"]
    search_fields = ["email", "gpu__name", "model__name"]
    list_select_related = ["gpu", "model", "provider"]
    raw_id_fields = ["gpu", "model", "provider"]
    readonly_fields = ["token", "created", "confirmed_at", "unsubscribed_at"]
    inlines = [SentAlertInline]


@admin.register(SentAlert)
class SentAlertAdmin(admin.ModelAdmin):
    list_display = ["subject_line", "subscription", "price_usd", "below_usd", "sent_at"]
    list_select_related = ["subscription__gpu", "subscription__model", "subscription__provider"]
    date_hierarchy = "sent_at"
    readonly_fields = ["subscription", "sent_at", "price_usd", "below_usd", "subject_line"]
