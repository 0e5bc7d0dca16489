"""Admin for trace datasets: browse them, and upload a CSV or JSON file through the importer."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .importer import REQUIRED_FIELDS, TraceImportError, import_traces, rematch
from .models import TraceDataset, TraceRow

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class TraceUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row, or JSON: a list of row objects.")
    name = forms.CharField(max_length=150, required=False, help_text="Defaults to the file's name.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


@admin.register(TraceDataset)
class TraceDatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "is_example", "row_count", "imported_at", "unmatched_count"]
    list_filter = ["is_example"]
    search_fields = ["name", "description", "source_filename"]
    readonly_fields = [
        "content_sha256",
        "source_filename",
        "row_count",
        "imported_at",
        "unmatched_providers",
        "unmatched_models",
        "is_example",
    ]
    prepopulated_fields = {"slug": ["name"]}
    change_list_template = "traces/admin/dataset_changelist.html"
    actions = ["match_again"]

    def has_add_permission(self, request):
        # Datasets come from files only (the upload view), so their rows are validated.
        return False

    @admin.display(description="unmatched names")
    def unmatched_count(self, obj):
        return len(obj.unmatched_providers) + len(obj.unmatched_models)

    @admin.action(description="Match provider and model names to the catalogue again")
    def match_again(self, request, queryset):
        for dataset in queryset:
            providers, models_ = rematch(dataset)
            left = len(providers) + len(models_)
            self.message_user(request, f'"{dataset}": {left} name{"s" if left != 1 else ""} still unmatched.')

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="traces_tracedataset_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        if not request.user.has_perm("traces.add_tracedataset"):
            return redirect("admin:index")
        problems = []
        form = TraceUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_traces(
                    upload.read(),
                    upload.name,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except TraceImportError as exc:
                problems = exc.problems
            else:
                self._report(request, result)
                return redirect(reverse("admin:traces_tracedataset_change", args=[result.dataset.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload traces",
            "form": form,
            "problems": problems,
            "required_fields": REQUIRED_FIELDS,
        }
        return TemplateResponse(request, "traces/admin/upload.html", context)

    def _report(self, request, result):
        dataset = result.dataset
        if result.created:
            messages.success(request, f'Imported {dataset.row_count} rows as "{dataset}".')
        else:
            messages.info(request, f'This file\'s rows are already stored as "{dataset}"; nothing was added.')
        if result.unmatched_providers:
            messages.warning(request, "Providers not in the catalogue: " + ", ".join(result.unmatched_providers))
        if result.unmatched_models:
            messages.warning(request, "Models not in the catalogue: " + ", ".join(result.unmatched_models))


@admin.register(TraceRow)
class TraceRowAdmin(admin.ModelAdmin):
    list_display = ["dataset", "row_number", "workload", "route", "provider_name", "model_name", "concurrency"]
    list_filter = ["route", "dataset"]
    search_fields = ["workload", "provider_name", "model_name"]
    list_select_related = ["dataset"]
    raw_id_fields = ["dataset", "provider", "model"]

    def has_add_permission(self, request):
        return False
