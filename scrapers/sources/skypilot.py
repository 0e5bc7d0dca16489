"""SkyPilot's public catalog CSVs (`vms.csv`), one source per cloud: `skypilot:<cloud>`.

Prices are USD per instance-hour. Columns are read by header name because their order differs per
cloud. The offering key is (provider, GPU, GPUs per instance, pricing type, region, instance type): each
region is its own offering, and the zones of one region collapse to the cheapest. The GPU is the exact
variant from scrapers.instances (an instance it cannot place is left unmatched, never guessed).

Format traps handled here (see ../shared/data/gpu/PROVENANCE.md):
- GCP prices GPUs on their own rows (empty InstanceType, priced for N accelerators) and the A2/A3/A4/G2
  host VMs on rows with an empty AcceleratorName: an instance is host + GPUs of the same zone.
- Azure (anycloud) rows carry an unquoted `V1,V2` Generation, so they have more fields than the header.
- TPU slices are not GPUs; some carry a placeholder Price of 700.0.
- An empty on-demand Price (AWS p5e Capacity Blocks, Verda B200) means "not sold on demand".
- SpotPrice equal to Price (AWS) or 0.00 (Vast) means "no spot market", not a spot price.
- AcceleratorCount is a float string; fractional counts (Azure A10 slices) are shared vGPUs.
- GpuInfo is ignored: it is a Python repr, sometimes JSON, with lower-cased keys (DO), total-not-per-GPU
  memory (Vast), GB in a MiB field (Shadeform) and wrong names (OCI VM.GPU3 says P100; it is a V100).
"""

import csv
import io
import re
from decimal import Decimal

from providers.models import PricingType
from scrapers import precedence

from ..instances import place
from .base import GpuRecord, GpuUnit, Parsed, PayloadError, Source, decimal_or_none

REQUIRED_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region")
TPU_PLACEHOLDER_PRICE = Decimal("700.0")

# cloud -> (provider name as the catalogue is likely to spell it, catalog version holding the cloud)
CLOUDS = {
    "aws": ("AWS", "v8"),
    "gcp": ("Google Cloud", "v8"),
    "azure": ("Azure", "v8"),
    "lambda": ("Lambda", "v8"),
    "runpod": ("RunPod", "v8"),
    "vast": ("Vast.ai", "v8"),
    "fluidstack": ("FluidStack", "v6"),
    "paperspace": ("Paperspace", "v6"),
    "cudo": ("Cudo Compute", "v8"),
    "oci": ("Oracle Cloud", "v8"),
    "do": ("DigitalOcean", "v6"),
    "hyperbolic": ("Hyperbolic", "v8"),
    "hyperstack": ("Hyperstack", "v8"),
    "jarvislabs": ("JarvisLabs", "v8"),
    "nebius": ("Nebius", "v8"),
    "verda": ("Verda", "v8"),
    "shadeform": ("Shadeform", "v8"),
}

# GCP host families whose GPUs are priced on separate rows: (regex on InstanceType) -> accelerator.
GCP_HOSTS = [
    (re.compile(r"^a2-(?:highgpu|megagpu)-(\d+)g"), "A100"),
    (re.compile(r"^a2-ultragpu-(\d+)g"), "A100-80GB"),
    (re.compile(r"^a3-(?:highgpu|edgegpu)-(\d+)g"), "H100"),
    (re.compile(r"^a3-megagpu-(\d+)g"), "H100-MEGA"),
    (re.compile(r"^a3-ultragpu-(\d+)g"), "H200"),
    (re.compile(r"^a4-highgpu-(\d+)g"), "B200"),
]
GCP_G2_L4_COUNT = {"4": 1, "8": 1, "12": 1, "16": 1, "32": 1, "24": 2, "48": 4, "96": 8}


def _gcp_host_gpus(instance_type):
    """(accelerator, count) a GCP host VM comes with, or None for a VM without bundled GPUs."""
    for pattern, accelerator in GCP_HOSTS:
        match = pattern.match(instance_type)
        if match:
            return accelerator, int(match.group(1))
    match = re.match(r"^g2-standard-(\d+)$", instance_type)
    if match and match.group(1) in GCP_G2_L4_COUNT:
        return "L4", GCP_G2_L4_COUNT[match.group(1)]
    return None


def _int_or_none(value):
    number = decimal_or_none(value)
    return int(number) if number is not None else None


def read_rows(text):
    """Header-keyed rows. Surplus fields fold into the last column when it is not a price (Azure's
    unquoted `V1,V2` Generation); a row still the wrong length is returned as a string to refuse."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PayloadError("empty CSV") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise PayloadError(f"CSV lacks column(s) {', '.join(missing)}; header is {','.join(header)}")
    width = len(header)
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) > width and header[-1] not in ("Price", "SpotPrice"):
            row = row[: width - 1] + [",".join(row[width - 1 :])]
        if len(row) != width:
            yield ",".join(row)
            continue
        yield dict(zip(header, (cell.strip() for cell in row), strict=True))


def _count(raw):
    count = decimal_or_none(raw)
    if count is None or count == 0:
        return None, "no accelerator (CPU-only VM)"
    if count != count.to_integral_value() or count < 1:
        return None, "fractional GPU (shared vGPU slice)"
    return int(count), ""


def parse(text, provider="", url="", cloud="") -> Parsed:
    """CSV text of one cloud's vms.csv -> instance-hour GpuRecords (on-demand and spot)."""
    parsed = Parsed()
    gcp_gpu_rows = {}  # (zone, accelerator, count) -> (price, spot) of GPU-only rows
    hosts = []
    for row in read_rows(text):
        if isinstance(row, str):
            parsed.skip(row, "malformed row (field count differs from header)", refused=True)
            continue
        instance, accelerator = row["InstanceType"], row["AcceleratorName"]
        price, spot = decimal_or_none(row["Price"]), decimal_or_none(row.get("SpotPrice"))
        if (row["Price"] and price is None) or (row.get("SpotPrice") and spot is None):
            parsed.skip(instance or accelerator, "unreadable price", refused=True)
            continue
        if accelerator.lower().startswith("tpu"):
            if price == TPU_PLACEHOLDER_PRICE:
                parsed.skip(accelerator, "placeholder price 700.0 (TPU)", refused=True)
            else:
                parsed.skip(accelerator, "TPU slice, not a GPU")
            continue
        zone = row.get("AvailabilityZone") or row["Region"]
        if not instance and accelerator:
            count, why = _count(row["AcceleratorCount"])
            if count is None:
                parsed.skip(accelerator, why)
                continue
            gcp_gpu_rows[(zone, accelerator, count)] = (price, spot)
            continue
        if not accelerator:
            host = _gcp_host_gpus(instance)
            if host is None:
                parsed.skip(instance, "no accelerator (CPU-only VM)")
            else:
                hosts.append((row, zone, host, price, spot))
            continue
        count, why = _count(row["AcceleratorCount"])
        if count is None:
            parsed.skip(instance, why)
            continue
        _emit(parsed, row, provider, url, place(cloud, accelerator, instance), count, instance, price, spot)

    covered = set()
    for row, zone, (accelerator, count), host_price, host_spot in hosts:
        gpu_price, gpu_spot = gcp_gpu_rows.get((zone, accelerator, count), (None, None))
        if gpu_price is None and gpu_spot is None:
            parsed.skip(row["InstanceType"], "GCP host VM without a GPU price row in its zone")
            continue
        covered.add(accelerator)
        price = host_price + gpu_price if host_price is not None and gpu_price is not None else None
        spot = host_spot + gpu_spot if host_spot is not None and gpu_spot is not None else None
        instance = row["InstanceType"]
        _emit(parsed, row, provider, url, place(cloud, accelerator, instance), count, instance, price, spot)
    for (zone, accelerator, count), (price, spot) in gcp_gpu_rows.items():
        if accelerator in covered:
            parsed.skip(f"{accelerator} x{count} {zone}", "GPU component, counted in its host VM's price")
            continue
        # GPUs attached to N1 VMs: only the GPU component is published; the host VM is extra.
        name = f"{count}x {accelerator} (GPU only, host VM extra)"
        region = zone.rsplit("-", 1)[0] if re.search(r"-[a-z]$", zone) else zone  # us-central1-a -> us-central1
        _emit(parsed, {"Region": region}, provider, url, place(cloud, accelerator, name), count, name, price, spot)
    return parsed


def _emit(parsed, row, provider, url, accelerator, count, instance, price, spot):
    common = {
        "provider": provider,
        "gpu": accelerator,
        "gpus_per_instance": count,
        "unit": GpuUnit.INSTANCE_HOUR,
        "instance_name": instance[:100],
        "region": (row.get("Region") or "")[:100],
        "vcpus": _int_or_none(row.get("vCPUs")),
        "ram_gb": _int_or_none(row.get("MemoryGiB")),
        "origin_url": url,  # the catalogue file; the provider's own page is filled in by the ingest
    }
    if price is None:
        parsed.skip(instance, "empty on-demand price (not sold on demand)")
    else:
        parsed.records.append(GpuRecord(pricing_type=PricingType.ON_DEMAND, price=price, **common))
    if spot is None or spot == 0:
        return  # Vast writes 0.00 for "no spot"
    if price is not None and spot == price:
        parsed.skip(instance, "spot price equals on-demand (no spot market)")
        return
    parsed.records.append(GpuRecord(pricing_type=PricingType.SPOT, price=spot, **common))


class SkyPilotSource(Source):
    kind = "gpu"
    rank = precedence.AGGREGATOR

    def __init__(self, cloud):
        self.cloud = cloud
        self.provider, version = CLOUDS[cloud]
        self.name = f"skypilot:{cloud}"
        self.url = (
            f"https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/{version}/{cloud}/vms.csv"
        )
        self.page_url = (
            f"https://github.com/skypilot-org/skypilot-catalog/blob/master/catalogs/{version}/{cloud}/vms.csv"
        )

    def parse(self, payload):
        return parse(payload, provider=self.provider, url=self.page_url, cloud=self.cloud)


SOURCES = [SkyPilotSource(cloud) for cloud in CLOUDS]
