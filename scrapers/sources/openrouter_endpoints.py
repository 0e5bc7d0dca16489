"""OpenRouter's public endpoints API as a speed source: `/api/v1/models/{author}/{slug}/endpoints`.

Each endpoint carries `provider_name`, `tag`, `quantization`, `uptime_last_30m` (%), and
`latency_last_30m` / `throughput_last_30m` as {p50, p75, p90, p99}: time to first token in ms and
output tokens/s per request over the last 30 minutes of OpenRouter's own traffic (OpenRouter
documents that latency and throughput are null for unauthenticated requests; uptime is still given, and
settings.OPENROUTER_API_KEY, when set, is sent with the endpoints requests only).

Fetch: the model list once, then one request per model our catalogue tracks (its id resolves through
the model aliases), PACE_SECONDS apart, at most MAX_MODELS, all through scrapers.http.

Payloads `parse()` reads: one ListEndpointsResponse ({"data": {"id", "endpoints"}}), the bundle fetch()
returns ({"endpoints": {id: response text}}), or JSON lines of either. To replay the one real recording
of OpenRouter's per-endpoint figures, a JSON line in the frontend stats format (openrouter_stats) is read
too: the same per-endpoint 30-minute figures under other field names.
"""

from scrapers import precedence

from . import openrouter_stats as stats_format
from .base import Parsed, PayloadError, Source, decimal_or_none, load_json
from .speed import SpeedRecord, run_speed_ingest

MODELS_URL = "https://openrouter.ai/api/v1/models"
ENDPOINTS_URL = "https://openrouter.ai/api/v1/models/{id}/endpoints"
MAX_MODELS = 300
PACE_SECONDS = 1.5  # at most MAX_MODELS x 1.5 s = 7.5 min, inside time_limit
WINDOW_MINUTES = 30


def _percentiles(value):
    return value if isinstance(value, dict) else {}


def endpoint_record(endpoint, model_id):
    """A SpeedRecord from one documented endpoint object, or a str saying why there is none."""
    throughput = _percentiles(endpoint.get("throughput_last_30m"))
    latency = _percentiles(endpoint.get("latency_last_30m"))
    figures = {
        "tokens_per_second_p50": decimal_or_none(throughput.get("p50")),
        "tokens_per_second_p90": decimal_or_none(throughput.get("p90")),
        "tokens_per_second_p99": decimal_or_none(throughput.get("p99")),
        "ttft_ms_p50": decimal_or_none(latency.get("p50")),
        "ttft_ms_p90": decimal_or_none(latency.get("p90")),
        "ttft_ms_p99": decimal_or_none(latency.get("p99")),
        "uptime_percent": decimal_or_none(endpoint.get("uptime_last_30m")),
    }
    if all(v is None for v in figures.values()):
        return "no speed, latency or uptime given"
    return SpeedRecord(
        provider=endpoint["provider_name"],
        model=model_id,
        model_candidates=tuple(c for c in (endpoint.get("model_id"),) if c and c != model_id),
        quantization=stats_format.quantization(endpoint.get("quantization")),
        endpoint=str(endpoint.get("tag") or ""),
        window_minutes=WINDOW_MINUTES,
        blended_usd_per_mtok=stats_format.blended_per_mtok(endpoint.get("pricing")),
        source_url=f"https://openrouter.ai/{model_id}/providers",
        **figures,
    )


def parse_response(data, parsed):
    body = data.get("data") if isinstance(data, dict) else None
    if not isinstance(body, dict) or not body.get("id") or not isinstance(body.get("endpoints"), list):
        raise PayloadError("endpoints response without data.id / data.endpoints")
    model_id = body["id"]
    if not body["endpoints"]:
        parsed.skip(model_id, "no endpoints (delisted)")
    for endpoint in body["endpoints"]:
        if not isinstance(endpoint, dict) or not endpoint.get("provider_name"):
            parsed.skip(endpoint, "endpoint without provider_name", refused=True)
            continue
        record = endpoint_record(endpoint, model_id)
        if isinstance(record, str):
            parsed.skip(f"{model_id} {endpoint['provider_name']}", record)
        else:
            parsed.records.append(record)


def _parse_object(data, parsed):
    if stats_format.is_stats_line(data):
        stats_format.parse_stats_line(data, parsed)
    elif isinstance(data, dict) and isinstance(data.get("endpoints"), dict):  # fetch()'s bundle
        for text in data["endpoints"].values():
            parse_response(load_json(text) if isinstance(text, str | bytes) else text, parsed)
    else:
        parse_response(data, parsed)


def parse(payload) -> Parsed:
    parsed = Parsed()
    if isinstance(payload, str | bytes):
        text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
        try:
            objects = [load_json(text)]
        except PayloadError:
            if len([line for line in text.splitlines() if line.strip()]) < 2:
                raise
            objects = stats_format.json_lines(text)
    else:
        objects = [payload]
    for data in objects:
        _parse_object(data, parsed)
    return parsed


def tracked_model_ids(models_text):
    """OpenRouter ids in the model list that resolve to a catalogue model (one query), in list order."""
    from inference.models import ModelAlias

    data = load_json(models_text)
    models = data.get("data") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise PayloadError("no model list (data: [...]) in the OpenRouter payload")
    ids = [m["id"] for m in models if isinstance(m, dict) and m.get("id") and not m["id"].endswith(":free")]
    resolved = ModelAlias.objects.resolve(ids)
    return [i for i in ids if i in resolved]


class OpenRouterEndpointsSource(Source):
    name = "openrouter:endpoints"
    kind = "speed"
    rank = precedence.FIRST_PARTY_CATALOGUE  # OpenRouter measuring its own traffic
    url = MODELS_URL
    time_limit = 900
    ingest = staticmethod(run_speed_ingest)

    def fetch(self, client):
        """The model list, then each tracked model's endpoints, one request every PACE_SECONDS."""
        from django.conf import settings

        from scrapers import http

        key = getattr(settings, "OPENROUTER_API_KEY", "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        ids = tracked_model_ids(http.get(client, MODELS_URL).text)
        endpoints = {}
        for model_id in ids[:MAX_MODELS]:
            http.sleep(PACE_SECONDS)
            endpoints[model_id] = http.get(client, ENDPOINTS_URL.format(id=model_id), headers=headers).text
        return {"endpoints": endpoints}

    def parse(self, payload):
        return parse(payload)


SOURCES = [OpenRouterEndpointsSource()]
