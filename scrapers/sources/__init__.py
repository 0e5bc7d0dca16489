"""Every source by name: `skypilot:<cloud>`, `azure`, `runpod`, `openrouter`, `litellm`, `page:<provider>`."""

from . import azure, litellm, openrouter, openrouter_endpoints, openrouter_stats, pages, runpod, skypilot

# One module per line: adding a source is adding its module here (each module lists its SOURCES).
SOURCE_MODULES = [
    skypilot,
    azure,
    runpod,
    openrouter,
    litellm,
    pages,
    openrouter_endpoints,  # per-endpoint speed, not prices (scrapers.speed_ingest)
    openrouter_stats,
]

REGISTRY = {source.name: source.check_contract() for module in SOURCE_MODULES for source in module.SOURCES}


def get_source(name):
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


# A real recorded payload of each source, relative to ../shared/data (see its PROVENANCE.md): what the
# recorded-payload tests replay, and what `scrape --all --recorded ../shared/data --dry-run` reports on.
RECORDED_PAYLOADS = {
    "skypilot:aws": "gpu/skypilot/aws_v8_vms_EXCERPT_p3dn-p6_rows.csv",
    "skypilot:gcp": "gpu/skypilot/gcp_vms_gpu_rows_anycloud_2026-04-02.csv",
    "skypilot:azure": "gpu/skypilot/azure_vms_gpu_rows_anycloud_2026-04-02.csv",
    "skypilot:lambda": "gpu/skypilot/lambda_vms_anycloud_2026-04-02.csv",
    "skypilot:vast": "gpu/skypilot/vast_v8_vms.csv",
    "skypilot:runpod": "gpu/skypilot/runpod_v6_vms.csv",
    "skypilot:shadeform": "gpu/skypilot/shadeform_v8_vms.csv",
    "skypilot:cudo": "gpu/skypilot/cudo_v8_vms_truncated_first74rows.csv",
    "skypilot:oci": "gpu/skypilot/oci_v5_vms.csv",
    "skypilot:fluidstack": "gpu/skypilot/fluidstack_v6_vms.csv",
    "skypilot:paperspace": "gpu/skypilot/paperspace_v6_vms.csv",
    "skypilot:do": "gpu/skypilot/do_v6_vms.csv",
    "skypilot:hyperbolic": "gpu/skypilot/hyperbolic_v8_vms.csv",
    "skypilot:hyperstack": "gpu/skypilot/hyperstack_v8_vms.csv",
    "skypilot:jarvislabs": "gpu/skypilot/jarvislabs_v8_vms.csv",
    "skypilot:nebius": "gpu/skypilot/nebius_v8_vms.csv",
    "skypilot:verda": "gpu/skypilot/verda_v8_vms.csv",
    "azure": "gpu/azure/retail_prices_vm_eastus2_page1_2026-01-10.json",
    "runpod": "gpu/runpod/gpuTypes_graphql_response_ewyluda_fixture.json",
    "openrouter": "inference/openrouter/openrouter_models_2026-08-08.json",
    "litellm": "inference/litellm_prices_2026-02-14.json",
    "openrouter:endpoints": "inference/openrouter/openrouter_frontend_model_stats_2026-08-08_subset.jsonl",
    "openrouter:stats": "inference/openrouter/openrouter_frontend_model_stats_2026-08-08_subset.jsonl",
    "page:lambda": "gpu/html/lambda_pricing_20260109103934.html",
    "page:runpod": "gpu/html/runpod_pricing_20250909131230.html",
    "page:hyperstack": "gpu/html/hyperstack_gpu-pricing_20240822101707.html",
    "page:datacrunch": "gpu/html/datacrunch_products_20250808081801.html",
    "page:fluidstack": "gpu/html/fluidstack_pricing_20250109013724.html",
    "page:coreweave": "gpu/html/coreweave_gpu-cloud-pricing_20230921194906.html",
}
