"""Builds a GPU and inference market of a chosen size in a handful of bulk inserts (no tests here).

The query-count tests render every page at two sizes of this market and assert the same bound.
"""

from datetime import timedelta
from decimal import Decimal
from itertools import product

from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation, LanguageModel
from providers.models import Gpu, GpuOffering, GpuPriceObservation, PricingType, Provider
from providers.stats import refresh_gpu_daily_stats

PRICING_TYPES = [PricingType.ON_DEMAND, PricingType.SPOT, PricingType.RESERVED_1Y]


def build_market(offering_count, history_days=5, today=None):
    """`offering_count` GPU offerings (with `history_days` daily observations each) spread over
    providers and GPUs, plus inference offerings, and the daily statistics. Returns the providers and GPUs."""
    today = today or today_utc()
    provider_count = max(2, offering_count // 10)
    gpu_count = max(2, min(20, offering_count // 5))
    providers = Provider.objects.bulk_create(
        Provider(name=f"Cloud {i}", slug=f"cloud-{i}", offers=Provider.Offers.BOTH) for i in range(provider_count)
    )
    gpus = Gpu.objects.bulk_create(
        Gpu(
            name=f"Accel {i}",
            slug=f"accel-{i}",
            vendor=Gpu.Vendor.NVIDIA if i % 2 == 0 else Gpu.Vendor.AMD,
            architecture="Hopper" if i % 2 == 0 else "CDNA3",
            vram_gb=80 + 16 * (i % 4),
            bf16_dense_tflops=Decimal("989.4"),
            form_factor=Gpu.FormFactor.SXM,
            release_year=2023,
        )
        for i in range(gpu_count)
    )
    offerings = [
        # Spread over providers, GPUs, pricing types and instance sizes; instance_name keeps each unique.
        GpuOffering(
            provider=providers[n % provider_count],
            gpu=gpus[(n // 3) % gpu_count],
            gpus_per_instance=(1, 2, 4, 8)[n % 4],
            pricing_type=PRICING_TYPES[n % len(PRICING_TYPES)],
            instance_name=f"inst-{n}",
            last_seen_on=today,
        )
        for n in range(offering_count)
    ]
    offerings = GpuOffering.objects.bulk_create(offerings)
    observations = []
    for n, offering in enumerate(offerings):
        for back in range(history_days):
            price = Decimal("1.00") + Decimal(n % 37) / 10 + Decimal(back) / 100
            observations.append(
                GpuPriceObservation(
                    offering=offering,
                    observed_on=today - timedelta(days=back),
                    usd_per_gpu_hour=price,
                    usd_per_instance_hour=price * offering.gpus_per_instance,
                    source="curated",
                    is_curated=True,
                )
            )
    GpuPriceObservation.objects.bulk_create(observations, batch_size=2000)
    GpuOffering.objects.all().refresh_seen()

    models = LanguageModel.objects.bulk_create(
        LanguageModel(name=f"Llama {i}", slug=f"llama-{i}", creator="Meta") for i in range(max(2, offering_count // 25))
    )
    inference = InferenceOffering.objects.bulk_create(
        InferenceOffering(provider=provider, model=model, quantization="fp8", last_seen_on=today)
        for provider, model in product(providers, models)
    )
    InferencePriceObservation.objects.bulk_create(
        InferencePriceObservation(
            offering=offering,
            observed_on=today,
            usd_per_mtok_input=Decimal("0.10") + Decimal(n % 7) / 10,
            usd_per_mtok_output=Decimal("0.20") + Decimal(n % 5) / 10,
            usd_per_mtok_cached_input=Decimal("0.05"),
            batch_discount=Decimal("0.5"),
            source="curated",
            is_curated=True,
        )
        for n, offering in enumerate(inference)
    )
    InferenceOffering.objects.all().refresh_seen()
    refresh_gpu_daily_stats(today=today)
    return providers, gpus
