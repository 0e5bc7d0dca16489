"""Provider pages and comparisons cover both markets: GPU-hours and tokens."""

from decimal import Decimal

import pytest
from django.urls import reverse

from providers.models import Provider
from tests.factories import GpuFactory, LanguageModelFactory, ProviderFactory
from tests.test_provider_pages import offer, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def apis():
    deepinfra = ProviderFactory(name="DeepInfra", slug="deepinfra", offers=Provider.Offers.INFERENCE_API)
    together = ProviderFactory(name="Together", slug="together", offers=Provider.Offers.BOTH)
    lambda_ = ProviderFactory(name="Lambda", slug="lambda", offers=Provider.Offers.BOTH)  # sells GPUs only now
    llama, qwen, solo = (
        LanguageModelFactory(name="Llama 70B", slug="llama-70b"),
        LanguageModelFactory(name="Qwen 32B", slug="qwen-32b"),
        LanguageModelFactory(name="Solo 8B", slug="solo-8b"),
    )
    serve(deepinfra, llama, "0.20", "0.60")  # blended 3:1 = 0.30
    serve(together, llama, "0.40", "1.20")  # 0.60
    serve(deepinfra, qwen, "0.10", "0.30")  # 0.15
    serve(together, qwen, "0.10", "0.30")
    serve(deepinfra, solo, "0.05", "0.05")
    gpu = GpuFactory(name="H100 SXM", slug="h100-sxm")
    offer(gpu, lambda_, "2.49")
    offer(gpu, together, "2.49")
    return {"deepinfra": deepinfra, "together": together, "lambda": lambda_}


def test_compare_of_two_apis_shows_the_models_both_serve(client, apis):
    response = client.get(reverse("providers:compare", args=["deepinfra-vs-together"]))
    models = response.context["models"]
    assert [m.model.slug for m in models] == ["llama-70b", "qwen-32b"]
    assert [str(m.diff_relative) for m in models] == ["1", "0"]  # Together is twice DeepInfra's price on Llama
    assert (response.context["models_only_a"], response.context["models_only_b"]) == (1, 0)
    body = response.content.decode()
    assert 'id="models-table"' in body and "share nothing" not in body
    csv_text = client.get(response.request["PATH_INFO"], {"format": "csv", "table": "models"}).content.decode()
    assert csv_text.splitlines()[1] == "Llama 70B,llama-70b,0.3,0.6,1"


def test_compare_says_plainly_when_two_providers_share_nothing(client, apis):
    body = client.get(reverse("providers:compare", args=["deepinfra-vs-lambda"])).content.decode()
    assert "share nothing" in body and "They serve no model in common" in body


def test_provider_page_shows_only_its_markets_with_a_token_market_position(client, apis):
    body = client.get(apis["deepinfra"].get_absolute_url()).content.decode()
    assert 'id="gpus"' not in body and 'id="history"' not in body  # no empty GPU section
    assert 'id="inference"' in body and 'id="token-position"' in body
    body = client.get(apis["lambda"].get_absolute_url()).content.decode()
    assert 'id="inference"' not in body and 'id="gpus"' in body
    assert "<p>GPU rental" in body  # what it sells now, not its declared "GPU rental and inference API"


def test_provider_list_kind_reflects_what_it_sells(client, apis):
    rows = {r.provider.slug: r.sells for r in client.get(reverse("providers:provider_list")).context["rows"]}
    assert rows == {
        "deepinfra": "Inference API",
        "together": "GPU rental and inference API",
        "lambda": "GPU rental",
    }


def test_same_price_as_the_median_is_said_in_words(client, apis):
    body = client.get(apis["lambda"].get_absolute_url()).content.decode()
    assert "at the median" in body and "$0.00 (0%)" not in body


def test_compare_models_follow_the_chosen_blend_and_a_bad_blend_is_told(client, apis):
    url = reverse("providers:compare", args=["deepinfra-vs-together"])
    models = client.get(url, {"blend": "1:1"}).context["models"]
    assert models[0].a_blended == Decimal("0.4")  # (0.20 + 0.60) / 2
    response = client.get(url, {"blend": "lots"})
    assert response.context["blend"].input_parts == 3
    assert response.context["filters"].notices == [
        "Ignored blend “lots”: write it as input:output with whole numbers up to 100, e.g. 3:1; showing 3:1."
    ]


def test_provider_list_gives_a_token_market_position_too(client, apis, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # footer x2, providers, GPU market, token market
        rows = client.get(reverse("providers:provider_list")).context["rows"]
    by_slug = {r.provider.slug: r for r in rows}
    # Llama: DeepInfra 0.30 is cheapest, Together 0.60 (+100%); Qwen: both 0.15 (0%). Solo: DeepInfra alone.
    assert by_slug["deepinfra"].token_position == 0 and by_slug["deepinfra"].token_compared_count == 2
    assert by_slug["together"].token_position == Decimal("0.5")  # the middle of +100% and 0%
    assert by_slug["lambda"].token_position is None and by_slug["deepinfra"].model_count == 3
    sorted_rows = client.get(reverse("providers:provider_list"), {"sort": "-token_position"}).context["rows"]
    assert [r.provider.slug for r in sorted_rows] == ["together", "deepinfra", "lambda"]


def test_compare_of_two_apis_skips_the_empty_gpu_tables(client, apis):
    other = ProviderFactory(name="Other API", slug="other", offers=Provider.Offers.INFERENCE_API)
    body = client.get(reverse("providers:compare", args=[f"deepinfra-vs-{other.slug}"])).content.decode()
    assert "Neither DeepInfra nor Other API rents GPUs now." in body and 'id="shared-table"' not in body


def test_compare_of_two_gpu_clouds_leads_with_gpus_and_says_neither_serves_tokens(client, apis):
    other = ProviderFactory(name="Other Cloud", slug="other-cloud", offers=Provider.Offers.GPU_RENTAL)
    body = client.get(reverse("providers:compare", args=[f"lambda-vs-{other.slug}"])).content.decode()
    assert "Neither Lambda nor Other Cloud serves an inference API now." in body
    assert body.index('id="shared"') < body.index('id="models"')
