"""Citing the hand-curated prices (`build_curated --cite-hand`, scrapers/cite_hand.py): a price is cited only
when its licensed snapshot holds it at exactly its value; the rest are listed with the reason; the edit keeps
the files' comments and layout and a rerun changes nothing. The shipped citations point at licensed files."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from scrapers import catalogue_build, cite_hand

ROOT = Path(__file__).resolve().parent.parent
LITELLM_2026 = (
    "https://github.com/RoCry/llm-api-price/blob/acd85765bed1dd4a97bf21ac23a840a883bf1dc7/"
    "model_prices_and_context_window.json"
)
LITELLM_2025 = (
    "https://github.com/RoCry/llm-api-price/blob/6f73d78c5f430f787da9ddc21173bb828b789a4d/"
    "model_prices_and_context_window.json"
)

TOGETHER = """\
# together: per-token list prices (a comment the edit must keep).
provider: together
source_url: https://www.together.ai/pricing
as_of: &id001 2026-02-14
offerings:
- model: llama-3-3-70b
  quantization: ''
  serving_kind: serverless
  usd_per_mtok_input: '0.88'
  usd_per_mtok_output: '0.88'
  as_of: *id001
  history:
  - as_of: 2025-08-14
    usd_per_mtok_input: '0.88'
    usd_per_mtok_output: '0.88'
# a comment between offerings
- model: deepseek-r1
  quantization: ''
  serving_kind: serverless
  usd_per_mtok_input: '3.00'
  usd_per_mtok_output: '7.50'
- model: qwen-72b
  quantization: ''
  serving_kind: serverless
  usd_per_mtok_input: '1.20'
  usd_per_mtok_output: '1.20'
  as_of: 2026-08-08
"""

CRUSOE = """\
# Crusoe (OpenComputePrices crusoe.csv, 2026-03-22, MIT).
provider: crusoe
source_url: https://crusoe.ai/cloud/pricing
as_of: 2026-03-22
offerings:
- gpu: h100-sxm
  gpus_per_instance: 1
  pricing_type: on_demand
  usd_per_gpu_hour: '3.90'
- gpu: l40s
  gpus_per_instance: 1
  pricing_type: on_demand
  usd_per_gpu_hour: '1.00'
"""

OCP_HEADER = (
    "snapshot_date,snapshot_ts,source,provider,instance_type,instance_family,gpu_name,gpu_variant,gpu_memory_gb,"
    "gpu_count,gpu_interconnect,vcpus,ram_gb,storage_desc,network_desc,region,zone,country,geo_group,pricing_type,"
    "commitment_period,price_per_hour,price_per_gpu_hour,currency,price_unit,available,available_count,os,tenancy,"
    "pre_installed_sw,raw_extra\n"
)


def _ocp_row(instance, gpu, variant, price):
    return (
        f"2026-03-22,2026-03-22T23:34:16Z,crusoe,crusoe,{instance},,{gpu},{variant},80,1,,,,,,,,,,on_demand,,"
        f"{price},{price},USD,hour,True,,,,,{{}}\n"
    )


@pytest.fixture
def hand(tmp_path):
    """Hand files for two providers and the recorded snapshots they name (LiteLLM, OpenComputePrices)."""
    pdir, idir, data = tmp_path / "providers", tmp_path / "inference", tmp_path / "data"
    (pdir / "gpu_offerings").mkdir(parents=True)
    (idir / "offerings").mkdir(parents=True)
    (data / "inference").mkdir(parents=True)
    (data / "gpu/curated/opencomputeprices").mkdir(parents=True)
    (pdir / "providers.yaml").write_text(
        yaml.safe_dump(
            [
                {"slug": "together", "name": "Together AI", "offers": "inference"},
                {"slug": "crusoe", "name": "Crusoe", "offers": "gpu"},
            ]
        )
    )
    (pdir / "gpus.yaml").write_text(
        yaml.safe_dump(
            [
                {"slug": "h100-sxm", "name": "H100 SXM", "aliases": ["H100", "H100 SXM5"]},
                {"slug": "l40s", "name": "L40S", "aliases": []},
            ]
        )
    )
    (idir / "models.yaml").write_text(
        yaml.safe_dump(
            [
                {"slug": "llama-3-3-70b", "name": "Llama 3.3 70B", "aliases": ["meta-llama/Llama-3.3-70B-Instruct"]},
                {"slug": "deepseek-r1", "name": "DeepSeek R1", "aliases": ["deepseek-ai/DeepSeek-R1"]},
                {"slug": "qwen-72b", "name": "Qwen 72B", "aliases": ["Qwen/Qwen-72B"]},
            ]
        )
    )
    (idir / "offerings/together.yaml").write_text(TOGETHER)
    (pdir / "gpu_offerings/crusoe.yaml").write_text(CRUSOE)
    entry = {"litellm_provider": "together_ai", "mode": "chat"}
    for day, prices in (("2026-02-14", (8.8e-07, 8.8e-07)), ("2025-08-14", (8.8e-07, 8.8e-07))):
        snapshot = {
            "together_ai/meta-llama/Llama-3.3-70B-Instruct": {
                **entry,
                "input_cost_per_token": prices[0],
                "output_cost_per_token": prices[1],
            },
            # The hand file says 7.50 output; the snapshot says 7.00: never cited.
            "together_ai/deepseek-ai/DeepSeek-R1": {
                **entry,
                "input_cost_per_token": 3e-06,
                "output_cost_per_token": 7e-06,
            },
        }
        (data / f"inference/litellm_prices_{day}.json").write_text(json.dumps(snapshot))
    (data / "gpu/curated/opencomputeprices/crusoe.csv").write_text(
        OCP_HEADER + _ocp_row("H100_on_demand", "H100", "SXM5", "3.9") + _ocp_row("L40S_on_demand", "L40S", "", "1.1")
    )
    return data, pdir, idir


def _by_where(result):
    return {(o.path, o.where): o for o in result.outcomes}


def test_a_price_its_snapshot_holds_at_that_value_is_cited_on_offering_and_history(hand):
    data, pdir, idir = hand
    result = cite_hand.cite(data, pdir, idir)
    outcomes = _by_where(result)
    assert outcomes[("together.yaml", "together llama-3-3-70b (current)")].origin_url == LITELLM_2026
    assert outcomes[("together.yaml", "together llama-3-3-70b (history 1)")].origin_url == LITELLM_2025
    written = yaml.safe_load((idir / "offerings/together.yaml").read_text())
    llama = written["offerings"][0]
    assert llama["origin_url"] == LITELLM_2026 and llama["history"][0]["origin_url"] == LITELLM_2025
    crusoe = yaml.safe_load((pdir / "gpu_offerings/crusoe.yaml").read_text())["offerings"]
    assert crusoe[0]["origin_url"] == (
        f"https://github.com/thatkavish/OpenComputePrices/blob/{cite_hand.cb.OCP_COMMIT}/data/crusoe.csv"
    )


def test_a_price_whose_value_differs_from_its_snapshot_is_refused_with_the_reason(hand):
    data, pdir, idir = hand
    result = cite_hand.cite(data, pdir, idir)
    outcomes = _by_where(result)
    r1 = outcomes[("together.yaml", "together deepseek-r1 (current)")]
    assert not r1.origin_url and r1.reason == cite_hand.VALUE_DIFFERS and "3/7" in r1.detail
    l40s = outcomes[("crusoe.yaml", "crusoe l40s x1 on_demand (current)")]
    assert l40s.reason == cite_hand.VALUE_DIFFERS and "1.1" in l40s.detail
    # A price from a snapshot without a licence is not cited either, and says why.
    qwen = outcomes[("together.yaml", "together qwen-72b (current)")]
    assert qwen.reason == cite_hand.UNLICENSED and "no licence" in qwen.detail
    written = yaml.safe_load((idir / "offerings/together.yaml").read_text())["offerings"]
    assert "origin_url" not in written[1] and "origin_url" not in written[2]
    crusoe = yaml.safe_load((pdir / "gpu_offerings/crusoe.yaml").read_text())["offerings"]
    assert "origin_url" not in crusoe[1]
    assert result.counts() == {
        "gpu": {"cited": 1, cite_hand.VALUE_DIFFERS: 1},
        "inference": {"cited": 2, cite_hand.VALUE_DIFFERS: 1, cite_hand.UNLICENSED: 1},
    }


def test_citing_keeps_comments_anchors_and_layout_and_only_adds_lines(hand):
    data, pdir, idir = hand
    cite_hand.cite(data, pdir, idir)
    after = (idir / "offerings/together.yaml").read_text().splitlines()
    added = [line for line in after if line not in TOGETHER.splitlines()]
    assert added == [f"  origin_url: {LITELLM_2026}", f"    origin_url: {LITELLM_2025}"]
    # Every original line is still there, in order (comments, the anchor and its alias included).
    remaining = iter(after)
    assert all(line in remaining for line in TOGETHER.splitlines())
    assert after[after.index("  as_of: *id001") + 1] == f"  origin_url: {LITELLM_2026}"


def test_a_second_run_changes_nothing(hand):
    data, pdir, idir = hand
    first = cite_hand.cite(data, pdir, idir)
    assert len(first.files_changed) == 2
    texts = {p: p.read_text() for p in [idir / "offerings/together.yaml", pdir / "gpu_offerings/crusoe.yaml"]}
    second = cite_hand.cite(data, pdir, idir)
    assert second.files_changed == [] and second.counts() == first.counts()
    assert {p: p.read_text() for p in texts} == texts


def test_an_entry_citing_another_origin_is_left_alone_and_listed(hand):
    data, pdir, idir = hand
    path = idir / "offerings/together.yaml"
    path.write_text(TOGETHER.replace("  as_of: *id001\n", "  as_of: *id001\n  origin_url: https://example.com/x\n"))
    result = cite_hand.cite(data, pdir, idir)
    assert _by_where(result)[("together.yaml", "together llama-3-3-70b (current)")].reason == cite_hand.OTHER_ORIGIN
    assert "https://example.com/x" in path.read_text()


def test_genai_prices_date_effective_price_is_the_one_in_force_on_the_checked_day():
    prices = [
        {"prices": {"input_mtok": 10, "output_mtok": 40}},
        {"constraint": {"start_date": "2025-06-10"}, "prices": {"input_mtok": 2, "output_mtok": 8}},
        {
            "constraint": {"start_time": "16:30:00Z", "end_time": "00:30:00Z"},
            "prices": {"input_mtok": 1, "output_mtok": 1},
        },
    ]
    assert cite_hand.genai_price_on(prices, date(2025, 6, 1)) == (10, 40)
    assert cite_hand.genai_price_on(prices, date(2025, 7, 12)) == (2, 8)
    # build_curated reads genai-prices through the same rule (it used to take the first, unconditional price)
    assert catalogue_build.genai_prices_on(prices, date(2025, 7, 12)) == {"input_mtok": 2, "output_mtok": 8}


# --- the shipped hand files --------------------------------------------------------------------------

HAND_FILES = sorted((ROOT / "providers/data/gpu_offerings").glob("*.yaml")) + sorted(
    (ROOT / "inference/data/offerings").glob("*.yaml")
)


def test_every_shipped_hand_citation_points_at_a_licensed_file_at_its_version():
    cited = 0
    for path in HAND_FILES:
        for o in yaml.safe_load(path.read_text())["offerings"]:
            for price in [o, *(o.get("history") or [])]:
                origin = price.get("origin_url")
                if "price_date" in price:
                    assert origin and "/pydantic/genai-prices/blob/" in origin, (path.name, price)
                if not origin:
                    continue
                cited += 1
                assert origin.startswith(cite_hand.LICENSED_PREFIXES), (path.name, origin)
                assert re.search(r"/blob/[0-9a-f]{8,40}/\S+\.(json|csv|toml|yml)$", origin), origin
                for unlicensed in ("skypilot-org", "simonw", "sui414", "henryzhangpku", "gpu-radar", "Jumbo2020"):
                    assert unlicensed not in origin
    assert cited >= 800


def test_the_shipped_hand_files_are_what_cite_hand_makes(shared_data):
    """Rerunning the citation over the committed files against ../shared/data changes nothing, and what it
    leaves uncited is listed with a reason."""
    result = cite_hand.cite(shared_data, write=False)
    assert result.files_changed == []
    counts = result.counts()
    assert counts["gpu"]["cited"] >= 290 and counts["inference"]["cited"] >= 540
    assert all(o.reason for o in result.refused)
    hyperbolic = [o for o in result.refused if o.path == "hyperbolic.yaml"]
    assert hyperbolic and all("huggingface_hyperbolic" in o.detail for o in hyperbolic)


# --- where the citation shows ------------------------------------------------------------------------

GENAI_FILE = "https://github.com/pydantic/genai-prices/blob/47df840a5ab10bbcffb8e5ac01b9899032245d1b/prices/providers/anthropic.yml"


@pytest.mark.django_db
def test_data_report_and_sources_count_curated_prices_with_and_without_a_cited_origin(client):
    from io import StringIO

    from django.core.management import call_command

    from tests.factories import GpuPriceObservationFactory, InferencePriceObservationFactory

    curated = {"source": "curated", "is_curated": True}
    GpuPriceObservationFactory(origin_url="https://github.com/o/r/blob/abc12345/x.csv", **curated)
    GpuPriceObservationFactory(origin_url="", **curated)
    InferencePriceObservationFactory(origin_url=GENAI_FILE, **curated)
    InferencePriceObservationFactory(origin_url="https://github.com/o/r/blob/abc12345/y.json")  # scraped: not counted
    out = StringIO()
    call_command("data_report", "--json", stdout=out)
    cited = json.loads(out.getvalue())["curated"]["cited_origin"]
    assert cited == {"gpu": {"cited": 1, "none": 1}, "inference": {"cited": 1, "none": 0}}
    text = StringIO()
    call_command("data_report", stdout=text)
    assert "GPU-hour 1 of 2 (1 none); per-token 1 of 1 (0 none)" in text.getvalue()
    body = client.get("/sources/").content.decode()
    assert "GPU-hour 1 of 2" in body and "per-token 1 of 1" in body and "1 without" in body


@pytest.mark.django_db
def test_a_cited_hand_price_shows_the_file_it_came_from_beside_the_provider_page(client):
    from tests.factories import InferenceOfferingFactory, InferencePriceObservationFactory, LanguageModelFactory

    model = LanguageModelFactory(slug="cited-model")
    InferencePriceObservationFactory(
        offering=InferenceOfferingFactory(model=model),
        source="curated",
        is_curated=True,
        source_url="https://www.anthropic.com/pricing",
        origin_url=GENAI_FILE,
    )
    body = client.get("/models/cited-model/").content.decode()
    assert f'href="{GENAI_FILE}"' in body and "from genai-prices/anthropic.yml" in body
    assert 'href="https://www.anthropic.com/pricing"' in body and "provider page" in body
