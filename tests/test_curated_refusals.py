"""'Nothing written' after every kind of refused curated file, whichever side of the data set it is on.

The review's deliberate bug: a loader writing the GPU files before checking the inference files would
leave GPU rows behind when an inference file is bad. Each refusal below is checked twice: from an empty
database (every table still empty, GPU tables included) and over an earlier load (byte for byte the same).
"""

import pytest

from computeprices.curated import CuratedDataError, load_curated
from tests.test_load_curated import ALL_MODELS, edit, small_set, snapshot  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

REFUSALS = {
    # inference side: checked only after the GPU side parsed fine
    "model missing its name": ("inference", "models.yaml", lambda d: d[0].pop("name")),
    "model active above total": ("inference", "models.yaml", lambda d: d[0].update(active_params_b="700")),
    "model alias twice": (
        "inference",
        "models.yaml",
        lambda d: d.append({**d[0], "slug": "copy", "name": "Copy"}),
    ),
    "token offering of an unknown model": (
        "inference",
        "offerings/together.yaml",
        lambda d: d["offerings"][0].update(model="gpt-9"),
    ),
    "negative token price": (
        "inference",
        "offerings/together.yaml",
        lambda d: d["offerings"][0].update(usd_per_mtok_output="-1"),
    ),
    "token price not a number": (
        "inference",
        "offerings/together.yaml",
        lambda d: d["offerings"][0].update(usd_per_mtok_input="cheap"),
    ),
    "token offering of an unknown provider": (
        "inference",
        "offerings/together.yaml",
        lambda d: d.update(provider="nobody"),
    ),
    "token offering twice": (
        "inference",
        "offerings/together.yaml",
        lambda d: d["offerings"].append(dict(d["offerings"][0])),
    ),
    # GPU and provider side
    "provider missing its name": ("providers", "providers.yaml", lambda d: d[1].pop("name")),
    "provider of an unknown kind": ("providers", "providers.yaml", lambda d: d[0].update(offers="everything")),
    "gpu missing a field": ("providers", "gpus.yaml", lambda d: d[0].pop("vram_gb")),
    "gpu offering of an unknown gpu": (
        "providers",
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(gpu="h900"),
    ),
    "gpu price below zero": (
        "providers",
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(usd_per_gpu_hour="-2.99"),
    ),
}


def refuse(small_set, case):  # noqa: F811
    side, relative, change = REFUSALS[case]
    folder = small_set[0] if side == "providers" else small_set[1]
    edit(folder / relative, change)
    with pytest.raises(CuratedDataError):
        load_curated(*small_set)


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_file_writes_nothing_into_an_empty_database(small_set, case):  # noqa: F811
    refuse(small_set, case)
    written = {m.__name__: m.objects.count() for m in ALL_MODELS}
    assert written == dict.fromkeys(written, 0)  # a bad inference file leaves no GPU rows either


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_file_leaves_an_earlier_load_as_it_was(small_set, case):  # noqa: F811
    load_curated(*small_set)
    before = snapshot()
    refuse(small_set, case)
    assert snapshot() == before
