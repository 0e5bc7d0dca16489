"""RunPod's GraphQL `gpuTypes`: per-GPU-hour prices on Secure Cloud (on-demand), Community Cloud and spot.

Traps handled here: `securePrice: 0` means not offered on Secure Cloud; `communityPrice: 0.5` is a
placeholder for "not offered" (it also shows up as a secure price); the `unknown` type is all zeros.
When the payload carries the secureCloud/communityCloud flags they decide; without them (older query)
a community 0.5 is taken as the placeholder, and a secure 0.5 is when it sits below the community price.
Commitment prices (one week ... six months) do not fit a 1- or 3-year reservation and are not taken.
The payload is the GraphQL envelope {"data": {"gpuTypes": [...]}} or the bare list.
"""

import os
from decimal import Decimal

from providers.models import PricingType
from scrapers import precedence

from .base import GpuRecord, GpuUnit, Parsed, PayloadError, Source, decimal_or_none, load_json

GRAPHQL_URL = "https://api.runpod.io/graphql"
PRICING_PAGE = "https://www.runpod.io/pricing"
QUERY = """query GpuTypes { gpuTypes { id displayName memoryInGb secureCloud communityCloud
securePrice communityPrice secureSpotPrice communitySpotPrice } }"""
PLACEHOLDER = Decimal("0.5")
PROVIDER = "RunPod"


def _gpu_types(payload):
    data = load_json(payload) if isinstance(payload, str | bytes) else payload
    if isinstance(data, dict):
        if data.get("errors") and not data.get("data"):
            raise PayloadError(f"GraphQL errors: {data['errors']}")
        data = (data.get("data") or {}).get("gpuTypes")
    if not isinstance(data, list):
        raise PayloadError("no gpuTypes list in the RunPod payload")
    return data


def parse(payload) -> Parsed:
    parsed = Parsed()
    for gpu in _gpu_types(payload):
        if not isinstance(gpu, dict) or not gpu.get("id"):
            parsed.skip(gpu, "GPU type without an id", refused=True)
            continue
        name = gpu["id"]
        if name.lower() == "unknown":
            parsed.skip(name, "the 'unknown' GPU type")
            continue
        secure, community = decimal_or_none(gpu.get("securePrice")), decimal_or_none(gpu.get("communityPrice"))
        offers = {
            "secure": _offered(
                secure,
                gpu.get("secureCloud"),
                placeholder_if=community is not None and secure == PLACEHOLDER and secure < community,
            ),
            "community": _offered(community, gpu.get("communityCloud"), placeholder_if=community == PLACEHOLDER),
        }
        prices = [
            ("Secure Cloud", PricingType.ON_DEMAND, secure, offers["secure"]),
            ("Community Cloud", PricingType.COMMUNITY, community, offers["community"]),
            ("Secure Cloud spot", PricingType.SPOT, decimal_or_none(gpu.get("secureSpotPrice")), offers["secure"]),
            (
                "Community Cloud spot",
                PricingType.SPOT,
                decimal_or_none(gpu.get("communitySpotPrice")),
                offers["community"],
            ),
        ]
        for cloud, pricing_type, price, offered in prices:
            if price is None:
                continue
            if offered is not True:
                parsed.skip(f"{name} {cloud}", offered, refused=not offered.startswith("not offered on"))
                continue
            if price == 0:
                parsed.skip(f"{name} {cloud}", "price 0 means not offered", refused=True)
                continue
            parsed.records.append(
                GpuRecord(
                    provider=PROVIDER,
                    gpu=name,
                    gpu_candidates=(gpu.get("displayName") or "",),
                    gpus_per_instance=1,
                    pricing_type=pricing_type,
                    price=price,
                    unit=GpuUnit.GPU_HOUR,
                    instance_name=cloud,
                    source_url=PRICING_PAGE,
                )
            )
    return parsed


def _offered(price, flag, placeholder_if):
    """True, or why not: the explicit flag wins; without it, the 0.5 placeholder rule."""
    if flag is False:
        return "not offered on this cloud (flag false)"
    if flag is None and placeholder_if:
        return "placeholder price 0.5 (not offered)"
    if price == 0:
        return "price 0 means not offered"
    return True


class RunPodSource(Source):
    name = "runpod"
    kind = "gpu"
    url = GRAPHQL_URL
    rank = precedence.PROVIDER_OWN

    def fetch(self, client):
        """POST the gpuTypes query. RunPod may ask for an API key: RUNPOD_API_KEY, if set, is sent as a
        Bearer token (read here, not in settings, because only this source needs it and it is optional)."""
        from scrapers import http

        key = os.environ.get("RUNPOD_API_KEY", "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return http.post(client, GRAPHQL_URL, json={"query": QUERY}, headers=headers).text

    def parse(self, payload):
        return parse(payload)


SOURCES = [RunPodSource()]
