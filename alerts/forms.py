"""The subscribe form of /alerts/: an address, a target (gpu:<slug> or model:<slug>), a provider, a threshold."""

from decimal import Decimal

from django import forms

from inference.models import LanguageModel
from providers.models import Gpu, Provider
from scrapers.models import ProviderAlias

from .models import Subscription

MAX_THRESHOLD = Decimal(100_000)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    target = forms.ChoiceField(label="Tell me when")
    # A name, not a list of every provider: a <select> of the whole catalogue grew the page with the data
    # (756 KB at 100x). Any spelling the scrapers and imports accept resolves it.
    provider = forms.CharField(
        label="At",
        required=False,
        max_length=100,
        help_text="A provider's name (Lambda, RunPod, Together, ...), or empty for any provider.",
        widget=forms.TextInput(attrs={"placeholder": "any provider", "size": 20}),
    )
    below = forms.DecimalField(
        label="falls below (USD)",
        min_value=Decimal("0.000001"),
        max_value=MAX_THRESHOLD,
        max_digits=12,
        decimal_places=6,
        help_text="USD per GPU-hour for a GPU; USD per 1M tokens (3:1 blended) for a model.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gpus = {g.slug: g for g in Gpu.objects.order_by("name")}
        self.models = {m.slug: m for m in LanguageModel.objects.order_by("name")}
        self.fields["target"].choices = [
            ("GPUs: cheapest on-demand price per GPU-hour", [(f"gpu:{s}", g.name) for s, g in self.gpus.items()]),
            ("Models: cheapest blended price per 1M tokens", [(f"model:{s}", m.name) for s, m in self.models.items()]),
        ]

    def clean_provider(self) -> Provider | None:
        name = self.cleaned_data["provider"].strip()
        if not name:
            return None
        found = ProviderAlias.objects.resolve([name])
        if name not in found:
            raise forms.ValidationError(f"No provider called “{name}”: use a name from the providers page.")
        return Provider.objects.get(pk=found[name])

    def subscription(self) -> Subscription:
        """An unsaved pending Subscription from the cleaned data."""
        kind, slug = self.cleaned_data["target"].split(":", 1)
        return Subscription(
            email=self.cleaned_data["email"].strip().lower(),
            kind=kind,
            gpu=self.gpus[slug] if kind == "gpu" else None,
            model=self.models[slug] if kind == "model" else None,
            provider=self.cleaned_data["provider"],
            below_usd=self.cleaned_data["below"],
        )
