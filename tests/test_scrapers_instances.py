"""Exact GPU variants from every scraper: walk every GPU instance in every recorded payload.

Each record either names a GPU the catalogue (providers/data/gpus.yaml) places exactly, or is left
unplaced (recorded as unmatched by the ingest), never guessed from an ambiguous accelerator name.
"""

import pytest
import yaml

from providers.curated import DATA_DIR
from providers.models import normalize_alias
from scrapers import instances
from scrapers.sources import RECORDED_PAYLOADS, REGISTRY, azure

GPU_ALIASES = {}
for gpu in yaml.safe_load((DATA_DIR / "gpus.yaml").read_text()):
    for alias in [gpu["slug"], gpu["name"], *gpu.get("aliases", [])]:
        GPU_ALIASES[normalize_alias(alias)] = gpu["slug"]

GPU_SOURCES = sorted(name for name in RECORDED_PAYLOADS if REGISTRY[name].kind == "gpu")


def records(shared_data, name):
    source = REGISTRY[name]
    return source.parse(source.read_file(shared_data / RECORDED_PAYLOADS[name])).records


@pytest.mark.parametrize("name", GPU_SOURCES)
def test_every_instance_in_every_recorded_payload_is_placed_exactly_or_left_unmatched(shared_data, name):
    walked = 0
    for r in records(shared_data, name):
        walked += 1
        if instances.is_unplaced(r.gpu):
            assert normalize_alias(r.gpu) not in GPU_ALIASES
            continue
        assert instances.squash(r.gpu) not in instances.AMBIGUOUS, (name, r.instance_name, r.gpu)
    assert walked > 0


def placed(shared_data, name):
    return {(r.instance_name, GPU_ALIASES.get(normalize_alias(r.gpu), "unmatched")) for r in records(shared_data, name)}


def test_the_named_defects_are_gone(shared_data):
    az = placed(shared_data, "skypilot:azure")
    for size in ("24", "48", "96"):
        assert (f"Standard_NC{size}ads_A100_v4", "a100-80gb-pcie") in az
    for sku in ("Standard_NC40ads_H100_v5", "Standard_NCC40ads_H100_v5", "Standard_NC80adis_H100_v5"):
        assert (sku, "h100-nvl") in az
    assert ("Standard_ND96isr_H100_v5", "h100-sxm") in az
    assert ("gpu_1x_h100_pcie", "h100-pcie") in placed(shared_data, "skypilot:lambda")
    assert ("gpu_1x_h100_sxm5", "h100-sxm") in placed(shared_data, "skypilot:lambda")
    aws = placed(shared_data, "skypilot:aws")
    assert ("p4d.24xlarge", "a100-40gb") in aws and ("p4de.24xlarge", "a100-80gb-sxm") in aws
    # Vast's "A100_PCIE" states no memory size: unmatched, not guessed.
    assert ("1x-A100_PCIE-32-65536", "unmatched") in placed(shared_data, "skypilot:vast")


def test_regions_are_kept(shared_data):
    regions = {(r.instance_name, r.region) for r in records(shared_data, "skypilot:gcp")}
    assert ("a2-highgpu-1g", "europe-west4") in regions and ("a2-highgpu-1g", "us-central1") in regions
    az = {(r.instance_name, r.region) for r in records(shared_data, "azure")}
    assert all(region for _, region in az)


def test_azure_sku_gaps_are_filled_and_unknown_counts_are_refused_not_guessed(shared_data):
    assert azure.SKUS["Standard_ND40s_v2"] == ("V100-32GB", 8)
    assert azure.SKUS["Standard_ND96isf_H100_v5"] == ("H100", 8)
    page = shared_data / "gpu/azure/retail_prices_vm_westeurope_page1_2026-07-14.json"
    parsed = azure.parse(page.read_text())
    reasons = {s.reason for s in parsed.skipped}
    assert not any("not in the SKU table" in r for r in reasons)
    assert any("GPU count is not known" in r for r in reasons)
    assert all(r.price_date is not None for r in parsed.records)  # effectiveStartDate kept as the price's date
