"""Parsers are pure: payload in, records out. Each trap PROVENANCE.md names for a format has a test here,
on a small hand-made fixture (tests/fixtures/scrapers) that keeps the suite running without ../shared/data."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from inference.models import ServingKind
from providers.models import PricingType
from scrapers.sources import azure, litellm, openrouter, pages, runpod, skypilot
from scrapers.sources.base import GpuUnit, PayloadError, TokenUnit

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"


def fixture(name):
    return (FIXTURES / name).read_text()


def by(records, **where):
    return [r for r in records if all(getattr(r, k) == v for k, v in where.items())]


def reasons(parsed):
    return [s.reason for s in parsed.skipped]


# --- SkyPilot -----------------------------------------------------------------------------------------


def test_skypilot_reads_columns_by_header_and_prices_per_instance_hour():
    parsed = skypilot.parse(fixture("skypilot_aws_small.csv"), provider="AWS", cloud="aws")
    p4d = by(parsed.records, instance_name="p4d.24xlarge", pricing_type=PricingType.ON_DEMAND)
    assert {r.price for r in p4d} == {Decimal("21.957642"), Decimal("21.95764")}
    # "A100" alone is ambiguous; the AWS instance table places p4d as the 40 GB SXM part.
    assert all(r.unit == GpuUnit.INSTANCE_HOUR and r.gpus_per_instance == 8 and r.gpu == "A100 40GB SXM" for r in p4d)
    assert p4d[0].vcpus == 96 and p4d[0].ram_gb == 1152


def test_skypilot_unreadable_price_is_refused():
    text = "InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\nx1,H100,1,call us,,us\n"
    parsed = skypilot.parse(text, provider="X")
    assert not parsed.records and parsed.skipped[0].reason == "unreadable price" and parsed.skipped[0].refused


def test_skypilot_column_order_does_not_matter():
    text = "Price,Region,AcceleratorCount,AcceleratorName,InstanceType,SpotPrice\n3.5,us,1.0,H100,x1,\n"
    (record,) = skypilot.parse(text, provider="X").records
    # An unknown cloud's bare "H100" cannot be placed: left for the ingest to record as unmatched.
    assert (record.gpu, record.price, record.gpus_per_instance) == ("H100 (variant unknown: x1)", Decimal("3.5"), 1)


def test_skypilot_spot_equal_to_price_means_no_spot_market():
    parsed = skypilot.parse(fixture("skypilot_aws_small.csv"), provider="AWS")
    spot = by(parsed.records, instance_name="p5.48xlarge", pricing_type=PricingType.SPOT)
    assert {r.price for r in spot} == {Decimal("21.5"), Decimal("24")}  # not the 55.04 "spot" of use1-az6
    assert "spot price equals on-demand (no spot market)" in reasons(parsed)


def test_skypilot_empty_on_demand_price_keeps_only_the_spot_offer():
    parsed = skypilot.parse(fixture("skypilot_aws_small.csv"), provider="AWS")
    p5e = by(parsed.records, instance_name="p5e.48xlarge")
    assert [(r.pricing_type, r.price) for r in p5e] == [(PricingType.SPOT, Decimal("30.11"))]
    assert "empty on-demand price (not sold on demand)" in reasons(parsed)


def test_skypilot_cpu_only_rows_are_skipped_not_refused():
    parsed = skypilot.parse(fixture("skypilot_aws_small.csv"), provider="AWS")
    cpu = [s for s in parsed.skipped if s.row == "m5.large"]
    assert cpu and not cpu[0].refused


def test_skypilot_vast_zero_spot_means_none():
    text = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region\n"
    text += '2x-H200-32-65536,H200,2,32,64.0,"{\'Gpus\': []}",5.18,0.00,"Michigan, US, NA"\n'
    (record,) = skypilot.parse(text, provider="Vast.ai").records
    assert record.pricing_type == PricingType.ON_DEMAND and record.price == Decimal("5.18")


def test_skypilot_gcp_instance_is_host_plus_gpus_of_the_same_zone():
    parsed = skypilot.parse(fixture("skypilot_gcp_small.csv"), provider="Google Cloud")
    a3 = by(parsed.records, instance_name="a3-highgpu-8g")
    assert {(r.pricing_type, r.price) for r in a3} == {
        (PricingType.ON_DEMAND, Decimal("88.0")),
        (PricingType.SPOT, Decimal("24.0")),
    }
    assert a3[0].gpu == "H100 (variant unknown: a3-highgpu-8g)" and a3[0].gpus_per_instance == 8  # no cloud given
    placed = skypilot.parse(fixture("skypilot_gcp_small.csv"), provider="Google Cloud", cloud="gcp").records
    assert {r.gpu for r in placed if r.instance_name == "a3-highgpu-8g"} == {"H100 SXM"}


def test_skypilot_gcp_n1_attached_gpu_is_the_gpu_component_only():
    parsed = skypilot.parse(fixture("skypilot_gcp_small.csv"), provider="Google Cloud")
    (t4,) = by(parsed.records, gpu="T4", pricing_type=PricingType.ON_DEMAND)
    assert t4.price == Decimal("0.35") and "GPU only" in t4.instance_name


def test_skypilot_gcp_tpu_placeholder_700_is_refused_and_tpus_are_not_gpus():
    parsed = skypilot.parse(fixture("skypilot_gcp_small.csv"), provider="Google Cloud")
    assert not [r for r in parsed.records if r.gpu.startswith("tpu")]
    placeholder = [s for s in parsed.skipped if s.reason == "placeholder price 700.0 (TPU)"]
    assert len(placeholder) == 1 and placeholder[0].refused
    assert "TPU slice, not a GPU" in reasons(parsed)


def test_skypilot_azure_rows_with_more_fields_than_the_header_are_folded():
    parsed = skypilot.parse(fixture("skypilot_azure_small.csv"), provider="Azure")
    (nc12,) = by(parsed.records, instance_name="Standard_NC12s_v3", pricing_type=PricingType.ON_DEMAND)
    assert nc12.price == Decimal("8.468") and nc12.gpus_per_instance == 2  # V1,V2 did not shift the columns


def test_skypilot_short_rows_are_refused_and_fractional_gpus_skipped():
    parsed = skypilot.parse(fixture("skypilot_azure_small.csv"), provider="Azure")
    assert [s.reason for s in parsed.skipped if s.refused] == ["malformed row (field count differs from header)"]
    assert "fractional GPU (shared vGPU slice)" in reasons(parsed)


@pytest.mark.parametrize("dropped", ["Price", "AcceleratorName", "InstanceType"])
def test_skypilot_missing_or_renamed_column_is_a_payload_error(dropped):
    header, *rows = fixture("skypilot_aws_small.csv").splitlines()
    renamed = header.replace(dropped, dropped + "USD")
    with pytest.raises(PayloadError, match=dropped):
        skypilot.parse("\n".join([renamed, *rows]), provider="AWS")


def test_skypilot_oci_mislabel_trusts_accelerator_name_over_gpuinfo():
    text = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,"
    text += "AvailabilityZone\r\n"
    text += "VM.GPU3.2,V100,2,12,180,2x NVIDIA Tesla P100,5.9,,us-ashburn-1,AD-1\r\n"
    (record,) = skypilot.parse(text, provider="Oracle Cloud", cloud="oci").records
    assert record.gpu == "V100 16GB" and not record.gpu_candidates


# --- Azure Retail Prices ------------------------------------------------------------------------------


def azure_item(**overrides):
    item = {
        "armRegionName": "eastus2",
        "armSkuName": "Standard_NC48ads_A100_v4",
        "currencyCode": "USD",
        "effectiveStartDate": "2025-01-01T00:00:00Z",
        "meterName": "NC48ads_A100_v4",
        "productName": "NCads A100 v4 Series Linux",
        "retailPrice": 7.346,
        "serviceName": "Virtual Machines",
        "skuName": "Standard_NC48ads_A100_v4",
        "type": "Consumption",
        "unitOfMeasure": "1 Hour",
    }
    item.update(overrides)
    return item


def test_azure_reservation_term_total_becomes_a_term_total_record():
    page = {
        "Items": [azure_item(type="Reservation", reservationTerm="1 Year", retailPrice=42066.0)],
        "NextPageLink": None,
    }
    (record,) = azure.parse(json.dumps(page)).records
    assert record.unit == GpuUnit.INSTANCE_TERM_TOTAL and record.term_hours == 8760
    assert record.pricing_type == PricingType.RESERVED_1Y and record.price == Decimal("42066.0")


def test_azure_unknown_reservation_term_is_refused():
    page = [azure_item(type="Reservation", reservationTerm="10 Years", retailPrice=9657000.0)]
    parsed = azure.parse(json.dumps(page))
    assert not parsed.records and parsed.skipped[0].refused


def test_azure_spot_windows_devtest_low_priority():
    items = [
        azure_item(skuName="NC48ads_A100_v4 Spot", meterName="NC48ads_A100_v4 Spot", retailPrice=2.1),
        azure_item(productName="NCads A100 v4 Series Windows", retailPrice=9.0),
        azure_item(type="DevTestConsumption", retailPrice=5.0),
        azure_item(skuName="NC48ads_A100_v4 Low Priority", retailPrice=1.0),
    ]
    parsed = azure.parse(json.dumps(items))
    assert [(r.pricing_type, r.price) for r in parsed.records] == [(PricingType.SPOT, Decimal("2.1"))]
    assert set(reasons(parsed)) == {
        "Windows (licence included)",
        "Dev/Test subscription price",
        "Low Priority (retired)",
    }


def test_azure_newest_effective_date_wins():
    items = [
        azure_item(effectiveStartDate="2026-04-01T00:00:00Z", retailPrice=6.0),
        azure_item(effectiveStartDate="2025-01-01T00:00:00Z", retailPrice=9.0),
    ]
    (record,) = azure.parse(json.dumps(items)).records
    assert record.price == Decimal("6.0")


def test_azure_superseded_prices_are_skipped():
    items = [
        azure_item(
            retailPrice=0.01, effectiveEndDate="2025-04-30T23:59:00Z", effectiveStartDate="2025-05-01T00:00:00Z"
        ),
        azure_item(retailPrice=106.0, effectiveStartDate="2025-05-01T00:00:00Z"),
    ]
    (record,) = azure.parse(json.dumps(items)).records
    assert record.price == Decimal("106.0")


def test_azure_pages_are_merged_and_non_gpu_vms_skipped():
    pages_ = [
        json.dumps({"Items": [azure_item()], "NextPageLink": "https://next"}),
        json.dumps({"Items": [azure_item(armSkuName="Standard_D2s_v5")], "NextPageLink": None}),
    ]
    parsed = azure.parse(pages_)
    assert len(parsed.records) == 1 and reasons(parsed) == ["not a GPU VM"]


def test_azure_html_instead_of_json_and_truncated_json_are_payload_errors():
    with pytest.raises(PayloadError, match="HTML"):
        azure.parse("<!DOCTYPE html><html><body>Service unavailable</body></html>")
    with pytest.raises(PayloadError, match="truncated"):
        azure.parse('{"Items": [{"armSkuName": "Standard_NC6')


# --- RunPod GraphQL -----------------------------------------------------------------------------------


def test_runpod_sentinels_without_flags():
    parsed = runpod.parse(fixture("runpod_small.json"))
    prices = {(r.gpu, r.pricing_type): r.price for r in parsed.records}
    assert prices[("NVIDIA H100 80GB HBM3", PricingType.ON_DEMAND)] == Decimal("2.99")
    assert prices[("NVIDIA H100 80GB HBM3", PricingType.COMMUNITY)] == Decimal("2.69")
    assert ("AMD Instinct MI300X OAM", PricingType.COMMUNITY) not in prices  # 0.5 placeholder
    assert ("NVIDIA GeForce RTX 3070", PricingType.ON_DEMAND) not in prices  # securePrice 0
    maxq = "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition"
    assert (maxq, PricingType.ON_DEMAND) not in prices and prices[(maxq, PricingType.COMMUNITY)] == Decimal("1.64")
    assert not any(r.gpu == "unknown" for r in parsed.records)
    assert all(r.unit == GpuUnit.GPU_HOUR for r in parsed.records)


def test_runpod_flags_decide_when_present():
    parsed = runpod.parse(fixture("runpod_flags.json"))  # the bare gpuTypes array
    prices = {(r.gpu, r.instance_name): r.price for r in parsed.records}
    assert ("NVIDIA B200", "Community Cloud") not in prices
    assert prices[("NVIDIA B200", "Secure Cloud spot")] == Decimal("3.59")
    assert prices[("NVIDIA GeForce RTX 4080", "Secure Cloud")] == Decimal("0.5")  # flag says offered


def test_runpod_graphql_errors_are_a_payload_error():
    with pytest.raises(PayloadError):
        runpod.parse('{"errors": [{"message": "unauthorized"}]}')


# --- OpenRouter ---------------------------------------------------------------------------------------


def test_openrouter_models_per_token_strings_and_sentinels():
    parsed = openrouter.parse(fixture("openrouter_models_small.json"))
    llama = by(parsed.records, model="meta-llama/llama-3.3-70b-instruct")[0]
    assert (llama.input, llama.output, llama.cached_input) == (
        Decimal("0.00000013"),
        Decimal("0.0000004"),
        Decimal("0.00000005"),
    )
    assert llama.unit == TokenUnit.PER_TOKEN and llama.provider == "OpenRouter" and llama.context == 131072
    assert "meta-llama/Llama-3.3-70B-Instruct" in llama.model_candidates
    assert "router with a dynamic price (-1)" in reasons(parsed)
    assert "free (price 0)" in reasons(parsed)
    (batch,) = by(parsed.records, serving_kind=ServingKind.BATCH)
    assert batch.model == "anthropic/claude-sonnet-4"


def test_openrouter_endpoints_fixture_from_the_documented_schema():
    parsed = openrouter.parse(fixture("openrouter_endpoints.json"))
    assert {(r.provider, r.quantization) for r in parsed.records} == {
        ("DeepInfra", "fp8"),
        ("Groq", ""),
        ("Together", "fp8"),
    }
    together = by(parsed.records, provider="Together")[0]
    assert together.cached_input == Decimal("0.00000044")


def test_openrouter_bundle_of_models_and_endpoints():
    bundle = {
        "models": fixture("openrouter_models_small.json"),
        "endpoints": {"meta-llama/llama-3.3-70b-instruct": fixture("openrouter_endpoints.json")},
    }
    parsed = openrouter.parse(bundle)
    assert {r.provider for r in parsed.records} == {"OpenRouter", "DeepInfra", "Groq", "Together"}


# --- LiteLLM ------------------------------------------------------------------------------------------


def test_litellm_chat_only_per_token_floats_without_binary_noise():
    parsed = litellm.parse(fixture("litellm_small.json"))
    (gpt4o,) = by(parsed.records, model="gpt-4o")
    assert (gpt4o.input, gpt4o.output, gpt4o.cached_input) == (
        Decimal("0.0000025"),
        Decimal("0.00001"),
        Decimal("0.00000125"),
    )
    assert gpt4o.batch_input == Decimal("0.00000125") and gpt4o.context == 128000
    (together,) = by(parsed.records, provider="Together AI")
    assert together.model == "meta-llama/Llama-3.3-70B-Instruct-Turbo"


def test_litellm_skips_sample_spec_non_chat_free_and_refuses_zero_output():
    parsed = litellm.parse(fixture("litellm_small.json"))
    why = {s.row: (s.reason, s.refused) for s in parsed.skipped}
    assert why["sample_spec"] == ("documentation entry, not a model", False)
    assert why["text-embedding-3-small"] == ("not a chat model", False)
    assert why["gemini/gemma-3-27b-it"][0] == "free or experimental (price 0)"
    assert why["databricks/databricks-mpt-7b-instruct"][1] is True


def test_litellm_bedrock_region_prefix_dropped():
    parsed = litellm.parse(fixture("litellm_small.json"))
    (bedrock,) = by(parsed.records, provider="Amazon Bedrock")
    assert bedrock.model == "meta.llama3-3-70b-instruct-v1:0"


# --- HTML pages ---------------------------------------------------------------------------------------

LAMBDA_HTML = """
<div role="tablist"><button role="tab" aria-controls="tabpanel-0">8x</button>
<button role="tab" aria-controls="tabpanel-1">1x</button></div>
<div role="tabpanel" id="tabpanel-0"><table><thead><tr><th></th>
<th>VRAM/GPU</th>
<th>PRICE/GPU/HR*</th></tr></thead><tbody>
<tr data-plan="NVIDIA A100 SXM"><th>NVIDIA A100 SXM</th><td data-label="VRAM/GPU">80 GB</td>
<td data-label="vCPUs">240</td>
<td data-label="PRICE/GPU/HR*">$1.79</td></tr>
<tr data-plan="NVIDIA A100 SXM"><th>NVIDIA A100 SXM</th><td data-label="VRAM/GPU">40 GB</td>
<td data-label="vCPUs">124</td>
<td data-label="PRICE/GPU/HR*">$1.29</td></tr>
</tbody></table></div>
<div role="tabpanel" id="tabpanel-1"><table><tbody>
<tr data-plan="NVIDIA GH200"><th>NVIDIA GH200</th><td data-label="VRAM/GPU">96 GB</td>
<td data-label="PRICE/GPU/HR*">$1.49</td></tr>
</tbody></table></div>
"""


def test_lambda_page_prices_per_gpu_with_tab_counts_and_vram_disambiguation():
    parsed = pages.parse_lambda(LAMBDA_HTML)
    got = {(r.gpu, r.gpus_per_instance, r.price, r.unit) for r in parsed.records}
    assert got == {
        ("NVIDIA A100 SXM 80GB", 8, Decimal("1.79"), GpuUnit.GPU_HOUR),
        ("NVIDIA A100 SXM 40GB", 8, Decimal("1.29"), GpuUnit.GPU_HOUR),
        ("NVIDIA GH200 96GB", 1, Decimal("1.49"), GpuUnit.GPU_HOUR),
    }


def test_runpod_page_takes_data_attributes_not_the_visible_placeholder():
    html = (
        '<div data-gradient="text-secondary">H100 SXM</div><div>$</div>'
        '<div data-secure-cloud-price="2.69" data-community-cloud-price="" class="cc-gpu-price">0</div><div>/s</div>'
    )
    (record,) = pages.parse_runpod(html).records
    assert (record.gpu, record.price, record.pricing_type) == ("H100 SXM", Decimal("2.69"), PricingType.ON_DEMAND)


def test_runpod_page_without_the_attributes_is_a_payload_error():
    with pytest.raises(PayloadError):
        pages.parse_runpod('<div class="cc-gpu-price">$0/s</div>')


def test_hyperstack_mixed_price_formats_and_reservation_starts_from():
    html = """<table><thead><tr><th>GPU Model</th>
<th>VRAM</th>
<th>Pricing Per Hour</th>
<th>Reservation Pricing</th></tr></thead><tbody>
    <tr><td>NVIDIA RTX A4000</td>
<td>16</td>
<td><span>$</span> 0.30 Per Hour</td>
<td>Starts from <a>$0.18/hour</a></td></tr>
    <tr><td>NVIDIA A100 PCIe 80GB</td>
<td>80</td>
<td>$ &nbsp;2.20 per Hour</td>
<td>Starts from <a>$1.32/hour</a></td></tr>
    </tbody></table>"""
    parsed = pages.parse_hyperstack(html)
    assert [(r.gpu, r.price) for r in parsed.records] == [
        ("NVIDIA RTX A4000", Decimal("0.30")),
        ("NVIDIA A100 PCIe 80GB", Decimal("2.20")),
    ]
    assert all(r.pricing_type == PricingType.ON_DEMAND for r in parsed.records)


def test_datacrunch_per_instance_prices_with_padded_cells():
    html = """<table><thead><tr><th class="x">Instance name</th>
<th>GPU model</th>
<th>GPU</th>
<th>On demand price</th>
<th>Dynamic price</th>
<th>Spot price</th></tr></thead>
    <tbody><tr><td> 8B200.240V </td>
<td> B200 SXM6 180GB  </td>
<td>8</td>
<td>$29.10/h</td>
<td>$21.42/h</td>
<td>$6.43/h</td></tr></tbody></table>"""
    parsed = pages.parse_datacrunch(html)
    assert {(r.pricing_type, r.price, r.unit, r.gpus_per_instance) for r in parsed.records} == {
        (PricingType.ON_DEMAND, Decimal("29.10"), GpuUnit.INSTANCE_HOUR, 8),
        (PricingType.SPOT, Decimal("6.43"), GpuUnit.INSTANCE_HOUR, 8),
    }
    assert parsed.records[0].gpu == "B200 SXM6 180GB"


def test_fluidstack_na_on_demand_and_hourly_one_year_price():
    html = """<table><thead><tr><th>Model</th>
<th>VRAM (GB)</th>
<th>On-Demand Price (/hr)</th>
<th>1 Year price (/hr)</th></tr></thead>
    <tbody><tr><th><h2>Nvidia H200</h2></th><td>141</td><td><p>n/a<br/></p></td><td>$2.45</td></tr></tbody></table>"""
    parsed = pages.parse_fluidstack(html)
    assert [(r.pricing_type, r.price, r.unit) for r in parsed.records] == [
        (PricingType.RESERVED_1Y, Decimal("2.45"), GpuUnit.GPU_HOUR)
    ]


def test_coreweave_div_table_with_reserve_link_in_the_price_cell():
    html = """<div class="table-body-row w-row"><div class="table-body-left w-col w-col-4">
    <a href="#" data-product="hgx-h100">NVIDIA HGX H100</a></div><div class="w-col w-col-2"><div>80</div></div>
    <div class="w-col w-col-2"><div><strong>$4.76</strong>
    <a href="/r"><strong><br/>Reserve Now</strong></a></div></div></div>"""
    (record,) = pages.parse_coreweave(html).records
    assert (record.gpu, record.price, record.unit) == ("NVIDIA HGX H100", Decimal("4.76"), GpuUnit.GPU_HOUR)
    assert "GPU component only" in record.instance_name


def test_page_without_its_table_is_a_payload_error():
    with pytest.raises(PayloadError):
        pages.parse_hyperstack("<html><body>We moved our pricing</body></html>")


def test_openrouter_long_context_overrides_do_not_replace_the_base_price():
    payload = {
        "data": [
            {
                "id": "google/gemini-2.5-pro",
                "context_length": 1048576,
                "pricing": {
                    "prompt": "0.00000125",
                    "completion": "0.00001",
                    "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.0000025", "completion": "0.000015"}],
                },
            }
        ]
    }
    (record,) = openrouter.parse(json.dumps(payload)).records
    assert (record.input, record.output) == (Decimal("0.00000125"), Decimal("0.00001"))


def test_litellm_non_token_units_and_long_context_tiers():
    payload = {
        "gemini-1.0-pro": {
            "input_cost_per_character": 1.25e-07,
            "output_cost_per_character": 3.75e-07,
            "litellm_provider": "vertex_ai-language-models",
            "mode": "chat",
        },
        "claude-sonnet-4-20250514": {
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "cache_creation_input_token_cost": 3.75e-06,
            "litellm_provider": "anthropic",
            "mode": "chat",
        },
    }
    parsed = litellm.parse(json.dumps(payload))
    (claude,) = parsed.records
    assert (claude.input, claude.output, claude.cache_write) == (
        Decimal("0.000003"),
        Decimal("0.000015"),
        Decimal("0.00000375"),
    )
    assert reasons(parsed) == ["not priced per token (per character/second/image, or missing)"]
