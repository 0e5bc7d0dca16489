"""The Azure Retail Prices API (prices.azure.com), filtered to GPU VM series (NC, ND, NV); paged by NextPageLink.

Prices are per instance-hour, Linux, pay-as-you-go unless said otherwise. Traps handled here:
- Reservation rows are the **total for the whole term** (1 or 3 years) although unitOfMeasure says
  "1 Hour": they are emitted as term totals for normalize to divide by the term's hours; any other
  term ("10 Years") is refused.
- Spot and Low Priority show only as suffixes of skuName/meterName; Low Priority is retired: skipped.
- Windows shows only in productName; DevTestConsumption is a subscription-specific price: both skipped.
- armSkuName is the stable key (skuName is sometimes `Standard_...`, sometimes short).
- The API repeats an item per effective date: the newest effectiveStartDate wins, and an item with an
  effectiveEndDate is superseded (the history has a 0.01/hour H200 that "ends" before it starts).
- A payload may be a page envelope ({"Items": [...], "NextPageLink": ...}) or a bare list of items.
"""

from datetime import date

from providers.models import PricingType
from scrapers import precedence

from ..instances import place
from .base import GpuRecord, GpuUnit, Parsed, PayloadError, Source, decimal_or_none, load_json

API_URL = "https://prices.azure.com/api/retail/prices"
FILTER = (
    "serviceName eq 'Virtual Machines' and (contains(armSkuName, 'Standard_NC') "
    "or contains(armSkuName, 'Standard_ND') or contains(armSkuName, 'Standard_NV'))"
)
MAX_PAGES = 200
GPU_SERIES = ("Standard_NC", "Standard_ND", "Standard_NV")
TERM_HOURS = {"1 Year": (PricingType.RESERVED_1Y, 8760), "3 Years": (PricingType.RESERVED_3Y, 3 * 8760)}
PROVIDER = "Azure"
PRICING_PAGE = "https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/"

# armSkuName -> (GPU as SkyPilot names it, GPUs per VM). Derived from SkyPilot's Azure catalog, plus
# the newer sizes the price list carries; counts below 1 are shared vGPU slices and are skipped.
SKUS = {
    "Standard_NC6s_v3": ("V100", 1),
    "Standard_NC12s_v3": ("V100", 2),
    "Standard_NC24s_v3": ("V100", 4),
    "Standard_NC24rs_v3": ("V100", 4),
    "Standard_ND40rs_v2": ("V100-32GB", 8),
    "Standard_ND40s_v2": ("V100-32GB", 8),
    "Standard_NC4as_T4_v3": ("T4", 1),
    "Standard_NC8as_T4_v3": ("T4", 1),
    "Standard_NC16as_T4_v3": ("T4", 1),
    "Standard_NC64as_T4_v3": ("T4", 4),
    "Standard_NC8ads_A10_v4": ("A10", 1),
    "Standard_NC16ads_A10_v4": ("A10", 1),
    "Standard_NC32ads_A10_v4": ("A10", 2),
    "Standard_NV6ads_A10_v5": ("A10", 1 / 6),
    "Standard_NV12ads_A10_v5": ("A10", 1 / 3),
    "Standard_NV18ads_A10_v5": ("A10", 1 / 2),
    "Standard_NV36ads_A10_v5": ("A10", 1),
    "Standard_NV36adms_A10_v5": ("A10", 1),
    "Standard_NV72ads_A10_v5": ("A10", 2),
    "Standard_NV12s_v3": ("M60", 1),
    "Standard_NV24s_v3": ("M60", 2),
    "Standard_NV48s_v3": ("M60", 4),
    "Standard_NV12_Promo": ("M60", 1),
    "Standard_NV24_Promo": ("M60", 2),
    "Standard_NV4as_v4": ("MI25", 1 / 8),
    "Standard_NV8as_v4": ("MI25", 1 / 4),
    "Standard_NV16as_v4": ("MI25", 1 / 2),
    "Standard_NV32as_v4": ("MI25", 1),
    "Standard_NC24ads_A100_v4": ("A100-80GB", 1),
    "Standard_NC48ads_A100_v4": ("A100-80GB", 2),
    "Standard_NC96ads_A100_v4": ("A100-80GB", 4),
    "Standard_ND96asr_v4": ("A100", 8),
    "Standard_ND96asr_A100_v4": ("A100", 8),
    "Standard_ND96amsr_A100_v4": ("A100-80GB", 8),
    "Standard_ND96ams_A100_v4": ("A100-80GB", 8),
    "Standard_NC40ads_H100_v5": ("H100", 1),
    "Standard_NCC40ads_H100_v5": ("H100", 1),
    "Standard_NC80adis_H100_v5": ("H100", 2),
    "Standard_ND96isr_H100_v5": ("H100", 8),
    "Standard_ND96is_H100_v5": ("H100", 8),
    "Standard_ND96isrf_H100_v5": ("H100", 8),
    "Standard_ND96isf_H100_v5": ("H100", 8),
    "Standard_ND96is_flex_H100_v5": ("H100", 8),
    "Standard_ND96is_noIB_H100_v5": ("H100", 8),
    "Standard_ND96isr_H200_v5": ("H200", 8),
    "Standard_ND96isr_MI300X_v5": ("MI300X", 8),
    "Standard_ND96is_MI300X_v5": ("MI300X", 8),
    "Standard_ND128isr_GB300_v6": ("GB300", 4),
    # RTX PRO 6000 Blackwell Server Edition (NCv6): the GPU is known, the GPUs per size are not published in
    # any payload we hold, so these are refused with that reason rather than guessed.
    **{
        f"Standard_NC{size}_xl_RTXPRO6000BSE_v6": ("RTX PRO 6000 Server Edition", None)
        for size in ("72ds", "72lds", "132lds", "144ds", "144lds", "264lds", "320lds", "324ds")
    },
    # AMD Radeon PRO V710 slices (NVadsV710v5): fractional GPUs.
    "Standard_NV4ads_V710_v5": ("V710", 1 / 6),
    "Standard_NV12ads_V710_v5": ("V710", 1 / 2),
}


def _items(payload):
    """Every item of every page: payload is one page's JSON text, a list of them, or parsed JSON."""
    pages = payload if isinstance(payload, list) and (not payload or isinstance(payload[0], str)) else [payload]
    for page in pages:
        data = load_json(page) if isinstance(page, str | bytes) else page
        if isinstance(data, dict):
            if "Items" not in data:
                raise PayloadError("Azure page without an Items list")
            data = data["Items"]
        if not isinstance(data, list):
            raise PayloadError("Azure payload is neither a page nor a list of items")
        yield from data


def parse(payload) -> Parsed:
    parsed = Parsed()
    newest = {}
    items = list(_items(payload))
    if items and not any(isinstance(i, dict) and "retailPrice" in i and "armSkuName" in i for i in items):
        raise PayloadError("no Retail Prices items (armSkuName, retailPrice): not the Azure API format")
    for item in items:
        if not isinstance(item, dict):
            parsed.skip(item, "not an item object", refused=True)
            continue
        sku = item.get("armSkuName") or ""
        if item.get("serviceName") != "Virtual Machines" or not sku.startswith(GPU_SERIES):
            parsed.skip(sku or item.get("productName"), "not a GPU VM")
            continue
        if item.get("effectiveEndDate"):
            # Superseded prices: the recorded history carries e.g. H200 at 0.01/hour ending the day before it starts.
            parsed.skip(sku, "superseded price (has an effectiveEndDate)")
            continue
        key = (
            item.get("meterId") or (sku, item.get("productName"), item.get("skuName")),
            item.get("armRegionName"),
            item.get("type"),
            item.get("reservationTerm"),
        )
        previous = newest.get(key)
        if previous is not None:
            parsed.skip(sku, "older effective date of the same price")
            if (previous.get("effectiveStartDate") or "") >= (item.get("effectiveStartDate") or ""):
                continue
        newest[key] = item
    found = [(item, _parse_item(parsed, item)) for item in newest.values()]
    on_demand = {
        (item["armSkuName"], item.get("armRegionName")): record.price
        for item, record in found
        if record is not None and record.pricing_type == PricingType.ON_DEMAND
    }
    for item, record in found:
        if record is None:
            continue
        if record.pricing_type == PricingType.SPOT:
            list_price = on_demand.get((item["armSkuName"], item.get("armRegionName")))
            if list_price is not None and record.price >= list_price:
                parsed.skip(record.instance_name, "spot price not below on-demand (no spot discount)")
                continue
        parsed.records.append(record)
    return parsed


def _day(text):
    """The API's effectiveStartDate ("2024-03-01T00:00:00Z") as a date: the price's own date."""
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _parse_item(parsed, item):
    """The item's GpuRecord, or None after noting why it has none."""
    sku = item["armSkuName"]
    names = f"{item.get('skuName', '')} {item.get('meterName', '')}"
    kind = item.get("type")
    if "Windows" in (item.get("productName") or ""):
        parsed.skip(sku, "Windows (licence included)")
        return None
    if kind == "DevTestConsumption":
        parsed.skip(sku, "Dev/Test subscription price")
        return None
    if "Low Priority" in names:
        parsed.skip(sku, "Low Priority (retired)")
        return None
    if (item.get("currencyCode") or "USD") != "USD":
        parsed.skip(sku, "not priced in USD", refused=True)
        return None
    price = decimal_or_none(item.get("retailPrice"))
    if price is None:
        parsed.skip(sku, "no retailPrice", refused=True)
        return None
    term_hours = None
    if kind == "Consumption":
        if item.get("unitOfMeasure") != "1 Hour":
            parsed.skip(sku, f"unexpected unit {item.get('unitOfMeasure')!r}", refused=True)
            return None
        pricing_type = PricingType.SPOT if "Spot" in names else PricingType.ON_DEMAND
        unit = GpuUnit.INSTANCE_HOUR
    elif kind == "Reservation":
        term = TERM_HOURS.get(item.get("reservationTerm"))
        if term is None:
            parsed.skip(sku, "reservation term total for an unknown term", refused=True)
            return None
        pricing_type, term_hours = term
        unit = GpuUnit.INSTANCE_TERM_TOTAL
    else:
        parsed.skip(sku, f"price type {kind!r}")
        return None
    gpu = SKUS.get(sku)
    if gpu is not None and gpu[1] is None:
        parsed.skip(sku, f"Azure GPU VM size whose GPU count is not known: {sku}", refused=True)
        return None
    if gpu is None:
        parsed.skip(sku, f"Azure GPU VM size not in the SKU table: {sku}", refused=True)
        return None
    accelerator, count = gpu
    accelerator = place("azure", accelerator, sku)
    if count < 1:
        parsed.skip(sku, "fractional GPU (shared vGPU slice)")
        return None
    return GpuRecord(
        provider=PROVIDER,
        gpu=accelerator,
        gpus_per_instance=int(count),
        pricing_type=pricing_type,
        price=price,
        unit=unit,
        term_hours=term_hours,
        instance_name=sku,
        region=(item.get("armRegionName") or "")[:100],
        price_date=_day(item.get("effectiveStartDate")),
        source_url=PRICING_PAGE,
    )


class AzureSource(Source):
    name = "azure"
    kind = "gpu"
    url = API_URL
    rank = precedence.PROVIDER_OWN
    page_url = "https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices"
    time_limit = 900

    def fetch(self, client):
        """Every page, in memory: if any page fails the run fails and nothing is written."""
        from scrapers import http

        pages = []
        url, params = API_URL, {"currencyCode": "USD", "$filter": FILTER}
        while url and len(pages) < MAX_PAGES:
            text = http.get(client, url, params=params).text
            pages.append(text)
            data = load_json(text)
            url, params = (data.get("NextPageLink") if isinstance(data, dict) else None), None
        return pages

    def parse(self, payload):
        return parse(payload)


SOURCES = [AzureSource()]
