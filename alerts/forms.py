"""The subscribe form of /alerts/: an address, a target (gpu:<slug> or model:<slug>), a provider, a threshold."""

from decimal import Decimal

from django import forms

from inference.models import LanguageModel
from providers.models import Gpu, Provider

from .models import Subscription

MAX_THRESHOLD = Decimal(100_000)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    target = forms.ChoiceField(label="Tell me when")
    provider = forms.ModelChoiceField(
        Provider.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(any provider)",
        label="At",
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
