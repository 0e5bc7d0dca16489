"""The query-string options of the GPU and provider pages, as QueryForms (see computeprices.tables)."""

from computeprices.tables import LooseChoiceField, QueryForm, SortField, WholeNumberField
from inference.forms import BlendField

from . import columns
from .models import Gpu, PricingType

PRICING_CHOICES = dict(PricingType.choices)
HISTORY_RANGES = {"1y": "the last year", "all": "all history"}
HISTORY_DAYS = {"1y": 365, "all": None}
OFFERS_FILTER = {"gpu": "rents GPUs", "inference": "serves an inference API", "both": "both"}


class GpuListForm(QueryForm):
    vendor = LooseChoiceField(dict(Gpu.Vendor.choices), label="vendor")
    architecture = LooseChoiceField(label="architecture")
    min_vram = WholeNumberField(label="minimum VRAM (GB)")
    pricing_type = LooseChoiceField(PRICING_CHOICES, label="pricing type")
    sort = SortField(columns.GPU_SORTS, label="sort")


class GpuDetailForm(QueryForm):
    pricing_type = LooseChoiceField(PRICING_CHOICES, label="pricing type")
    gpus = WholeNumberField(1, 1024, label="GPUs per instance")
    provider = LooseChoiceField(label="provider")
    region = LooseChoiceField(label="region")
    sort = SortField(columns.GPU_OFFERING_SORTS, label="sort")
    table = LooseChoiceField({"offerings": "offerings", "history": "history"}, label="table")
    history = LooseChoiceField(HISTORY_RANGES, label="history range")


class ProviderListForm(QueryForm):
    offers = LooseChoiceField(OFFERS_FILTER, label="offers")
    sort = SortField(columns.PROVIDER_SORTS, label="sort")


class ProviderDetailForm(QueryForm):
    pricing_type = LooseChoiceField(PRICING_CHOICES, label="pricing type")
    gpu = LooseChoiceField(label="GPU")
    sort = SortField(columns.PROVIDER_GPU_SORTS, label="sort")
    table = LooseChoiceField({"gpus": "GPU offerings", "inference": "inference offerings"}, label="table")
    history = LooseChoiceField(HISTORY_RANGES, label="history range")


class CompareForm(QueryForm):
    pricing_type = LooseChoiceField(PRICING_CHOICES, label="pricing type")
    blend = BlendField()
    sort = SortField(columns.COMPARE_SORTS, label="sort")
    table = LooseChoiceField(
        {"shared": "rented by both", "exclusive": "rented by one", "models": "models both serve"}, label="table"
    )
