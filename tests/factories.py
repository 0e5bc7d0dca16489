"""factory_boy factories for the catalogue. Prices default to plausible Decimals; dates to today (UTC);
observations to a scraped source (pass source="curated", is_curated=True for a curated row)."""

from decimal import Decimal

import factory

from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation, LanguageModel, ModelAlias
from providers.models import Gpu, GpuAlias, GpuOffering, GpuPriceObservation, PricingType, Provider


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")
    website = "https://example.com"
    offers = Provider.Offers.BOTH


class GpuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gpu
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"GPU {n}")
    slug = factory.Sequence(lambda n: f"gpu-{n}")
    vendor = Gpu.Vendor.NVIDIA
    architecture = "Hopper"
    vram_gb = 80
    memory_bandwidth_gbps = 3350
    bf16_dense_tflops = Decimal("989.4")
    fp8_dense_tflops = Decimal("1978.9")
    form_factor = Gpu.FormFactor.SXM
    release_year = 2022


class GpuAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GpuAlias

    gpu = factory.SubFactory(GpuFactory)
    alias = factory.Sequence(lambda n: f"gpu alias {n}")


class GpuOfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GpuOffering

    provider = factory.SubFactory(ProviderFactory)
    gpu = factory.SubFactory(GpuFactory)
    gpus_per_instance = 1
    pricing_type = PricingType.ON_DEMAND
    region = ""
    instance_name = factory.Sequence(lambda n: f"instance-{n}")


class GpuPriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GpuPriceObservation

    offering = factory.SubFactory(GpuOfferingFactory)
    observed_on = factory.LazyFunction(today_utc)
    usd_per_gpu_hour = Decimal("2.50")
    usd_per_instance_hour = factory.LazyAttribute(lambda o: o.usd_per_gpu_hour * o.offering.gpus_per_instance)
    # A scraped row by default: it lists for 14 days after it was seen (a curated row lists for a year).
    source = "test:scraper"
    source_url = "https://example.com/pricing"
    is_curated = False


class LanguageModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LanguageModel
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")
    creator = "Meta"
    family = "Llama"
    total_params_b = Decimal("70")
    active_params_b = Decimal("70")
    context_window = 131072
    open_weights = True
    # Llama 3.3 70B's architecture (selfhost.planner sizes the KV cache from it).
    num_layers = 80
    num_kv_heads = 8
    head_dim = 128
    attention_kind = "gqa"


class ModelAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelAlias

    model = factory.SubFactory(LanguageModelFactory)
    alias = factory.Sequence(lambda n: f"model alias {n}")


class InferenceOfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InferenceOffering

    provider = factory.SubFactory(ProviderFactory)
    model = factory.SubFactory(LanguageModelFactory)
    quantization = "fp8"


class InferencePriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InferencePriceObservation

    offering = factory.SubFactory(InferenceOfferingFactory)
    observed_on = factory.LazyFunction(today_utc)
    usd_per_mtok_input = Decimal("0.60")
    usd_per_mtok_output = Decimal("0.80")
    # A scraped row by default: it lists for 14 days after it was seen (a curated row lists for a year).
    source = "test:scraper"
    source_url = "https://example.com/pricing"
    is_curated = False
