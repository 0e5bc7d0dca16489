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
    # 60 asked: the licensed sources reach 50 (see README and scrapers/catalogue_build.py for who is missing).
    assert counts["inference_providers"] >= 50
    assert {"amazon-nova", "nlp-cloud", "modal"} <= set(result.token_offerings)


def test_other_spellings_of_one_model_find_it_only_after_the_exact_ones_fail():
    from scrapers.catalogue_build import respellings

    assert respellings("accounts/fireworks/models/qwen2p5-72b-instruct") == ["qwen2.5-72b-instruct"]
    assert respellings("glm-4p6") == ["glm-4.6"]
    assert respellings("us.amazon.nova-lite-v1:0") == ["nova-lite-v1"]
    assert respellings("meta.llama3-3-70b-instruct-v1:0") == ["llama3-3-70b-instruct-v1"]
    assert respellings("gpt-4o") == [] and respellings("deepseek-v3.1") == []


def test_a_litellm_key_that_is_its_own_model_name_keeps_its_provider(shared_data):
    """amazon-nova/nova-micro-v1 has no other spelling to find its key back by; it used to lose its
    provider and be dropped as a gateway."""
    from scrapers import catalogue_build

    result, _ = catalogue_build.build(shared_data)
    offerings = result.token_offerings["amazon-nova"]
    assert {o["model"] for o in offerings.values()} >= {"nova-micro-v1", "nova-pro-v1"}
    assert result.providers["amazon-nova"]["fact_sources"]["name"].startswith("https://github.com/RoCry/")


def test_the_build_names_every_per_token_provider_it_leaves_out_and_why(shared_data):
    from scrapers import catalogue_build

    result, hand = catalogue_build.build(shared_data)
    missing = {(source, provider): outcomes for source, provider, outcomes in result.unshipped(hand)}
    no_facts = "model in no licensed fact source (a price alone creates none)"
    assert missing[("litellm", "aleph_alpha")][no_facts] == 3
    assert missing[("litellm", "palm")][no_facts] == 2
    assert "PROVENANCE.md" in next(iter(missing[("litellm", "wandb")]))
    assert ("litellm", "amazon_nova") not in missing and ("genai-prices", "modal") not in missing
    assert all(outcomes and "published" not in outcomes for outcomes in missing.values())


def test_genai_prices_dates_are_the_days_it_says_it_checked_them(shared_data):
    from scrapers import catalogue_build

    result, _ = catalogue_build.build(shared_data)
    kimi = next(o for o in result.token_offerings["modal"].values() if o["model"] == "kimi-k3")
    assert kimi["price_date"] == date(2026, 8, 12)  # modal.yml: prices_checked: 2026-08-12
    assert kimi["as_of"] == date(2026, 8, 21)  # the snapshot's day, kept apart
    assert kimi["origin_url"].endswith("/prices/providers/modal.yml")
    model = next(m for m in result.models if m["slug"] == "kimi-k3")
    assert model["context_window"] == 1048576 and model["creator"] == "Moonshot AI" and not model["reviewed"]


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
            origin = o["origin_url"]
            assert o["as_of"]
            # A price date only where the source states one (genai-prices' prices_checked); else undated.
            assert "price_date" not in o or "/genai-prices/blob/" in origin, origin
            if "price_date" in o:
                assert o["price_date"] <= o["as_of"]
            assert any(origin.startswith(repo) for repo in repos), origin
            assert re.search(r"/(blob|tree|commit)/[0-9a-f]{8,40}", origin), origin
    text = "".join(p.read_text() for p in files)
    for unlicensed in ("skypilot-org", "simonw", "sui414", "henryzhangpku", "gpu-radar", "Jumbo2020"):
        assert unlicensed not in text


def test_unreviewed_generated_models_say_where_each_fact_came_from():
    models = _yaml(ROOT / "inference/data/generated/models.yaml")
    from scrapers.catalogue_build import LICENSED

    repos = [re.split(r"/(?:tree|blob|commit)/", url)[0] for _, _, url in LICENSED.values()]
    assert len(models) > 300
    for m in models:
        assert m["reviewed"] is False
        for url in m["fact_sources"].values():
            assert any(url.startswith(repo) for repo in repos), url


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
