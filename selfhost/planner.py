"""The replica planner: the smallest rentable replica of one GPU type that holds a model.

Pure Python, no Django: callers pass GpuSpec and ModelSpec (selfhost.catalogue builds them from the
database). Memory is counted as weights (total parameters x bytes per parameter at the serving
precision) + the KV cache for `concurrency` sequences of `context_tokens` + a runtime overhead share of
the GPUs' memory. Mixture-of-experts models need memory for all their parameters; compute and
bandwidth (selfhost.throughput) use the active ones. Replicas come in the sizes people rent: 1, 2, 4
or 8 GPUs in a node, then whole nodes of 8.
"""

from dataclasses import dataclass

BYTES_PER_PARAM = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5}
PRECISIONS = ("bf16", "fp8", "fp4")
OVERHEAD_SHARE = 0.10  # of each GPU's memory: activations, CUDA graphs, the engine, fragmentation
DEFAULT_CONTEXT_TOKENS = 4096  # prompt + output of one sequence
DEFAULT_CONCURRENCY = 16  # sequences the replica must hold at that context
NODE_GPUS = 8
MAX_NODES = 16
REPLICA_SIZES = (1, 2, 4, 8) + tuple(NODE_GPUS * n for n in range(2, MAX_NODES + 1))
GB = 1e9


def kv_bytes_per_element(precision):
    """KV cache element size: FP8 KV cache beside FP8/FP4 weights (what serving engines default to), else BF16."""
    return 1.0 if precision in ("fp8", "fp4") else 2.0


@dataclass(frozen=True)
class GpuSpec:
    slug: str
    name: str
    vram_gb: float
    bandwidth_gbps: float | None
    bf16_tflops: float | None
    fp8_tflops: float | None
    architecture: str = ""

    @property
    def has_fp4(self):
        """FP4 tensor cores: Blackwell (B200, GB200, B300, RTX PRO 6000 ...). Dense FP4 = 2 x dense FP8."""
        return self.architecture.lower().startswith("blackwell") and bool(self.fp8_tflops)

    @property
    def precisions(self):
        """Precisions this GPU computes natively (FP8 needs FP8 tensor cores, FP4 needs FP4 ones)."""
        found = []
        if self.bf16_tflops:
            found.append("bf16")
        if self.fp8_tflops:
            found.append("fp8")
        if self.has_fp4:
            found.append("fp4")
        return found

    @property
    def best_precision(self):
        """The lowest precision the hardware really has: what an unstated precision is bounded by."""
        return self.precisions[-1] if self.precisions else None

    @property
    def default_precision(self):
        """What the planner serves at unless asked: FP8 where the GPU has it (FP4 is a quality choice), else BF16."""
        return "fp8" if "fp8" in self.precisions else ("bf16" if self.precisions else None)

    def tflops(self, precision):
        if precision == "bf16":
            return self.bf16_tflops
        if precision == "fp8":
            return self.fp8_tflops
        if precision == "fp4" and self.has_fp4:
            return 2 * self.fp8_tflops
        return None

    @property
    def generation(self):
        arch = self.architecture.lower()
        for name in ("blackwell", "hopper", "ada", "ampere", "cdna", "volta", "turing"):
            if arch.startswith(name):
                return name
        return arch or "unknown"


@dataclass(frozen=True)
class ModelSpec:
    slug: str
    name: str
    total_params_b: float | None
    active_params_b: float | None
    kv_bytes_per_token_bf16: float | None  # all KV-holding layers, K and V (MLA: the latent), BF16
    open_weights: bool = True

    @property
    def is_moe(self):
        return bool(self.active_params_b and self.total_params_b and self.active_params_b < self.total_params_b)

    def kv_bytes_per_token(self, precision):
        if self.kv_bytes_per_token_bf16 is None:
            return None
        return self.kv_bytes_per_token_bf16 * kv_bytes_per_element(precision) / 2


@dataclass(frozen=True)
class Memory:
    """GB for one replica. `fits` = weights + KV cache + overhead <= available."""

    weights_gb: float
    kv_cache_gb: float
    overhead_gb: float
    available_gb: float
    context_tokens: int
    concurrency: int

    @property
    def needed_gb(self):
        return self.weights_gb + self.kv_cache_gb + self.overhead_gb

    @property
    def fits(self):
        return self.needed_gb <= self.available_gb

    @property
    def free_for_kv_gb(self):
        return max(0.0, self.available_gb - self.overhead_gb - self.weights_gb)

    def as_dict(self):
        return {
            "weights_gb": round(self.weights_gb, 1),
            "kv_cache_gb": round(self.kv_cache_gb, 1),
            "overhead_gb": round(self.overhead_gb, 1),
            "needed_gb": round(self.needed_gb, 1),
            "available_gb": round(self.available_gb, 1),
            "fits": self.fits,
            "context_tokens": self.context_tokens,
            "concurrency": self.concurrency,
        }


@dataclass(frozen=True)
class Plan:
    model: ModelSpec
    gpu: GpuSpec
    precision: str
    gpus: int
    memory: Memory

    @property
    def max_sequences(self):
        """Sequences of the stated context the free memory holds (at least the planned concurrency)."""
        per_sequence = self.model.kv_bytes_per_token(self.precision) * self.memory.context_tokens / GB
        return max(self.memory.concurrency, int(self.memory.free_for_kv_gb / per_sequence)) if per_sequence else 0

    @property
    def nodes(self):
        return -(-self.gpus // NODE_GPUS)

    def describe(self):
        return f"{self.gpus}x {self.gpu.name} at {self.precision.upper()}"


@dataclass(frozen=True)
class NoPlan:
    """Why there is no plan; `field` names the input to change, when one would help."""

    reason: str
    field: str = ""
    memory: Memory | None = None


def memory_for(model: ModelSpec, gpu: GpuSpec, precision, gpus, context_tokens, concurrency) -> Memory:
    weights = model.total_params_b * BYTES_PER_PARAM[precision]  # billions of params x bytes = GB
    kv = model.kv_bytes_per_token(precision) * context_tokens * concurrency / GB
    return Memory(
        weights_gb=weights,
        kv_cache_gb=kv,
        overhead_gb=gpu.vram_gb * gpus * OVERHEAD_SHARE,
        available_gb=gpu.vram_gb * gpus,
        context_tokens=context_tokens,
        concurrency=concurrency,
    )


def why_not(model: ModelSpec, gpu: GpuSpec) -> str:
    """The reason no replica can be planned for this model on this GPU whatever the size, or ""."""
    if not model.open_weights:
        return f"{model.name} has closed weights: it can only be used through its vendor's API."
    if not model.total_params_b or not model.active_params_b:
        return f"{model.name}'s parameter count is not published, so its memory cannot be planned."
    if model.kv_bytes_per_token_bf16 is None:
        return f"{model.name}'s layer and KV-head counts are not in the catalogue, so its KV cache cannot be sized."
    if not gpu.vram_gb or not gpu.precisions:
        return f"{gpu.name}'s compute specs (dense TFLOPS) are not in the catalogue."
    return ""


def plan_replica(
    model: ModelSpec,
    gpu: GpuSpec,
    precision=None,
    gpus=None,
    context_tokens=DEFAULT_CONTEXT_TOKENS,
    concurrency=DEFAULT_CONCURRENCY,
) -> Plan | NoPlan:
    """The smallest replica (or the asked-for `gpus`) holding the model at `precision`, or why not."""
    reason = why_not(model, gpu)
    if reason:
        return NoPlan(reason, field="gpu" if reason.startswith(gpu.name) else "model")
    precision = precision or gpu.default_precision
    if precision not in gpu.precisions:
        have = ", ".join(p.upper() for p in gpu.precisions)
        return NoPlan(f"{gpu.name} has no {precision.upper()} tensor cores (it has {have}).", field="precision")
    if gpus is not None:
        memory = memory_for(model, gpu, precision, gpus, context_tokens, concurrency)
        if not memory.fits:
            return NoPlan(
                f"{gpus}x {gpu.name} ({memory.available_gb:,.0f} GB) cannot hold {model.name} at "
                f"{precision.upper()}: {memory.weights_gb:,.0f} GB of weights + {memory.kv_cache_gb:,.0f} GB of KV "
                f"cache ({concurrency} sequences of {context_tokens:,} tokens) + {memory.overhead_gb:,.0f} GB runtime "
                "overhead "
                f"= {memory.needed_gb:,.0f} GB.",
                field="gpus_per_replica",
                memory=memory,
            )
        return Plan(model, gpu, precision, gpus, memory)
    for size in REPLICA_SIZES:
        memory = memory_for(model, gpu, precision, size, context_tokens, concurrency)
        if memory.fits:
            return Plan(model, gpu, precision, size, memory)
    largest = memory_for(model, gpu, precision, REPLICA_SIZES[-1], context_tokens, concurrency)
    return NoPlan(
        f"{model.name} at {precision.upper()} needs {largest.weights_gb + largest.kv_cache_gb:,.0f} GB before "
        "overhead: "
        f"more than {MAX_NODES} nodes of 8x {gpu.name}, the largest replica planned.",
        field="gpu",
        memory=largest,
    )
