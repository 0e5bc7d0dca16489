"""Site-wide usability: search, family choosers, our own 404 and 500 pages, the admin's name,
every page answering on the shipped curated data, and the README's page table matching the site."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from computeprices.search import gpu_family, search
from computeprices.templatetags.prices import instance
from providers.models import PricingType
from tests.factories import (
    GpuAliasFactory,
    GpuFactory,
    LanguageModelFactory,
    ModelAliasFactory,
    ProviderFactory,
)
from tests.test_gpu_pages import offer

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def catalogue():
    sxm = GpuFactory(name="H100 SXM", slug="h100-sxm", vram_gb=80)
    GpuFactory(name="H100 PCIe", slug="h100-pcie", vram_gb=80)
    GpuFactory(name="H100 NVL", slug="h100-nvl", vram_gb=94)
    rtx = GpuFactory(name="GeForce RTX 4090", slug="rtx-4090", vram_gb=24)
    GpuFactory(name="H800", slug="h800", vram_gb=80)
    GpuAliasFactory(gpu=rtx, alias="rtx4090 24gb")
    offer(sxm, ProviderFactory(name="Lambda", slug="lambda"), "2.49")
    llama = LanguageModelFactory(name="Llama 3.3 70B Instruct", slug="llama-3-3-70b-instruct")
    LanguageModelFactory(name="Llama 3.1 8B Instruct", slug="llama-3-1-8b-instruct")
    r1 = LanguageModelFactory(name="DeepSeek-R1", slug="deepseek-r1")
    ModelAliasFactory(model=r1, alias="together ai/deepseek ai/deepseek r1")
    ProviderFactory(name="Together AI", slug="together")
    return {"sxm": sxm, "llama": llama, "r1": r1}


def slugs(hits):
    return [h.item.slug for h in hits]


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        ("h100", "gpus", ["h100-sxm", "h100-nvl", "h100-pcie"]),  # priced first, then by name
        ("H 100", "gpus", ["h100-sxm", "h100-nvl", "h100-pcie"]),
        ("4090", "gpus", ["rtx-4090"]),
        ("llama 70b", "models", ["llama-3-3-70b-instruct"]),
        ("r1", "models", ["deepseek-r1"]),
        ("together", "providers", ["together"]),
    ],
)
def test_search_finds_the_names_people_type(catalogue, query, kind, expected):
    assert slugs(search(query)[kind]) == expected


def test_search_matches_aliases_without_the_provider_prefix(catalogue):
    assert slugs(search("together")["models"]) == []  # "together ai/deepseek ..." is not a Together match
    assert slugs(search("rtx4090")["gpus"]) == ["rtx-4090"]


def test_search_page_lists_results_with_prices_in_constant_queries(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # footer x2, GPUs, GPU aliases, models, model aliases, providers, prices
        response = client.get(reverse("search"), {"q": "h100"})
    body = response.content.decode()
    assert response.status_code == 200 and "3 results" in body and "from $2.49/GPU-hr" in body
    assert body.index("H100 SXM") < body.index("H100 NVL")
    empty = client.get(reverse("search"), {"q": "zzzz"}).content.decode()
    assert "0 results" in empty and "Try fewer words" in empty
    assert 'action="/search/"' in client.get("/").content.decode()  # the box in the navigation


def test_family_slug_leads_to_a_chooser_and_unknown_slug_is_404(client, catalogue, django_assert_max_num_queries):
    assert [g.slug for g in gpu_family("h100")] == ["h100-nvl", "h100-pcie", "h100-sxm"]
    with django_assert_max_num_queries(6):  # footer x2, the slug, the alias, GPUs, their market
        response = client.get("/gpus/h100/")
    assert response.status_code == 200
    assert [r.gpu.slug for r in response.context["rows"]] == ["h100-sxm", "h100-nvl", "h100-pcie"]
    assert client.get("/gpus/h100-sxm/").context["gpu"] == catalogue["sxm"]
    assert client.get("/gpus/zz9/").status_code == 404


def test_gpus_without_a_price_sort_last(client, catalogue):
    rows = client.get(reverse("providers:gpu_list")).context["rows"]
    priced = [r.cheapest is not None for r in rows]
    assert priced == sorted(priced, reverse=True) and priced[0]


@override_settings(DEBUG=False)
def test_our_404_page_in_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and 'class="site-header"' in body and 'action="/search/"' in body


@override_settings(DEBUG=False)
def test_our_500_page_needs_no_database():
    from computeprices.urls import handler500
    from computeprices.views import server_error

    assert handler500 == "computeprices.views.server_error"
    response = server_error(None)
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_admin_is_branded_as_the_site(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert "ComputePrices admin" in body and "Django administration" not in body


def test_marketplace_ids_read_as_what_they_describe():
    assert instance("2x-A100_PCIE-32-65536") == "32 vCPU, 64 GB RAM"
    assert instance("2x-H100-149-1443") == "2x-H100-149-1443"  # not Vast's format: left as written
    assert instance("p5.48xlarge") == "p5.48xlarge" and instance(None) == ""


def test_gpu_page_groups_sizes_at_one_price_and_names_the_cheapest_node(client):
    gpu = GpuFactory(name="H100 SXM", slug="h100-sxm")
    gcp, aws = ProviderFactory(name="GCP", slug="gcp"), ProviderFactory(name="AWS", slug="aws")
    for size in (1, 2, 4, 8):
        offer(gpu, gcp, "1.35", per_instance=size, instance_name=f"a3-highgpu-{size}g")
    offer(gpu, aws, "1.20", per_instance=8, instance_name="p5.48xlarge", region="us-east-1")
    offer(gpu, aws, "1.10", pricing_type=PricingType.SPOT, instance_name="spot")
    response = client.get(gpu.get_absolute_url())
    groups = response.context["groups"]
    assert [(g.provider.slug, g.sizes) for g in groups] == [("aws", [1]), ("aws", [8]), ("gcp", [1, 2, 4, 8])]
    node = response.context["cheapest_node"]
    assert node.provider.slug == "aws" and node.latest_usd_per_instance_hour == Decimal("9.60")
    assert 'id="cheapest-node"' in response.content.decode()
    only_region = client.get(gpu.get_absolute_url(), {"region": "us-east-1"}).context["offerings"]
    assert [o.instance_name for o in only_region] == ["p5.48xlarge"]
    nodes = client.get(gpu.get_absolute_url(), {"gpus": "8"}).context["groups"]
    assert [g.sizes for g in nodes] == [[8], [8]]


# Every page on the shipped data, and the README's table ------------------------------------------


def site_paths():
    """Every URL pattern of the site's pages (not admin, API or machine files), as written in the README."""
    skip = ("admin/", "api/", "healthz", "sitemap.xml", "compare/$")
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and not route.startswith(skip) and route != "compare/":
                found.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route))

    walk(get_resolver().url_patterns)
    return found


def readme_pages():
    table = README.read_text().split("## What is on the site", 1)[1].split("\n\n", 2)[1]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {path for cell in first_cells for path in re.findall(r"`(?:GET )?(/[^`\s]*)`", cell)}


def test_readme_page_table_matches_the_site():
    def shape(path):  # "/compare/<pair>/" and "/compare/<a>-vs-<b>/" are the same page
        return re.sub(r"<[^/]+>", "<>", re.sub(r"\?.*", "", path))

    site = {shape(p) for p in site_paths()}
    readme = {shape(p) for p in readme_pages() if not p.startswith(("/api/", "/admin", "/healthz", "/sitemap"))}
    assert site - readme == set(), "pages missing from the README's table"
    assert readme - site == set(), "README lists pages the site does not have"


@pytest.mark.django_db(transaction=True)
def test_every_page_answers_on_the_curated_data():
    call_command("load_curated", verbosity=0)
    call_command("import_traces", example=True, verbosity=0)
    from tests.test_pages_browser import site_pages

    client = Client()
    for path, status in site_pages():
        response = client.get(path)
        assert response.status_code == status, path
        body = response.content.decode()
        assert "DESIGN.md" not in body and "2x-A100_PCIE-32-65536" not in body, path
        assert "$0.00 (0%)" not in body, path
        assert not re.search(r"dense [\d,]{5,}B", body), path  # no "priced like a dense 15,466B model"
    for path in ("/gpus/?format=csv", "/models/?format=csv", "/providers/?format=csv", "/gpus/h100-sxm/?format=csv"):
        text = client.get(path).content.decode()
        assert not re.search(r"\d\.\d*000(,|$)", text, re.M), f"{path} pads decimals with zeros"
        assert not re.search(r"\dE[+-]\d", text), f"{path} writes an exponent"


@pytest.mark.django_db(transaction=True)
def test_curated_h100_page_groups_near_identical_offerings():
    call_command("load_curated", verbosity=0)
    context = Client().get("/gpus/h100-sxm/").context
    offerings, groups = context["offerings"], context["groups"]
    assert len(groups) < len(offerings)
    grouped = [g for g in groups if g.is_group]
    assert grouped
    assert all(len(g.sizes) > 1 and len({o.latest_usd_per_gpu_hour for o in g.offerings}) == 1 for g in grouped)
    print(f"/gpus/h100-sxm/: {len(offerings)} offerings in {len(groups)} rows")


def test_provider_search_skips_only_providers_that_cannot_match():
    """search's cheap letters-and-digits test before match_rank keeps every provider match_rank accepts."""
    from computeprices.search import _matching_providers, match_rank, words
    from providers.models import Provider

    names = [
        "Together AI",
        "Deep_Infra",
        "H 100 Cloud",
        "Llama3.1 Hosting",
        "a.b Compute",
        "Café GPU",
        "x-y.z",
        "R1 Co",
    ]
    for name in names:
        ProviderFactory(name=name)
    queries = [
        "together",
        "deep infra",
        "deepinfra",
        "h100",
        "h 100",
        "3.1",
        "llama3",
        "llama3.1",
        "ab",
        "a.b",
        "café",
        "caf",
        "yz",
        "r1",
    ]
    for query in queries:
        q = words(query)
        expected = {p.pk: rank for p in Provider.objects.all() if (rank := match_rank(q, [p.name, p.slug])) is not None}
        assert {p.pk: rank for p, rank in _matching_providers(q)} == expected, query
