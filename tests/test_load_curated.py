"""load_curated: loads the promised counts, is idempotent, and a bad file loads nothing and names the problem."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from computeprices.curated import CuratedDataError, load_curated
from inference.models import InferenceOffering, InferencePriceObservation, LanguageModel, ModelAlias
from providers.models import Gpu, GpuAlias, GpuOffering, GpuPriceObservation, Provider

pytestmark = pytest.mark.django_db

ALL_MODELS = [
    Provider,
    Gpu,
    GpuAlias,
    GpuOffering,
    GpuPriceObservation,
    LanguageModel,
    ModelAlias,
    InferenceOffering,
    InferencePriceObservation,
]


def write(path: Path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def small_set(tmp_path):
    """A tiny but complete curated set: 2 providers, 1 GPU, 1 model, a price with history on each side."""
    pdir, idir = tmp_path / "providers", tmp_path / "inference"
    write(
        pdir / "providers.yaml",
        [
            {"slug": "lambda", "name": "Lambda", "offers": "gpu", "website": "https://lambda.ai"},
            {"slug": "together", "name": "Together AI", "offers": "both"},
        ],
    )
    write(
        pdir / "gpus.yaml",
        [
            {
                "slug": "h100-sxm",
                "name": "H100 SXM",
                "vendor": "nvidia",
                "architecture": "Hopper",
                "vram_gb": 80,
                "memory_bandwidth_gbps": 3350,
                "bf16_dense_tflops": "989.4",
                "fp8_dense_tflops": "1978.9",
                "form_factor": "sxm",
                "release_year": 2022,
                "aliases": ["NVIDIA H100 80GB HBM3", "H100-SXM5-80GB"],
            }
        ],
    )
    write(
        pdir / "gpu_offerings" / "lambda.yaml",
        {
            "provider": "lambda",
            "source_url": "https://lambda.ai/pricing",
            "as_of": "2026-01-09",
            "offerings": [
                {
                    "gpu": "h100-sxm",
                    "gpus_per_instance": 8,
                    "pricing_type": "on_demand",
                    "instance_name": "gpu_8x_h100_sxm5",
                    "usd_per_gpu_hour": "2.99",
                    "history": [{"as_of": "2025-06-01", "usd_per_gpu_hour": "3.29"}],
                }
            ],
        },
    )
    write(
        idir / "models.yaml",
        [
            {
                "slug": "llama-3-3-70b",
                "name": "Llama 3.3 70B",
                "creator": "Meta",
                "total_params_b": "70.6",
                "active_params_b": "70.6",
                "context_window": 131072,
                "open_weights": True,
                "release_date": "2024-12-06",
                "aliases": ["meta-llama/Llama-3.3-70B-Instruct"],
            }
        ],
    )
    write(
        idir / "offerings" / "together.yaml",
        {
            "provider": "together",
            "source_url": "https://www.together.ai/pricing",
            "as_of": "2026-02-14",
            "offerings": [
                {
                    "model": "llama-3-3-70b",
                    "quantization": "fp8",
                    "usd_per_mtok_input": "0.88",
                    "usd_per_mtok_output": "0.88",
                    "batch_discount": "0.5",
                }
            ],
        },
    )
    return pdir, idir


def snapshot():
    return {m.__name__: sorted(m.objects.values_list()) for m in ALL_MODELS}


def test_small_set_loads_exact_values(small_set):
    counts = load_curated(*small_set)
    assert counts["providers"] == 2 and counts["gpus"] == 1 and counts["models"] == 1
    assert counts["gpu_price_observations"] == 2 and counts["inference_price_observations"] == 1
    offering = GpuOffering.objects.with_latest_price().get()
    assert offering.latest_usd_per_gpu_hour == Decimal("2.99")
    assert offering.latest_usd_per_instance_hour == Decimal("23.92")  # 8 x 2.99, derived when not given
    assert offering.observations.filter(is_curated=True, source="curated").count() == 2
    assert GpuAlias.objects.resolve(["nvidia h100 80gb hbm3"]) == {"nvidia h100 80gb hbm3": Gpu.objects.get().pk}
    inf = InferenceOffering.objects.with_latest_price().get()
    assert inf.latest_input == Decimal("0.88") and inf.latest_batch_discount == Decimal("0.5")


def test_loading_twice_gives_the_same_database(small_set):
    load_curated(*small_set)
    first = snapshot()
    load_curated(*small_set)
    assert snapshot() == first


def test_an_admin_correction_is_overwritten_only_by_a_changed_file(small_set):
    """The file is the source of truth for its own (offering, date) facts; reloading restores it."""
    load_curated(*small_set)
    GpuPriceObservation.objects.filter(usd_per_gpu_hour=Decimal("2.99")).update(usd_per_gpu_hour=Decimal("1"))
    load_curated(*small_set)
    assert GpuPriceObservation.objects.filter(usd_per_gpu_hour=Decimal("2.99")).count() == 1


def edit(path, change):
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


BAD_EDITS = {
    "unknown GPU": (
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(gpu="h999"),
        ["lambda.yaml", "entry 1 (h999)", "field 'gpu'", "unknown GPU 'h999'"],
    ),
    "negative price": (
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(usd_per_gpu_hour="-2.99"),
        ["lambda.yaml", "entry 1 (h100-sxm)", "field 'usd_per_gpu_hour'", "must be greater than 0"],
    ),
    "missing field": (
        "gpus.yaml",
        lambda d: d[0].pop("vram_gb"),
        ["gpus.yaml", "entry 1 (h100-sxm)", "field 'vram_gb'", "missing"],
    ),
    "not a number": (
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(usd_per_gpu_hour="two dollars"),
        ["field 'usd_per_gpu_hour'", "'two dollars' is not a number"],
    ),
    "bad history date": (
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0]["history"][0].update(as_of="last june"),
        ["history 1", "field 'as_of'", "not a YYYY-MM-DD date"],
    ),
    "unknown pricing type": (
        "gpu_offerings/lambda.yaml",
        lambda d: d["offerings"][0].update(pricing_type="forever"),
        ["field 'pricing_type'", "'forever' is not one of"],
    ),
    "alias under two GPUs": (
        "gpus.yaml",
        lambda d: d.append({**d[0], "slug": "h100-copy", "name": "H100 copy", "aliases": ["H100_SXM5_80GB"]}),
        ["entry 2 (h100-copy)", "field 'aliases'", "already names GPU 'h100-sxm'"],
    ),
}


@pytest.mark.parametrize("case", BAD_EDITS, ids=list(BAD_EDITS))
def test_a_bad_gpu_file_loads_nothing_and_names_the_problem(small_set, case):
    relative, change, expected = BAD_EDITS[case]
    edit(small_set[0] / relative, change)
    with pytest.raises(CuratedDataError) as error:
        load_curated(*small_set)
    message = str(error.value)
    for part in expected:
        assert part in message
    assert all(m.objects.count() == 0 for m in ALL_MODELS)


def test_a_bad_file_leaves_an_earlier_load_untouched(small_set):
    load_curated(*small_set)
    before = snapshot()
    edit(
        small_set[1] / "offerings" / "together.yaml",
        lambda d: d["offerings"][0].update(model="gpt-9", usd_per_mtok_output="-1"),
    )
    with pytest.raises(CuratedDataError) as error:
        load_curated(*small_set)
    assert "unknown model 'gpt-9'" in str(error.value)
    assert "field 'usd_per_mtok_output'" in str(error.value)
    assert snapshot() == before


def test_unreadable_yaml_is_named(small_set):
    (small_set[1] / "models.yaml").write_text("- slug: [unclosed\n")
    with pytest.raises(CuratedDataError) as error:
        load_curated(*small_set)
    assert "models.yaml" in str(error.value) and "cannot be read as YAML" in str(error.value)


def test_active_above_total_parameters_is_refused(small_set):
    edit(small_set[1] / "models.yaml", lambda d: d[0].update(active_params_b="700"))
    with pytest.raises(CuratedDataError, match="field 'active_params_b'"):
        load_curated(*small_set)


# The project's own curated set -------------------------------------------------------------------

PROMISED = {
    "gpu_providers": 16,
    "gpus": 12,
    "gpu_offerings": 150,
    "inference_providers": 10,
    "models": 40,
    "inference_offerings": 150,
}


def test_project_curated_set_loads_the_promised_counts_and_is_idempotent():
    counts = load_curated()
    for kind, minimum in PROMISED.items():
        assert counts[kind] >= minimum, f"{kind}: {counts[kind]} < {minimum}"
    assert GpuOffering.objects.count() == counts["gpu_offerings"]
    assert InferenceOffering.objects.count() == counts["inference_offerings"]
    assert LanguageModel.objects.count() == counts["models"]
    every_price_has_a_source = not (
        GpuPriceObservation.objects.filter(source_url="").exists()
        or InferencePriceObservation.objects.filter(source_url="").exists()
    )
    assert every_price_has_a_source
    first = snapshot()
    load_curated()
    assert snapshot() == first


def test_load_curated_command_reports_counts(capsys, tmp_path):
    call_command("load_curated")
    out = capsys.readouterr().out
    assert "gpu_offerings:" in out and "Curated data loaded." in out


def test_curated_offering_is_listed_for_a_year_after_its_price_date(small_set, time_machine):
    time_machine.move_to("2026-06-01 12:00Z")
    load_curated(*small_set)  # Lambda priced 2026-01-09; Together 2026-02-14: both within a year
    offering = GpuOffering.objects.get()
    # Last seen is the day the price was collected, never the day load_curated ran.
    assert offering.last_seen_on.isoformat() == "2026-01-09"
    assert offering.last_scraped_on is None
    assert offering.listed_until.isoformat() == "2027-01-09"
    assert offering.freshness() == "stale"
    assert GpuOffering.objects.current().count() == 0  # current = seen in the last 3 days
    assert GpuOffering.objects.listed().count() == 1
    assert InferenceOffering.objects.listed().count() == 1


def test_load_curated_twice_keeps_the_dates(small_set, time_machine):
    time_machine.move_to("2026-06-01 12:00Z")
    load_curated(*small_set)
    time_machine.move_to("2026-07-01 12:00Z")
    load_curated(*small_set)
    assert GpuOffering.objects.get().last_seen_on.isoformat() == "2026-01-09"


def test_deleting_an_observation_lowers_last_seen(small_set):
    load_curated(*small_set)
    offering = GpuOffering.objects.get()
    newest = offering.observations.order_by("-observed_on").first()
    newest.delete()
    offering.refresh_from_db()
    assert offering.last_seen_on.isoformat() == "2025-06-01"


def test_curated_offering_older_than_a_year_ages_out(small_set, time_machine):
    time_machine.move_to("2027-03-01 12:00Z")
    load_curated(*small_set)
    offering = GpuOffering.objects.get()
    assert offering.last_seen_on.isoformat() == "2026-01-09"  # its newest price date, not today
    assert offering.freshness() == "delisted"
    assert GpuOffering.objects.listed().count() == 0
    # Kept in history all the same.
    assert offering.observations.count() == 2


def test_load_curated_builds_the_daily_gpu_statistics(small_set):
    from providers.models import GpuDailyStat

    load_curated(*small_set)
    stats = GpuDailyStat.objects.filter(gpu__slug="h100-sxm", pricing_type="on_demand")
    assert stats.get(day="2026-01-09").cheapest_usd_per_gpu_hour == Decimal("2.99")
    assert stats.get(day="2025-06-01").cheapest_usd_per_gpu_hour == Decimal("3.29")


def test_offerings_of_a_provider_that_does_not_offer_them_are_refused(small_set):
    edit(small_set[0] / "providers.yaml", lambda d: d[1].update(offers="gpu"))  # Together: GPU rental only
    with pytest.raises(CuratedDataError) as error:
        load_curated(*small_set)
    assert "together.yaml, field 'provider'" in str(error.value)
    assert "offers only GPU rental" in str(error.value)


def test_the_same_offering_twice_in_a_file_is_refused(small_set):
    edit(small_set[1] / "offerings" / "together.yaml", lambda d: d["offerings"].append(dict(d["offerings"][0])))
    with pytest.raises(CuratedDataError, match=r"together.yaml, entry 2 \(llama-3-3-70b\): the same offering"):
        load_curated(*small_set)


def test_origin_url_and_price_date_are_stored_for_current_and_history_prices(small_set):
    """A hand price cites where its number came from (origin_url) apart from the provider's page (source_url),
    and keeps the date its source states (price_date) apart from the collection day (as_of): on the current
    price and on every history entry, both markets."""
    pdir, idir = small_set
    gpu_file = pdir / "gpu_offerings" / "lambda.yaml"
    data = yaml.safe_load(gpu_file.read_text())
    data["offerings"][0]["origin_url"] = "https://github.com/o/r/blob/abc12345/now.csv"
    data["offerings"][0]["history"][0].update(origin_url="https://github.com/o/r/blob/abc12345/then.csv")
    write(gpu_file, data)
    token_file = idir / "offerings" / "together.yaml"
    data = yaml.safe_load(token_file.read_text())
    data["offerings"][0].update(origin_url="https://github.com/o/r/blob/abc12345/p.yml", price_date="2026-01-30")
    data["offerings"][0]["history"] = [
        {
            "as_of": "2025-08-14",
            "usd_per_mtok_input": "0.9",
            "usd_per_mtok_output": "0.9",
            "origin_url": "https://x.org/h",
        }
    ]
    write(token_file, data)
    load_curated(pdir, idir)
    gpu = {o.observed_on.isoformat(): o for o in GpuPriceObservation.objects.all()}
    assert gpu["2026-01-09"].origin_url == "https://github.com/o/r/blob/abc12345/now.csv"
    assert gpu["2025-06-01"].origin_url == "https://github.com/o/r/blob/abc12345/then.csv"
    assert gpu["2026-01-09"].source_url == "https://lambda.ai/pricing" and gpu["2026-01-09"].price_date is None
    token = {o.observed_on.isoformat(): o for o in InferencePriceObservation.objects.all()}
    assert token["2026-02-14"].origin_url == "https://github.com/o/r/blob/abc12345/p.yml"
    assert token["2026-02-14"].price_date.isoformat() == "2026-01-30"
    assert token["2025-08-14"].origin_url == "https://x.org/h" and token["2025-08-14"].price_date is None
    offering = InferenceOffering.objects.with_latest_price().get()
    assert offering.latest_origin_url == "https://github.com/o/r/blob/abc12345/p.yml"
