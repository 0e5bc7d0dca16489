"""Throughput profiles: the database constraints, the physical bounds, and the curated seed loader."""

import csv
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from computeprices.curated import CuratedDataError
from inference.models import ThroughputProfile
from inference.throughput import DATA_FILE, load_throughput_profiles
from tests.factories import GpuAliasFactory, GpuFactory, LanguageModelFactory, ModelAliasFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def h100():
    return GpuFactory(slug="h100-sxm", name="H100 SXM", memory_bandwidth_gbps=3350)


@pytest.fixture
def llama70b():
    return LanguageModelFactory(slug="llama-3-3-70b-instruct", name="Llama 3.3 70B Instruct")


def profile(model, gpu, **overrides):
    values = dict(
        key="p1",
        model=model,
        gpu=gpu,
        engine="vLLM",
        precision="fp8",
        gpus_per_replica=2,
        decode_tokens_per_second=Decimal(4000),
        decode_measure="decode",
        source_url="https://example.com/bench",
        as_of="2025-01-01",
    )
    return ThroughputProfile(**(values | overrides))


def test_database_refuses_a_profile_without_any_rate(h100, llama70b):
    with pytest.raises(IntegrityError), transaction.atomic():
        profile(llama70b, h100, decode_tokens_per_second=None, decode_measure="").save()


def test_database_refuses_a_zero_rate(h100, llama70b):
    with pytest.raises(IntegrityError), transaction.atomic():
        profile(llama70b, h100, prefill_tokens_per_second=Decimal(0), prefill_measure="prefill").save()


def test_database_refuses_a_rate_that_does_not_say_what_it_measures(h100, llama70b):
    with pytest.raises(IntegrityError), transaction.atomic():
        profile(llama70b, h100, decode_measure="").save()


def test_a_profile_within_its_bounds_is_clean(h100, llama70b):
    profile(llama70b, h100).full_clean()


def test_prefill_above_the_compute_bound_is_refused_with_the_bound(h100, llama70b):
    # 2 H100 at 1,978.9 dense FP8 TFLOPS / (2 x 70B) = 28,270 tokens/s.
    p = profile(llama70b, h100, prefill_tokens_per_second=Decimal(30_000), prefill_measure="prefill")
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "physical bound of 28,270 tokens/s" in str(exc.value.message_dict["prefill_tokens_per_second"])


def test_decode_per_sequence_above_the_memory_bound_is_refused_with_the_bound(h100, llama70b):
    # 2 x 3,350 GB/s / 70 GB of FP8 weights = 95.7 tokens/s per sequence; 100 at concurrency 1 is 4.5% over.
    p = profile(llama70b, h100, decode_tokens_per_second=Decimal(100), concurrency=1)
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "physical bound of 96 tokens/s" in str(exc.value.message_dict["decode_tokens_per_second"])
    profile(llama70b, h100, decode_tokens_per_second=Decimal(97), concurrency=1).full_clean()  # within 2%


def test_a_total_output_figure_counts_the_prompt_tokens_against_the_compute_bound(h100, llama70b):
    # 3,000 output tokens/s at 5000 in / 500 out means 33,000 tokens/s computed: above 28,270.
    p = profile(
        llama70b, h100, decode_tokens_per_second=Decimal(3000), decode_measure="total_output",
        input_tokens=5000, output_tokens=500,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Tokens computed per second"):
        p.full_clean()


YAML = """
- key: vllm-llama-70b-h100
  model: meta-llama/Llama-3.3-70B-Instruct
  gpu: H100 SXM
  engine: vLLM
  precision: fp8
  gpus_per_replica: 2
  concurrency: 64
  prefill_tokens_per_second: 12000
  prefill_measure: prefill
  decode_tokens_per_second: 2500
  decode_measure: decode
  source_url: https://example.com/bench
  as_of: 2025-06-01
  note: a note
"""


def write(tmp_path, text):
    path = tmp_path / "profiles.yaml"
    path.write_text(text)
    return path


def test_loader_resolves_names_and_loading_twice_changes_nothing(tmp_path, h100, llama70b):
    ModelAliasFactory(model=llama70b, alias="meta-llama/Llama-3.3-70B-Instruct")
    path = write(tmp_path, YAML)
    assert load_throughput_profiles(path) == 1
    assert load_throughput_profiles(path) == 1
    p = ThroughputProfile.objects.get()
    assert (p.model, p.gpu, p.concurrency, p.is_curated) == (llama70b, h100, 64, True)
    assert p.prefill_tokens_per_second == Decimal(12000)


def test_loader_removes_curated_profiles_no_longer_in_the_file(tmp_path, h100, llama70b):
    profile(llama70b, h100, key="gone", is_curated=True).save()
    profile(llama70b, h100, key="admin-made", is_curated=False).save()
    ModelAliasFactory(model=llama70b, alias="meta-llama/Llama-3.3-70B-Instruct")
    load_throughput_profiles(write(tmp_path, YAML))
    assert set(ThroughputProfile.objects.values_list("key", flat=True)) == {"admin-made", "vllm-llama-70b-h100"}


def test_loader_refuses_a_figure_above_its_bound_and_writes_nothing(tmp_path, h100, llama70b):
    GpuAliasFactory(gpu=h100, alias="H100 SXM5 80GB")
    text = YAML.replace("gpu: H100 SXM", "gpu: H100 SXM5 80GB").replace("12000", "40000")
    text = text.replace("meta-llama/Llama-3.3-70B-Instruct", "llama-3-3-70b-instruct")
    with pytest.raises(CuratedDataError) as exc:
        load_throughput_profiles(write(tmp_path, text))
    assert "vllm-llama-70b-h100" in str(exc.value)
    assert "physical bound of 28,270 tokens/s" in str(exc.value)
    assert not ThroughputProfile.objects.exists()


def test_loader_names_each_bad_field(tmp_path, h100, llama70b):
    text = YAML.replace("precision: fp8", "precision: int3").replace("2500", "-5").replace("2025-06-01", "June")
    with pytest.raises(CuratedDataError) as exc:
        load_throughput_profiles(write(tmp_path, text))
    message = str(exc.value)
    assert "field 'precision'" in message and "field 'decode_tokens_per_second'" in message
    assert "field 'as_of'" in message


def test_loader_skips_a_gpu_not_in_the_catalogue_with_a_warning(tmp_path, llama70b, caplog):
    ModelAliasFactory(model=llama70b, alias="meta-llama/Llama-3.3-70B-Instruct")
    with caplog.at_level(logging.WARNING, logger="inference.throughput"):
        assert load_throughput_profiles(write(tmp_path, YAML)) == 0
    assert "gpu 'H100 SXM'" in caplog.text


def _catalogue_from_shared_data(shared_data):
    """GPUs from gpu_specs.csv (plus the H800, which it lacks) and models from model_facts.csv."""
    for row in csv.DictReader((shared_data / "gpu" / "gpu_specs.csv").open()):
        if not row["mem_bandwidth_tbps"]:
            continue
        GpuFactory(
            slug=row["gpu"].lower().replace(" ", "-"),
            name=row["gpu"],
            vram_gb=int(row["vram_gb"]),
            memory_bandwidth_gbps=int(Decimal(row["mem_bandwidth_tbps"]) * 1000),
            bf16_dense_tflops=Decimal(row["bf16_dense_tflops"]) if row["bf16_dense_tflops"] else None,
            fp8_dense_tflops=Decimal(row["fp8_dense_tflops"]) if row["fp8_dense_tflops"] else None,
        )
    # The H800 is the export H100: the same dense compute and memory bandwidth, a slower NVLink.
    GpuFactory(slug="h800", name="H800", memory_bandwidth_gbps=3350)
    for row in csv.DictReader((shared_data / "inference" / "model_facts.csv").open()):
        model = LanguageModelFactory(
            slug=row["model_key"].split("/")[1].replace(".", "-"),
            name=row["name"],
            total_params_b=Decimal(row["total_params_b"]),
            active_params_b=Decimal(row["active_params_b"]),
        )
        ModelAliasFactory(model=model, alias=row["model_key"])


@pytest.mark.shared_data
def test_the_curated_seed_loads_within_every_physical_bound(shared_data):
    _catalogue_from_shared_data(shared_data)
    loaded = load_throughput_profiles(DATA_FILE)
    # Every entry but the Llama 3 8B one (the catalogue has Llama 3.1 8B, not Llama 3 8B).
    assert loaded == ThroughputProfile.objects.count() >= 60
    for p in ThroughputProfile.objects.select_related("model", "gpu"):
        assert p.source_url.startswith("https://") and p.as_of.year >= 2024
        assert not p.bound_problems()
    # Deployments are kept whole (issue #11): Kimi K2 on its 128 H200s at the blog's own 56k/24k per node,
    # DeepSeek-V3 on SGLang's 96 H100s (12 nodes x the per-node rate), not an 8-GPU slice of either.
    kimi = ThroughputProfile.objects.get(model__slug="kimi-k2")
    assert (kimi.gpus_per_replica, kimi.prefill_tokens_per_second, kimi.decode_tokens_per_second) == (
        128,
        56000 * 16,
        24000 * 16,
    )
    sglang = ThroughputProfile.objects.get(key="sglang-deepseek-v3-h100-sxm-8gpu-fp8-in2000-decode")
    assert (sglang.gpus_per_replica, sglang.decode_tokens_per_second) == (96, 22282 * 12)
    assert not ThroughputProfile.objects.filter(decode_measure="decode", key__startswith="trtllm").exists()


def test_admin_refuses_a_profile_above_its_bound_with_the_bound(admin_client, h100, llama70b):
    response = admin_client.post(
        "/admin/inference/throughputprofile/add/",
        {
            "key": "too-fast",
            "model": llama70b.pk,
            "gpu": h100.pk,
            "gpus_per_replica": 2,
            "engine": "vLLM",
            "precision": "fp8",
            "prefill_tokens_per_second": "40000",
            "prefill_measure": "prefill",
            "source_url": "https://example.com/bench",
            "as_of": "2025-06-01",
        },
    )
    assert response.status_code == 200
    assert "physical bound of 28,270 tokens/s" in response.content.decode()
    assert not ThroughputProfile.objects.exists()
