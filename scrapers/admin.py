"""Admin for scrape runs, the review queue (approve publishes, reject discards), unmatched names (one
action turns them into aliases of a chosen catalogue entry) and provider aliases."""

import difflib

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.template.response import TemplateResponse
from django.utils import timezone

from inference.models import LanguageModel, ModelAlias
from providers.models import Gpu, GpuAlias, Provider, normalize_alias

from .models import PendingPrice, ProviderAlias, ScrapeRun, UnmatchedName


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "started",
        "finished",
        "status",
        "dry_run",
        "rows_seen",
        "rows_new",
        "rows_changed",
        "rows_unchanged",
        "rows_flagged",
        "rows_unmatched",
        "rows_refused",
    ]
    list_filter = ["status", "source", "dry_run"]
    search_fields = ["source", "error"]
    date_hierarchy = "started"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingPrice)
class PendingPriceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "usd_per_gpu_hour",
        "usd_per_mtok_input",
        "usd_per_mtok_output",
        "reference_price",
        "observed_on",
        "source",
    ]
    list_filter = ["status", "source"]
    list_select_related = [
        "gpu_offering__provider",
        "gpu_offering__gpu",
        "inference_offering__provider",
        "inference_offering__model",
    ]
    raw_id_fields = ["gpu_offering", "inference_offering", "run"]
    actions = ["approve", "reject"]

    @admin.action(description="Approve: publish the selected prices")
    def approve(self, request, queryset):
        done = 0
        with transaction.atomic():
            for pending in queryset.filter(status=PendingPrice.Status.PENDING):
                pending.approve()
                done += 1
        self.message_user(request, f"Published {done} price(s).")

    @admin.action(description="Reject: discard the selected prices")
    def reject(self, request, queryset):
        done = queryset.filter(status=PendingPrice.Status.PENDING).update(
            status=PendingPrice.Status.REJECTED, reviewed=timezone.now()
        )
        self.message_user(request, f"Rejected {done} price(s).")


TARGETS = {
    UnmatchedName.Kind.GPU: (Gpu, GpuAlias, "gpu"),
    UnmatchedName.Kind.MODEL: (LanguageModel, ModelAlias, "model"),
    UnmatchedName.Kind.PROVIDER: (Provider, ProviderAlias, "provider"),
}


class AliasTargetForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Gpu.objects.none(), label="Add as alias of")

    def __init__(self, *args, target_model, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = target_model.objects.all()


def _best_guess(target_model, raw_names):
    """The catalogue entry whose name or slug reads most like the first raw name, to preselect (or None)."""
    if not raw_names:
        return None
    choices = {}
    for pk, slug, name in target_model.objects.values_list("pk", "slug", "name"):
        choices[normalize_alias(slug)] = pk
        choices[normalize_alias(name)] = pk
    raw = normalize_alias(raw_names[0])
    contained = [c for c in choices if c and f" {c} " in f" {raw} "]
    if contained:  # "h200 141gb" contains "h200": the longest such name wins
        return choices[max(contained, key=len)]
    match = difflib.get_close_matches(raw, list(choices), n=1, cutoff=0.6)
    return choices[match[0]] if match else None


@admin.register(UnmatchedName)
class UnmatchedNameAdmin(admin.ModelAdmin):
    list_display = ["raw_name", "kind", "source", "rows", "last_seen", "resolved"]
    list_filter = ["resolved", "kind", "source"]
    search_fields = ["raw_name"]
    actions = ["add_as_alias"]
    readonly_fields = ["source", "kind", "raw_name", "rows", "first_seen", "last_seen", "last_run"]

    @admin.action(description="Add as alias of ... (choose the catalogue entry)")
    def add_as_alias(self, request, queryset):
        kinds = set(queryset.values_list("kind", flat=True))
        if len(kinds) != 1:
            self.message_user(request, "Select names of one kind (GPU, model or provider).", messages.ERROR)
            return None
        target_model, alias_model, field = TARGETS[kinds.pop()]
        form = AliasTargetForm(
            request.POST if "apply" in request.POST else None,
            target_model=target_model,
            initial={"target": _best_guess(target_model, [n.raw_name for n in queryset])},
        )
        if form.is_valid():
            target = form.cleaned_data["target"]
            created, answered = 0, []
            longest = alias_model._meta.get_field("alias").max_length
            for unmatched in queryset:
                if len(normalize_alias(unmatched.raw_name)) > longest:
                    continue  # too long to be an alias; left unresolved
                try:
                    with transaction.atomic():
                        alias_model.objects.create(**{field: target, "alias": unmatched.raw_name})
                    created += 1
                except IntegrityError:
                    pass  # an alias with that normalized spelling already exists
                answered.append(unmatched.pk)
            UnmatchedName.objects.filter(pk__in=answered).update(resolved=True)
            self.message_user(request, f"Added {created} alias(es) of {target}; the next run will match them.")
            return None
        return TemplateResponse(
            request,
            "scrapers/admin/add_alias.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Add as alias of a {target_model._meta.verbose_name}",
                "names": queryset,
                "normalized": [normalize_alias(n.raw_name) for n in queryset],
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(ProviderAlias)
class ProviderAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "provider"]
    search_fields = ["alias", "provider__name"]
    list_select_related = ["provider"]
