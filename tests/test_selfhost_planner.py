"""The replica planner and the throughput model: pure Python, no database."""

import pytest

from selfhost import planner, throughput
from selfhost.planner import GpuSpec, ModelSpec, NoPlan, Plan, plan_replica

H100 = GpuSpec("h100-sxm", "H100 SXM", 80, 3350, 989.5, 1979.0, "Hopper")
H200 = GpuSpec("h200", "H200", 141, 4800, 989.5, 1979.0, "Hopper")
A100 = GpuSpec("a100-80gb-sxm", "A100 80GB SXM", 80, 2039, 312.0, None, "Ampere")
B200 = GpuSpec("b200", "B200", 180, 7700, 2250.0, 4500.0, "Blackwell")
L40S = GpuSpec("l40s", "L40S", 48, 864, 362.1, 733.0, "Ada Lovelace")
# KV bytes per token at BF16: layers x KV heads x head dim x 2 (K and V) x 2 bytes; MLA: 61 x 576 x 2.
LLAMA70 = ModelSpec("llama-3-3-70b-instruct", "Llama 3.3 70B", 70, 70, 80 * 8 * 128 * 2 * 2)
LLAMA405 = ModelSpec("llama-3-1-405b-instruct", "Llama 3.1 405B", 405, 405, 126 * 8 * 128 * 2 * 2)
DEEPSEEK = ModelSpec("deepseek-v3", "DeepSeek-V3", 671, 37, 61 * 576 * 2)
CLOSED = ModelSpec("claude-sonnet-4", "Claude Sonnet 4", None, None, None, open_weights=False)


def test_kv_cache_per_token_follows_the_architecture():
    assert LLAMA70.kv_bytes_per_token("bf16") == 327_680  # 320 KiB per token
    assert LLAMA70.kv_bytes_per_token("fp8") == 163_840
    assert DEEPSEEK.kv_bytes_per_token("bf16") == 70_272  # MLA: one 576-element latent per layer


def test_smallest_rentable_replica_that_holds_weights_kv_and_overhead():
    plan = plan_replica(LLAMA70, H100)
    assert isinstance(plan, Plan) and (plan.precision, plan.gpus) == ("fp8", 2)
    # 70 GB of FP8 weights + 16 x 4096 tokens of FP8 KV cache (10.7 GB) + 10% overhead > 80 GB.
    assert plan.memory.weights_gb == 70 and round(plan.memory.kv_cache_gb, 1) == 10.7
    assert plan_replica(LLAMA70, H200).gpus == 1
    assert plan_replica(LLAMA70, A100).precision == "bf16"  # no FP8 tensor cores on Ampere
    assert plan_replica(LLAMA70, A100).gpus == 4  # 140 GB BF16 weights + KV + overhead > 160 GB


def test_deepseek_fp8_does_not_fit_one_h100_node_and_is_planned_on_two():
    plan = plan_replica(DEEPSEEK, H100)
    assert plan.gpus == 16 and plan.nodes == 2  # 671 GB of FP8 weights alone exceed 8 x 80 GB less overhead
    assert plan_replica(DEEPSEEK, H200).gpus == 8
    assert plan_replica(DEEPSEEK, B200, precision="fp4").gpus == 4


def test_an_asked_for_replica_too_small_names_gpus_per_replica():
    refused = plan_replica(LLAMA405, H100, gpus=1)
    assert isinstance(refused, NoPlan) and refused.field == "gpus_per_replica"
    assert "405 GB of weights" in refused.reason and not refused.memory.fits


def test_precision_must_exist_on_the_gpu():
    assert plan_replica(LLAMA70, A100, precision="fp8").field == "precision"
    assert plan_replica(LLAMA70, H100, precision="fp4").field == "precision"  # Hopper has no FP4 tensor cores
    assert plan_replica(LLAMA70, B200, precision="fp4").gpus == 1
    assert H100.best_precision == "fp8" and B200.best_precision == "fp4" and A100.best_precision == "bf16"


def test_closed_and_too_big_models_get_a_reason_not_a_number():
    assert "closed weights" in plan_replica(CLOSED, H100).reason
    huge = ModelSpec("huge", "Huge", 100_000, 1000, 1_000_000)
    refused = plan_replica(huge, L40S)
    assert isinstance(refused, NoPlan) and "largest replica" in refused.reason


def test_replica_sizes_are_what_people_rent():
    assert planner.REPLICA_SIZES[:5] == (1, 2, 4, 8, 16)
    assert all(size % 8 == 0 for size in planner.REPLICA_SIZES[3:])


EFF = throughput.Efficiency(0.3, 0.5, "test", 10, 0.8, 1.3)


@pytest.mark.parametrize("model,gpu", [(LLAMA70, H100), (DEEPSEEK, H200), (LLAMA405, B200)])
def test_estimates_never_exceed_their_bounds(model, gpu):
    plan = plan_replica(model, gpu)
    rates = throughput.estimate(model, gpu, plan.precision, plan.gpus, EFF)
    assert 0 < rates.prefill <= rates.prefill_bound and 0 < rates.decode <= rates.decode_bound
    assert rates.prefill_range[1] <= rates.prefill_bound and rates.decode_range[1] <= rates.decode_bound
    assert rates.basis == "estimated" and "offline maximum throughput" in rates.conditions


def test_a_per_user_speed_target_costs_throughput():
    """Published serving curves: 5x to 70x between peak throughput and interactive speeds."""
    offline = throughput.estimate(LLAMA70, H100, "fp8", 2, EFF)
    fast = throughput.estimate(LLAMA70, H100, "fp8", 2, EFF, tokens_per_second_per_user=40)
    assert fast.per_user_tokens_per_second >= 40 > offline.per_user_tokens_per_second
    assert offline.decode / fast.decode > 2  # fewer sequences in flight: less throughput per GPU
    with pytest.raises(throughput.TargetUnreachable) as exc:
        throughput.estimate(LLAMA70, H100, "fp8", 2, EFF, tokens_per_second_per_user=5000)
    assert exc.value.field == "tokens_per_second_per_user"


def test_ttft_target_caps_utilization():
    cap, alone = throughput.ttft_utilization_cap(2000, 20_000, 300)
    assert alone == 100 and 0 < cap < 1
    assert throughput.ttft_utilization_cap(2000, 20_000, 50) == (None, 100)


def test_moe_decode_reads_more_experts_as_the_batch_grows():
    assert throughput.weights_read_per_step_b(DEEPSEEK, 1) == 37
    assert 600 < throughput.weights_read_per_step_b(DEEPSEEK, 256) <= 671
    assert throughput.weights_read_per_step_b(LLAMA70, 256) == 70
