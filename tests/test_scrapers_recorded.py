"""The recorded real payloads in ../shared/data: each parses, and each trap PROVENANCE.md names for it
is handled. Skips cleanly when ../shared/data is absent. The opt-in live suite (`pytest -m live`)
fetches each real source once and checks it still parses."""

import csv
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
import respx

from providers.models import GpuPriceObservation, PricingType
from scrapers import http
from scrapers.ingest import run_source
from scrapers.models import PendingPrice
from scrapers.sources import RECORDED_PAYLOADS, REGISTRY, get_source
from scrapers.sources.base import GpuUnit, PayloadError
from tests.factories import GpuAliasFactory, GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory, ProviderFactory

DAY = date(2026, 11, 23)

RECORDED = RECORDED_PAYLOADS


def parse(shared_data, name, path=None):
    source = get_source(name)
    return source.parse(source.read_file(shared_data / (path or RECORDED[name])))


def reasons(parsed):
    return [s.reason for s in parsed.skipped]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_every_recorded_payload_parses_to_records(shared_data, name):
    parsed = parse(shared_data, name)
    assert parsed.records
    for record in parsed.records:
        figure = getattr(record, "price", getattr(record, "input", getattr(record, "tokens_per_second_p50", None)))
        assert record.provider and isinstance(figure, Decimal)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(RECORDED))
def test_every_recorded_payload_runs_end_to_end_from_the_http_boundary(shared_data, name, monkeypatch):
    """The recorded payload served where the live source would answer; the run fetches, parses and ingests."""
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    source = get_source(name)
    text = (shared_data / RECORDED[name]).read_text(encoding="utf-8")
    if source.kind == "speed":  # the recording is OpenRouter's frontend stats, not what the live URL answers
        run = run_source(source, payload=source.read_file(shared_data / RECORDED[name]), day=DAY)
        assert run.status != "failed", run.error
        return
    with respx.mock(assert_all_called=True) as mock:
        if name == "azure":  # the recorded first page links to a second one: serve an empty last page
            last_page = {"Items": [], "NextPageLink": None}
            mock.get(url__startswith=source.url).mock(
                side_effect=[httpx.Response(200, text=text), httpx.Response(200, json=last_page)]
            )
        elif name == "runpod":
            mock.post(source.url).mock(return_value=httpx.Response(200, text=text))
        else:
            mock.get(source.url).mock(return_value=httpx.Response(200, text=text))
        run = run_source(source, day=DAY)
    assert run.status != "failed", run.error
    assert run.rows_seen == source.parse(source.read_file(shared_data / RECORDED[name])).rows_seen


# --- SkyPilot -----------------------------------------------------------------------------------------


def test_aws_p5e_has_no_on_demand_price_but_keeps_spot(shared_data):
    parsed = parse(shared_data, "skypilot:aws")
    p5e = [r for r in parsed.records if r.instance_name == "p5e.48xlarge"]
    assert p5e and {r.pricing_type for r in p5e} == {PricingType.SPOT}


def test_aws_spot_equal_to_price_is_no_spot_market(shared_data):
    parsed = parse(shared_data, "skypilot:aws")
    assert reasons(parsed).count("spot price equals on-demand (no spot market)") > 0
    on_demand = {(r.instance_name, r.price) for r in parsed.records if r.pricing_type == PricingType.ON_DEMAND}
    for r in parsed.records:
        if r.pricing_type == PricingType.SPOT:
            assert (r.instance_name, r.price) not in on_demand


def test_aws_p4de_uses_accelerator_name_not_gpuinfo(shared_data):
    parsed = parse(shared_data, "skypilot:aws")
    assert {r.gpu for r in parsed.records if r.instance_name == "p4de.24xlarge"} == {"A100 SXM4 80GB"}


def test_gcp_tpu_placeholders_refused_and_hosts_composed(shared_data):
    parsed = parse(shared_data, "skypilot:gcp")
    assert reasons(parsed).count("placeholder price 700.0 (TPU)") == 32
    assert not [r for r in parsed.records if r.gpu.lower().startswith("tpu")]
    text = (shared_data / RECORDED["skypilot:gcp"]).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    host = next(r for r in rows if r["InstanceType"] == "a2-highgpu-1g" and r["AvailabilityZone"] == "us-central1-a")
    gpu = next(
        r
        for r in rows
        if not r["InstanceType"]
        and r["AcceleratorName"] == "A100"
        and r["AcceleratorCount"] == "1"
        and r["AvailabilityZone"] == "us-central1-a"
    )
    expected = Decimal(host["Price"]) + Decimal(gpu["Price"])
    composed = {
        r.price
        for r in parsed.records
        if r.instance_name == "a2-highgpu-1g" and r.pricing_type == PricingType.ON_DEMAND
    }
    assert expected in composed


def test_azure_csv_eleven_field_rows_are_not_lost(shared_data):
    parsed = parse(shared_data, "skypilot:azure")
    assert not [s for s in parsed.skipped if s.refused]
    nc12 = [
        r for r in parsed.records if r.instance_name == "Standard_NC12s_v3" and r.pricing_type == PricingType.ON_DEMAND
    ]
    assert Decimal("8.468") in {r.price for r in nc12} and all(r.gpus_per_instance == 2 for r in nc12)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["skypilot:lambda", "skypilot:verda", "skypilot:hyperstack"])
def test_regional_duplicates_collapse_to_one_offering_at_the_cheapest_price(shared_data, name):
    """Lambda repeats each type in ~17 regions, Verda across FIN-0x, Hyperstack's n3-H100-SXM5x8 sits in
    two regions with different RAM: one offering per instance type, pricing type and region, at the cheapest."""
    source = get_source(name)
    parsed = parse(shared_data, name)
    ProviderFactory(slug=name.split(":")[1], name=source.provider)
    for i, accelerator in enumerate(sorted({r.gpu for r in parsed.records})):
        GpuAliasFactory(gpu=GpuFactory(slug=f"g{i}"), alias=accelerator)
    run = run_source(source, payload=(shared_data / RECORDED[name]).read_text(), day=DAY)
    cheapest = {}
    for r in parsed.records:
        key = (r.instance_name, r.pricing_type, r.region)
        per_gpu = (r.price / r.gpus_per_instance).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        cheapest[key] = min(cheapest.get(key, per_gpu), per_gpu)
    stored = {
        (o.offering.instance_name, o.offering.pricing_type, o.offering.region): o.usd_per_gpu_hour
        for o in GpuPriceObservation.objects.select_related("offering")
    }
    assert run.rows_unmatched == 0 and run.rows_flagged == 0
    assert stored == cheapest
    assert run.rows_collapsed == len(parsed.records) - len(cheapest)


def test_vast_zero_spot_is_not_a_spot_price(shared_data):
    parsed = parse(shared_data, "skypilot:vast")
    assert all(r.pricing_type == PricingType.ON_DEMAND for r in parsed.records)


def test_verda_spot_only_rows_and_json_gpuinfo(shared_data):
    parsed = parse(shared_data, "skypilot:verda")
    b300 = [r for r in parsed.records if r.instance_name == "2B300.60V"]
    assert [r.pricing_type for r in b300] == [PricingType.SPOT] and b300[0].gpus_per_instance == 2


def test_oci_vm_gpu3_is_a_v100_and_cpu_rows_skipped(shared_data):
    parsed = parse(shared_data, "skypilot:oci")
    assert {r.gpu for r in parsed.records if r.instance_name.startswith("VM.GPU3.")} == {"V100 16GB"}
    assert reasons(parsed).count("no accelerator (CPU-only VM)") == 70


def test_do_lowercase_gpuinfo_and_hyperbolic_extra_column(shared_data):
    assert len(parse(shared_data, "skypilot:do").records) == 2
    assert len(parse(shared_data, "skypilot:hyperbolic").records) == 3


@pytest.mark.django_db
def test_cudo_float_artifacts_are_stored_to_four_places(shared_data):
    provider = ProviderFactory(slug="cudo-compute", name="Cudo Compute")
    GpuAliasFactory(gpu=GpuFactory(slug="a40"), alias="A40")
    run = run_source(
        get_source("skypilot:cudo"), payload=(shared_data / RECORDED["skypilot:cudo"]).read_text(), day=DAY
    )
    assert run.rows_new > 0
    prices = GpuPriceObservation.objects.filter(offering__provider=provider).values_list(
        "usd_per_instance_hour", flat=True
    )
    assert Decimal("0.3698") in prices  # 0.36979999999999996


@pytest.mark.django_db
def test_vast_outliers_are_held_for_review(shared_data):
    """8x V100 at $0.85 (about $0.11/GPU-hr) would be far outside a V100 market of $0.5-$3; Vast's "Tesla_V100"
    states no memory size (16 or 32 GB), so it is now left unmatched rather than guessed (scrapers.instances)."""
    vast = ProviderFactory(slug="vast-ai", name="Vast.ai")
    v100 = GpuFactory(slug="v100")
    GpuAliasFactory(gpu=v100, alias="V100")
    for i, price in enumerate(["0.55", "1.20", "2.48", "3.06"]):
        offering = GpuOfferingFactory(provider=ProviderFactory(slug=f"cloud-{i}"), gpu=v100, last_seen_on=DAY)
        GpuPriceObservationFactory(offering=offering, observed_on=DAY, usd_per_gpu_hour=Decimal(price))
    run = run_source(
        get_source("skypilot:vast"), payload=(shared_data / RECORDED["skypilot:vast"]).read_text(), day=DAY
    )
    flagged = PendingPrice.objects.filter(gpu_offering__provider=vast)
    assert not flagged.filter(gpu_offering__gpus_per_instance=8).exists()
    assert any(name.startswith("V100 (variant unknown: 8x-Tesla_V100") for _, name, _ in run.unmatched_names)


def test_coreweave_gpu_component_prices_and_the_cut_last_row(shared_data):
    parsed = parse(shared_data, "page:coreweave")
    hgx = next(r for r in parsed.records if r.gpu == "NVIDIA HGX H100")
    assert hgx.price == Decimal("4.76") and "GPU component only" in hgx.instance_name  # not "Reserve Now"
    assert [s.row for s in parsed.skipped if s.refused] == ["Tesla V100 NVLINK"]  # the excerpt cuts its price


# --- Azure Retail Prices ------------------------------------------------------------------------------


def test_azure_reservation_totals_become_term_totals_and_10_years_is_refused(shared_data):
    parsed = parse(shared_data, "azure", "gpu/azure/retail_prices_gpu_items_extracted_from_history.json")
    totals = [r for r in parsed.records if r.unit == GpuUnit.INSTANCE_TERM_TOTAL]
    assert {(r.instance_name, r.price, r.term_hours) for r in totals} >= {
        ("Standard_NC48ads_A100_v4", Decimal("42066.0"), 8760),
        ("Standard_NC48ads_A100_v4", Decimal("71642.0"), 26280),
    }
    assert reasons(parsed).count("reservation term total for an unknown term") == 2
    assert all(r.unit != GpuUnit.INSTANCE_HOUR or r.price < 200 for r in parsed.records)


def test_azure_first_page_traps(shared_data):
    parsed = parse(shared_data, "azure")
    assert "Windows (licence included)" in reasons(parsed) and "Low Priority (retired)" in reasons(parsed)
    assert not [r for r in parsed.records if r.instance_name == "Standard_ND96isrf_H100_v5"]  # Windows/DevTest only
    spot = {r.instance_name for r in parsed.records if r.pricing_type == PricingType.SPOT}
    assert "Standard_NC6s_v3" in spot


def test_azure_flat_list_and_merged_pages_shapes(shared_data):
    assert parse(shared_data, "azure", "gpu/azure/retail_prices_items_flatlist_allservices_2026-08-22.json").records
    merged = parse(
        shared_data, "azure", "gpu/azure/retail_prices_vm_mexicocentral_consumption_allpages_2026-08-14.json"
    )
    assert "spot price not below on-demand (no spot discount)" in reasons(merged)


def test_the_naive_reduction_with_totals_as_hourly_is_not_api_format(shared_data):
    with pytest.raises(PayloadError):
        parse(shared_data, "azure", "gpu/azure/derived_bad_reservation_totals_as_hourly_jumbo2020_2025-06-21.json")


# --- RunPod -------------------------------------------------------------------------------------------


def test_runpod_recorded_sentinels(shared_data):
    parsed = parse(shared_data, "runpod")
    community = {r.gpu: r.price for r in parsed.records if r.pricing_type == PricingType.COMMUNITY}
    secure = {r.gpu: r.price for r in parsed.records if r.pricing_type == PricingType.ON_DEMAND}
    assert "AMD Instinct MI300X OAM" not in community and "NVIDIA H200 NVL" not in community
    assert "NVIDIA GeForce RTX 3070" not in secure  # securePrice 0
    assert secure["NVIDIA B300 SXM6 AC"] == Decimal("7.89")
    assert 0 not in community.values() and Decimal("0.5") not in community.values()


def test_runpod_array_with_flags(shared_data):
    parsed = parse(shared_data, "runpod", "gpu/runpod/gpuTypes_array_jumbo2020_2025-06-21.json")
    community = {r.gpu for r in parsed.records if r.pricing_type == PricingType.COMMUNITY}
    assert "AMD Instinct MI300X OAM" not in community  # communityCloud false
    assert any(r.pricing_type == PricingType.SPOT for r in parsed.records)


# --- OpenRouter, LiteLLM ------------------------------------------------------------------------------


def test_openrouter_routers_free_and_batch(shared_data):
    parsed = parse(shared_data, "openrouter")
    assert reasons(parsed).count("router with a dynamic price (-1)") == 5
    assert not [r for r in parsed.records if r.model.endswith(":free")]
    older = parse(shared_data, "openrouter", "inference/openrouter/openrouter_models_2026-05-15.json")
    assert len(older.records) > 300  # schema drift (no overrides/benchmarks) does not matter


def test_openrouter_frontend_stats_are_not_the_endpoints_format(shared_data):
    line = (
        (shared_data / "inference/openrouter/openrouter_frontend_model_stats_2026-08-08_subset.jsonl")
        .read_text()
        .splitlines()[0]
    )
    with pytest.raises(PayloadError):
        get_source("openrouter").parse(line)


def test_litellm_recorded_traps(shared_data):
    parsed = parse(shared_data, "litellm")
    from scrapers.normalize import Refused, token_price

    refused = {}
    for r in parsed.records:
        try:
            token_price(r)
        except Refused as exc:
            refused[r.model_candidates[0] if r.model_candidates else r.model] = str(exc)
    wandb = {key for key in refused if key.startswith("wandb/")}
    assert len(wandb) == 13 and "wandb/moonshotai/Kimi-K2-Instruct" not in wandb  # the one wandb entry in $/token
    assert "azure_ai/jais-30b-chat" in refused
    gpt4_32k = next(r for r in parsed.records if r.model == "gpt-4-32k")  # legitimately $60/$120
    assert token_price(gpt4_32k).output == Decimal("120")
    assert "o1-pro" in {s.row for s in parsed.skipped if s.reason == "not a chat model"}  # mode "responses"
    assert "documentation entry, not a model" in reasons(parsed)


# --- live (opt-in) ------------------------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_live_source_still_parses(name):
    source = get_source(name)
    if source.kind == "speed":
        pytest.skip("speed sources have their own live test in tests/test_speed_scrapers.py")
    with http.make_client() as client:
        if name == "openrouter":
            payload = http.get(client, source.url).text  # the model list only; endpoints need the catalogue
        else:
            payload = source.fetch(client)
    parsed = source.parse(payload)
    assert parsed.records, f"{name} parsed no prices: {json.dumps([s.reason for s in parsed.skipped][:20])}"


@pytest.mark.django_db
def test_scrape_all_recorded_dry_run_reports_every_source_and_writes_nothing(shared_data, capsys):
    from django.core.management import call_command

    from providers.models import GpuPriceObservation
    from scrapers.models import ScrapeRun

    call_command("scrape", "--all", "--recorded", str(shared_data), "--dry-run", "--json")
    summaries = json.loads(capsys.readouterr().out)
    assert sorted(s["source"] for s in summaries) == sorted(RECORDED_PAYLOADS)
    assert all(s["rows_seen"] > 0 for s in summaries)
    assert not GpuPriceObservation.objects.exists() and not ScrapeRun.objects.exists()
