"""The current price each alert watches, read in bulk: the same figures the pages show.

gpu:<slug>: the cheapest current on-demand USD per GPU-hour (the /gpus/ "cheapest" column), optionally at
one provider. model:<slug>: the cheapest current blended (3:1) USD per 1M tokens over serverless and
dedicated offerings (the /models/ "cheapest" column), optionally at one provider. One query per market.
"""

from inference.queries import DEFAULT_BLEND, summary_offerings
from providers.models import GpuOffering, PricingType


def _keep_min(best, key, price):
    if price is not None and (key not in best or price < best[key]):
        best[key] = price


def gpu_prices(gpu_ids) -> dict:
    """{(gpu_id, None): cheapest, (gpu_id, provider_id): that provider's cheapest}, on-demand. One query."""
    best = {}
    rows = (
        GpuOffering.objects.market()
        .filter(gpu_id__in=gpu_ids, pricing_type=PricingType.ON_DEMAND)
        .with_latest_price()
        .order_by()
        .values_list("gpu_id", "provider_id", "latest_usd_per_gpu_hour")
    )
    for gpu_id, provider_id, price in rows:
        _keep_min(best, (gpu_id, None), price)
        _keep_min(best, (gpu_id, provider_id), price)
    return best


def model_prices(model_ids) -> dict:
    """{(model_id, None): cheapest blended 3:1, (model_id, provider_id): that provider's}. One query."""
    best = {}
    for offering in summary_offerings().filter(model_id__in=model_ids):
        price = DEFAULT_BLEND.price(offering.latest_input, offering.latest_output)
        _keep_min(best, (offering.model_id, None), price)
        _keep_min(best, (offering.model_id, offering.provider_id), price)
    return best


def current_prices(subscriptions) -> dict:
    """{subscription id: its current price or None}. Two queries whatever the number of subscriptions."""
    gpus = {s.gpu_id for s in subscriptions if s.gpu_id}
    models = {s.model_id for s in subscriptions if s.model_id}
    by_gpu = gpu_prices(gpus) if gpus else {}
    by_model = model_prices(models) if models else {}
    return {
        s.pk: (by_gpu.get((s.gpu_id, s.provider_id)) if s.gpu_id else by_model.get((s.model_id, s.provider_id)))
        for s in subscriptions
    }
