"""Catalogue breadth: models created from sources that state their facts (unreviewed, with a review
action), never from a price row alone; and the shipped curated set built from licensed sources only."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from inference.models import InferenceOffering, LanguageModel
from scrapers.ingest import run_source
from scrapers.sources import get_source
from tests.factories import ProviderFactory

DAY = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def test_a_newer_openrouter_list_grows_the_catalogue_instead_of_dropping_models(shared_data):
    ProviderFactory(slug="openrouter", name="OpenRouter")
    payload = (shared_data / "inference/openrouter/openrouter_models_2026-08-08.json").read_text()
    run = run_source(get_source("openrouter"), payload=payload, day=DAY)
    assert run.models_created > 250
    created = LanguageModel.objects.filter(reviewed=False)
    assert created.count() == run.models_created
    model = created.get(aliases__alias="deepseek/deepseek chat")
    assert model.fact_sources["name"] == "https://openrouter.ai/deepseek/deepseek-chat"
    # Its prices now publish instead of being dropped as unmatched.
    assert run.rows_unmatched < 20 and InferenceOffering.objects.filter(model=model).exists()


def test_a_price_row_alone_never_creates_a_model():
    ProviderFactory(slug="deepinfra", name="DeepInfra")
    payload = {
        "deepinfra/some-org/Unknown-Model-1B": {
            "litellm_provider": "deepinfra",
            "mode": "chat",
            "input_cost_per_token": 1e-07,
            "output_cost_per_token": 2e-07,
        }
    }
    run = run_source(get_source("litellm"), payload=json.dumps(payload), day=DAY)
    assert run.rows_unmatched == 1 and run.models_created == 0
    assert not LanguageModel.objects.exists()


def test_admin_review_action_marks_models_reviewed(admin_client):
    model = LanguageModel.objects.create(slug="x", name="X", creator="Y", reviewed=False)
    url = reverse("admin:inference_languagemodel_changelist")
    assert "reviewed" in admin_client.get(url, {"reviewed__exact": "0"}).content.decode()
    admin_client.post(url, {"action": "mark_reviewed", "_selected_action": [model.pk]})
    model.refresh_from_db()
    assert model.reviewed


# --- the shipped set ----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _yaml(path):
    return yaml.safe_load(path.read_text())


def test_shipped_generated_files_are_what_build_curated_makes(shared_data, tmp_path):
    """Rebuilding from ../shared/data gives the committed files byte for byte (nothing hand-edited)."""
    import shutil

    from scrapers import catalogue_build

    providers_dir, inference_dir = tmp_path / "providers", tmp_path / "inference"
    shutil.copytree(ROOT / "providers" / "data", providers_dir)
    shutil.copytree(ROOT / "inference" / "data", inference_dir)
    result, hand = catalogue_build.build(shared_data, providers_dir, inference_dir)
    catalogue_build.write(result, providers_dir, inference_dir)
    for rel in ("providers/data/generated", "inference/data/generated"):
        shipped = sorted(p.relative_to(ROOT / rel) for p in (ROOT / rel).rglob("*.yaml"))
        built_root = (providers_dir if rel.startswith("providers") else inference_dir) / "generated"
        built = sorted(p.relative_to(built_root) for p in built_root.rglob("*.yaml"))
        assert shipped == built
        for p in shipped:
            assert (ROOT / rel / p).read_text() == (built_root / p).read_text(), p
    counts = result.counts(hand)
    assert counts["models"] >= 300 and counts["gpu_providers"] >= 40
    assert counts["inference_providers"] >= 47  # 60 asked: licensed sources reach 47 (see README)


def test_every_generated_price_has_a_collection_day_an_origin_at_its_version_and_a_licence():
    from scrapers.catalogue_build import LICENSED

    repos = [re.split(r"/(?:tree|blob|commit)/", url)[0] for _, _, url in LICENSED.values()]
    files = list((ROOT / "providers/data/generated/gpu_offerings").glob("*.yaml")) + list(
        (ROOT / "inference/data/generated/offerings").glob("*.yaml")
    )
    assert files
    for path in files:
        data = _yaml(path)
        for o in data["offerings"]:
            assert o["as_of"] and "price_date" not in o  # undated: the sources state no price date
            origin = o["origin_url"]
            assert any(origin.startswith(repo) for repo in repos), origin
            assert re.search(r"/(blob|tree|commit)/[0-9a-f]{8,40}", origin), origin
    text = "".join(p.read_text() for p in files)
    for unlicensed in ("skypilot-org", "simonw", "sui414", "henryzhangpku", "gpu-radar", "Jumbo2020"):
        assert unlicensed not in text


def test_unreviewed_generated_models_say_where_each_fact_came_from():
    models = _yaml(ROOT / "inference/data/generated/models.yaml")
    assert len(models) > 300
    for m in models:
        assert m["reviewed"] is False and m["fact_sources"]["name"].startswith("https://github.com/anomalyco/")


def test_no_shipped_price_comes_from_a_snapshot_without_a_licence():
    from scrapers.catalogue_build import UNLICENSED_SNAPSHOTS, _as_date

    files = list((ROOT / "providers/data").rglob("*offerings/*.yaml")) + list(
        (ROOT / "inference/data").rglob("offerings/*.yaml")
    )
    assert len(files) > 40
    for path in files:
        data = _yaml(path)
        default = _as_date(data.get("as_of"))
        for o in data["offerings"]:
            for price in [o, *(o.get("history") or [])]:
                day = _as_date(price.get("as_of")) or default
                assert day not in UNLICENSED_SNAPSHOTS, (path.name, o.get("gpu") or o.get("model"), day)
