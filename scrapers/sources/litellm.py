"""LiteLLM's model price map (model_prices_and_context_window.json): chat models of many providers.

Prices are USD **per token as JSON floats** (3e-06 = $3 per 1M). Keys are LiteLLM routing names, not
model ids: the provider prefix is stripped to get the name looked up in the aliases. Regional keys
(Bedrock's us./eu./apac. cross-region profiles, bedrock/<region>/<model>) become regional offerings,
never "cheapest key wins": claude-3.5-haiku at $0.25 on an eu. key and $0.80 on the us. key are two
offerings, each with its own price. Traps handled here: the `sample_spec` documentation entry (string
values); non-chat modes; entries priced per character/second/image rather than per token; 0/0 free or
experimental entries; a zero output price (embeddings mis-moded as chat, routers). Per-token values that
are really per-1K or per-1M (wandb/*, jais) come out absurd after normalizing and the ceiling refuses
them; long-context tiers (`*_above_128k_tokens`) are extra keys and the base tier is taken.
"""

import re

from scrapers import precedence

from .base import Parsed, PayloadError, Source, TokenRecord, TokenUnit, decimal_or_none, load_json

URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
PAGE_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"

# Providers whose "price" is not a per-token purchase (local runtimes, subscriptions).
NOT_A_MARKET = {"ollama", "lemonade", "github_copilot", "v0"}

# litellm_provider -> provider name as the catalogue is likely to spell it (unknown ones pass through).
PROVIDER_NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "together_ai": "Together AI",
    "fireworks_ai": "Fireworks AI",
    "deepinfra": "DeepInfra",
    "groq": "Groq",
    "bedrock": "Amazon Bedrock",
    "bedrock_converse": "Amazon Bedrock",
    "azure": "Azure OpenAI",
    "azure_ai": "Azure AI Foundry",
    "gemini": "Google AI Studio",
    "mistral": "Mistral AI",
    "xai": "xAI",
    "deepseek": "DeepSeek",
    "cerebras": "Cerebras",
    "sambanova": "SambaNova",
    "novita": "Novita AI",
    "hyperbolic": "Hyperbolic",
    "nebius": "Nebius",
    "lambda_ai": "Lambda",
    "perplexity": "Perplexity",
    "moonshot": "Moonshot AI",
    "cohere_chat": "Cohere",
    "openrouter": "OpenRouter",
    "nscale": "Nscale",
    "ovhcloud": "OVHcloud",
    "databricks": "Databricks",
    "replicate": "Replicate",
    "cloudflare": "Cloudflare",
    "dashscope": "Alibaba Cloud",
    "zai": "Z.ai",
    "minimax": "MiniMax",
    "friendliai": "FriendliAI",
    "featherless_ai": "Featherless AI",
    "gmi": "GMI Cloud",
    "wandb": "Weights & Biases",
    "watsonx": "IBM watsonx",
    "oci": "Oracle Cloud",
    "snowflake": "Snowflake",
    "vercel_ai_gateway": "Vercel AI Gateway",
}
REGION_PREFIX = re.compile(r"^(?:us|eu|apac|global|jp|au|us-gov)\.")


def provider_name(litellm_provider):
    if litellm_provider.startswith("vertex_ai"):
        return "Google Vertex AI"
    return PROVIDER_NAMES.get(litellm_provider, litellm_provider)


def region_of(key, litellm_provider):
    """The region a key prices: "us", "eu", "apac"... for a cross-region profile, "us-east-1" for
    bedrock/us-east-1/<model>; "" for a global key."""
    name = key
    for prefix in (f"{litellm_provider}/", "bedrock/"):
        name = name.removeprefix(prefix)
    if "/" in name and litellm_provider.startswith("bedrock"):
        return name.split("/", 1)[0]
    match = REGION_PREFIX.match(name)
    return match.group(0).rstrip(".") if match and match.group(0) != "global." else ""


def model_names(key, litellm_provider):
    """(name to look up, other spellings) for a LiteLLM key."""
    name = key
    for prefix in (f"{litellm_provider}/", "bedrock/", "vertex_ai/", "azure/", "azure_ai/"):
        name = name.removeprefix(prefix)
    if "/" in name and litellm_provider.startswith("bedrock"):
        name = name.rsplit("/", 1)[-1]  # bedrock/us-east-1/<model>
    name = REGION_PREFIX.sub("", name)
    name = name.removeprefix("accounts/fireworks/models/")
    others = tuple(dict.fromkeys(c for c in (key, name.rsplit("/", 1)[-1]) if c != name))
    return name, others


def _context(entry):
    for key in ("max_input_tokens", "max_tokens"):
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def parse(payload) -> Parsed:
    parsed = Parsed()
    data = load_json(payload) if isinstance(payload, str | bytes) else payload
    if not isinstance(data, dict):
        raise PayloadError("LiteLLM price map is not a JSON object")
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            parsed.skip(key, "documentation entry, not a model")
            continue
        if entry.get("mode") != "chat":
            parsed.skip(key, "not a chat model")
            continue
        provider = entry.get("litellm_provider")
        if not isinstance(provider, str) or not provider:
            parsed.skip(key, "no litellm_provider", refused=True)
            continue
        if provider in NOT_A_MARKET:
            parsed.skip(key, "local runtime or subscription, not a per-token market")
            continue
        price_in = decimal_or_none(entry.get("input_cost_per_token"))
        price_out = decimal_or_none(entry.get("output_cost_per_token"))
        if price_in is None or price_out is None:
            parsed.skip(key, "not priced per token (per character/second/image, or missing)")
            continue
        if price_in == 0 and price_out == 0:
            parsed.skip(key, "free or experimental (price 0)")
            continue
        if price_out == 0:
            parsed.skip(key, "zero output price (router or embedding mis-moded as chat)", refused=True)
            continue
        name, others = model_names(key, provider)
        parsed.records.append(
            TokenRecord(
                provider=provider_name(provider),
                model=name,
                model_candidates=others,
                input=price_in,
                output=price_out,
                cached_input=decimal_or_none(entry.get("cache_read_input_token_cost")),
                cache_write=decimal_or_none(entry.get("cache_creation_input_token_cost")),
                batch_input=decimal_or_none(entry.get("input_cost_per_token_batches")),
                batch_output=decimal_or_none(entry.get("output_cost_per_token_batches")),
                unit=TokenUnit.PER_TOKEN,
                context=_context(entry),
                region=region_of(key, provider),
                origin_url=PAGE_URL,
            )
        )
    return parsed


class LiteLLMSource(Source):
    name = "litellm"
    kind = "token"
    url = URL
    rank = precedence.AGGREGATOR
    page_url = PAGE_URL

    def parse(self, payload):
        return parse(payload)


SOURCES = [LiteLLMSource()]
