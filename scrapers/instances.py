"""Instance-type tables: the exact GPU variant (SXM / PCIe / NVL, memory size) of each cloud's instances.

A source's accelerator name alone is often ambiguous: SkyPilot calls an A100 40GB SXM, an A100 80GB
PCIe and an A100 80GB SXM "A100" or "A100-80GB", and an H100 SXM, PCIe or NVL all "H100". For such
names the instance type decides, per cloud, from the table below. An instance the table cannot place
is never guessed: it comes back as an unplaced name ("H100 (variant unknown: <instance>)"), which no
catalogue alias answers to, so the ingest records it as unmatched.

Variant names are aliases in providers/data/gpus.yaml (one per catalogue GPU).
"""

import re

A100_40_SXM = "A100 40GB SXM"
A100_40_PCIE = "A100 40GB PCIe"
A100_80_SXM = "A100 SXM4 80GB"
A100_80_PCIE = "A100 80GB PCIe"
H100_SXM = "H100 SXM"
H100_PCIE = "H100 PCIe"
H100_NVL = "H100 NVL"
H200_SXM = "H200 SXM"
V100_16 = "V100 16GB"
V100_32 = "V100-32GB"
RTX_PRO_6000 = "RTX PRO 6000 Server Edition"

# Accelerator names (squashed: lower-case alphanumerics) that do not say which variant they are.
AMBIGUOUS = {"a100", "a10080gb", "a10080g", "h100", "h100mega", "h200", "v100", "teslav100"}

# cloud -> [(regex searched in the instance type, exact variant or None = cannot be placed)], first match wins.
TABLES = {
    "aws": [
        (r"^p4d\.", A100_40_SXM),
        (r"^p4de\.", A100_80_SXM),
        (r"^p5\.", H100_SXM),
        (r"^p5en?\.", H200_SXM),
        (r"^p3dn\.", V100_32),
        (r"^p3\.", V100_16),
    ],
    "gcp": [
        (r"^a2-(highgpu|megagpu)-", A100_40_SXM),
        (r"^a2-ultragpu-", A100_80_SXM),
        (r"^a3-(highgpu|edgegpu|megagpu)-", H100_SXM),
        (r"^a3-ultragpu-", H200_SXM),
        (r"V100 \(GPU only", V100_16),  # GCP's V100 is the 16 GB SXM2 part
    ],
    "azure": [
        (r"^Standard_ND96asr(_A100)?_v4$", A100_40_SXM),
        (r"^Standard_NC\d+ads_A100_v4$", A100_80_PCIE),
        (r"^Standard_ND96ams?r?_A100_v4$", A100_80_SXM),
        (r"^Standard_NCC?\d+adi?s_H100_v5$", H100_NVL),  # NC40ads / NCC40ads / NC80adis: H100 NVL
        (r"^Standard_ND96is\w*_H100_v5$", H100_SXM),
        (r"^Standard_ND96isr_H200_v5$", H200_SXM),
        (r"^Standard_NC\d+r?s_v3$", V100_16),
        (r"^Standard_ND40r?s_v2$", V100_32),
    ],
    "lambda": [
        (r"^gpu_\dx_a100_80gb_sxm4$", A100_80_SXM),
        (r"^gpu_\dx_a100(_sxm4)?$", A100_40_SXM),
        (r"_h100_pcie$", H100_PCIE),
        (r"_h100_sxm5$", H100_SXM),
        (r"^gpu_\dx_v100", V100_16),
    ],
    "vast": [
        (r"H100_NVL", H100_NVL),
        (r"H100_SXM", H100_SXM),
        # A100_PCIE / A100_SXM4 / H200 / Tesla_V100 without a memory size: cannot be placed.
    ],
    "runpod": [
        (r"_H100-SXM_", H100_SXM),
        (r"_H100_", H100_PCIE),  # SkyPilot's RunPod "H100" is the PCIe card; the SXM one is "H100-SXM"
    ],
    "shadeform": [
        (r"^lambdalabs_H100-sxm5", H100_SXM),
        (r"^lambdalabs_H100$", H100_PCIE),
        (r"^lambdalabs_A100(x8|-sxm4)$", A100_40_SXM),
        (r"(A100-sxm4-80G|A100-80G-sxm4)", A100_80_SXM),
        (r"A100-sxm4(x8)?$", A100_40_SXM),
        (r"_V100$", V100_16),
    ],
    "oci": [(r"GPU3\.", V100_16)],
    "fluidstack": [
        (r"^A100_PCIE_80GB", A100_80_PCIE),
        (r"^H100_PCIE_80GB", H100_PCIE),
    ],
    "paperspace": [(r"^V100", V100_16)],
    "do": [(r"^gpu-h100x\d+-", H100_SXM)],
    "nebius": [
        (r"^gpu-h100-sxm", H100_SXM),
        (r"^gpu-h200-sxm", H200_SXM),
    ],
    "verda": [
        (r"^\dA100\.", A100_80_SXM),
        (r"^\dH100\.80S", H100_SXM),
        (r"^\dH200\.141S", H200_SXM),
        (r"^\dV100\.", V100_16),
    ],
}
_COMPILED = {cloud: [(re.compile(p), v) for p, v in rows] for cloud, rows in TABLES.items()}


def squash(name):
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


# Sources whose own naming settles a bare name: RunPod sells its H200 NVL as "H200 NVL", so its "H200" is SXM.
BY_NAME = {"page:runpod": {"h200": H200_SXM}}


def place(cloud, accelerator, instance):
    """The exact GPU name for an instance: the accelerator itself when it is unambiguous, the table's
    variant when the instance type says, else an unplaced name that the ingest records as unmatched."""
    if squash(accelerator) not in AMBIGUOUS:
        return accelerator
    if squash(accelerator) in BY_NAME.get(cloud, {}):
        return BY_NAME[cloud][squash(accelerator)]
    for pattern, variant in _COMPILED.get(cloud, ()):
        if pattern.search(instance or ""):
            return variant
    return unplaced(accelerator, instance)


def unplaced(accelerator, instance):
    return f"{accelerator} (variant unknown: {instance})"


def is_unplaced(name):
    return "(variant unknown:" in name
