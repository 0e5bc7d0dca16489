"""OpenRouter: `/api/v1/models` (OpenRouter's own price per model) and `/api/v1/models/<id>/endpoints`
(one model, many providers, each with its quantization, context and prices).

Prices are USD **per token as strings**. Traps handled here: "-1" is a router's dynamic price
(openrouter/auto ...) and is refused; "0" is a free model (`:free` ids) and is skipped, never stored as
a price; `:batch` ids are the batch price of the base model; long-context `overrides` tiers are ignored
(the base tier is the list price); `quantization: "unknown"` means not stated.

No recorded `/endpoints` response exists in ../shared/data; the test fixture for it is built from
OpenRouter's documented ListEndpointsResponse schema (tests/fixtures/scrapers/openrouter_endpoints.json).
A payload is the models envelope, one endpoints response, or a bundle {"models": ..., "endpoints": {id: ...}}.
"""

import re

from inference.models import ServingKind
from scrapers import precedence

from .base import ModelFacts, Parsed, PayloadError, Source, TokenRecord, TokenUnit, decimal_or_none, load_json

MODELS_URL = "https://openrouter.ai/api/v1/models"
ENDPOINTS_URL = "https://openrouter.ai/api/v1/models/{id}/endpoints"
MAX_ENDPOINT_FETCHES = 300
PROVIDER = "OpenRouter"


def _price(pricing, key):
    """Decimal USD per token, or a str saying why there is none."""
    raw = pricing.get(key)
    if raw is None or raw == "":
        return None
    if str(raw).strip() == "-1":
        return "router with a dynamic price (-1)"
    value = decimal_or_none(raw)
    if value is None:
        return f"unreadable price {raw!r}"
    return value


def _record(parsed, *, provider, model_id, pricing, context, quantization="", candidates=(), url=""):
    if not isinstance(pricing, dict):
        parsed.skip(model_id, "no pricing object", refused=True)
        return
    prompt = _price(pricing, "prompt")
    completion = _price(pricing, "completion")
    for value in (prompt, completion):
        if isinstance(value, str):
            parsed.skip(model_id, value, refused=True)
            return
    if prompt is None or completion is None:
        parsed.skip(model_id, "no prompt/completion price", refused=True)
        return
    if prompt == 0 and completion == 0:
        parsed.skip(model_id, "free (price 0)")
        return
    serving_kind = ServingKind.SERVERLESS
    if model_id.endswith(":free"):
        parsed.skip(model_id, "free variant")
        return
    if model_id.endswith(":batch"):
        model_id, serving_kind = model_id.removesuffix(":batch"), ServingKind.BATCH
    cached = _price(pricing, "input_cache_read")
    write = _price(pricing, "input_cache_write")
    parsed.records.append(
        TokenRecord(
            provider=provider,
            model=model_id,
            model_candidates=tuple(c for c in candidates if c),
            input=prompt,
            output=completion,
            cached_input=cached if not isinstance(cached, str) else None,
            cache_write=write if not isinstance(write, str) else None,
            unit=TokenUnit.PER_TOKEN,
            context=context if isinstance(context, int) and context > 0 else None,
            quantization="" if quantization in (None, "", "unknown") else str(quantization).lower(),
            serving_kind=serving_kind,
            origin_url=url,
        )
    )


def parse_models(data, parsed):
    for model in data:
        if not isinstance(model, dict) or not model.get("id"):
            parsed.skip(model, "model without an id", refused=True)
            continue
        model_id = model["id"]
        if not model_id.startswith("openrouter/") and ":" not in model_id:
            hf = model.get("hugging_face_id") or ""
            parsed.models.append(
                ModelFacts(
                    model_id=model_id,
                    name=re.sub(r"^[^:]+:\s*", "", model.get("name") or model_id)[:150],
                    creator=model_id.split("/", 1)[0],
                    context=model.get("context_length") if isinstance(model.get("context_length"), int) else None,
                    open_weights=True if hf else None,
                    aliases=tuple(a for a in (model.get("canonical_slug"), hf) if a),
                    source_url=f"https://openrouter.ai/{model_id}",
                )
            )
        _record(
            parsed,
            provider=PROVIDER,
            model_id=model["id"],
            pricing=model.get("pricing"),
            context=model.get("context_length"),
            candidates=(model.get("canonical_slug"), model.get("hugging_face_id")),
            url=f"https://openrouter.ai/{model['id']}",
        )


def parse_endpoints(data, parsed):
    model_id = data.get("id")
    endpoints = data.get("endpoints")
    if not model_id or not isinstance(endpoints, list):
        raise PayloadError("endpoints response without data.id / data.endpoints")
    for endpoint in endpoints:
        if not isinstance(endpoint, dict) or not endpoint.get("provider_name"):
            parsed.skip(endpoint, "endpoint without provider_name", refused=True)
            continue
        _record(
            parsed,
            provider=endpoint["provider_name"],
            model_id=model_id,
            pricing=endpoint.get("pricing"),
            context=endpoint.get("context_length"),
            quantization=endpoint.get("quantization") or "",
            url=f"https://openrouter.ai/{model_id}/providers",
        )


def parse(payload) -> Parsed:
    parsed = Parsed()
    data = load_json(payload) if isinstance(payload, str | bytes) else payload
    if isinstance(data, dict) and "models" in data:
        models = data["models"]
        models = load_json(models) if isinstance(models, str | bytes) else models
        parse_models(_model_list(models), parsed)
        for endpoints in (data.get("endpoints") or {}).values():
            endpoints = load_json(endpoints) if isinstance(endpoints, str | bytes) else endpoints
            parse_endpoints(endpoints.get("data") or {}, parsed)
        return parsed
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        parse_endpoints(data["data"], parsed)
        return parsed
    parse_models(_model_list(data), parsed)
    return parsed


def _model_list(data):
    if isinstance(data, dict):
        data = data.get("data")
    if not isinstance(data, list):
        raise PayloadError("no model list (data: [...]) in the OpenRouter payload")
    return data


class OpenRouterSource(Source):
    name = "openrouter"
    kind = "token"
    url = MODELS_URL
    rank = precedence.FIRST_PARTY_CATALOGUE
    time_limit = 900

    def rank_for(self, record):
        """First-party for OpenRouter's own prices; a third-party listing for the providers behind it."""
        return self.rank if record.provider == "OpenRouter" else precedence.AGGREGATOR

    def fetch(self, client):
        """The model list, then the endpoints of each model the catalogue knows (at most MAX_ENDPOINT_FETCHES)."""
        from inference.models import ModelAlias
        from scrapers import http

        models_text = http.get(client, MODELS_URL).text
        ids = [m.get("id") for m in _model_list(load_json(models_text)) if isinstance(m, dict) and m.get("id")]
        resolved = ModelAlias.objects.resolve(ids)
        known = [i for i in ids if i in resolved and not i.endswith(":free")]
        endpoints = {
            model_id: http.get(client, ENDPOINTS_URL.format(id=model_id)).text
            for model_id in known[:MAX_ENDPOINT_FETCHES]
        }
        return {"models": models_text, "endpoints": endpoints}

    def parse(self, payload):
        return parse(payload)


SOURCES = [OpenRouterSource()]
