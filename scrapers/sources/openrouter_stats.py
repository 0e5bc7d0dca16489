"""OpenRouter's per-endpoint statistics in the format its own model pages use (the "frontend stats").

One JSON line per model: `model_slug`, `permaslug`, `variant` and `endpoints`, each endpoint with
`provider_name`, `provider_slug` (e.g. "deepinfra/turbo"), `quantization` ("unknown" = not stated),
`pricing` (USD per token strings) and `stats`: p50-p99 throughput in output tokens/s per request,
p50-p99 latency (time to first token) in ms, `request_count` and `window_minutes` (30), measured on
OpenRouter's own traffic. `endpoints: null` or `[]` is a delisted model; `stats: null` an endpoint with
no traffic in the window (skipped, not refused).

That API is undocumented, so this source does not fetch it: it reads recorded files only
(`scrape openrouter:stats --from-file PATH --date YYYY-MM-DD`). The one recording we have
(../shared/data/inference/openrouter/, see its PROVENANCE.md) carries no licence: it is test input,
never shipped data.
"""

from decimal import Decimal

from scrapers import precedence
from scrapers.http import FetchError

from .base import Parsed, PayloadError, Source, decimal_or_none, load_json
from .speed import SpeedRecord, run_speed_ingest

MILLION = Decimal(1_000_000)
MODEL_PAGE = "https://openrouter.ai/{slug}/providers"


def quantization(raw):
    text = str(raw or "").strip().lower()
    return "" if text in ("", "unknown", "none") else text[:20]


def blended_per_mtok(pricing):
    """The endpoint's 3:1 blended list price in USD per 1M tokens (to fold duplicate endpoints), or None."""
    if not isinstance(pricing, dict):
        return None
    prompt, completion = decimal_or_none(pricing.get("prompt")), decimal_or_none(pricing.get("completion"))
    if prompt is None or completion is None or prompt < 0 or completion < 0:
        return None
    return (3 * prompt + completion) * MILLION / 4


def _int_or_none(value):
    number = decimal_or_none(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def stats_record(endpoint, model_id, candidates=()):
    """A SpeedRecord from one frontend-stats endpoint, or a str saying why there is none."""
    stats = endpoint.get("stats")
    if not stats:
        return "no traffic measured in the window"
    if not isinstance(stats, dict):
        return "unreadable stats object"
    figures = {
        "tokens_per_second_p50": decimal_or_none(stats.get("p50_throughput")),
        "tokens_per_second_p90": decimal_or_none(stats.get("p90_throughput")),
        "tokens_per_second_p99": decimal_or_none(stats.get("p99_throughput")),
        "ttft_ms_p50": decimal_or_none(stats.get("p50_latency")),
        "ttft_ms_p90": decimal_or_none(stats.get("p90_latency")),
        "ttft_ms_p99": decimal_or_none(stats.get("p99_latency")),
    }
    if all(v is None for v in figures.values()):
        return "no traffic measured in the window"
    return SpeedRecord(
        provider=endpoint["provider_name"],
        model=model_id,
        model_candidates=tuple(c for c in candidates if c and c != model_id),
        quantization=quantization(endpoint.get("quantization")),
        endpoint=str(endpoint.get("provider_slug") or endpoint.get("tag") or ""),
        request_count=_int_or_none(stats.get("request_count")),
        window_minutes=_int_or_none(stats.get("window_minutes")),
        blended_usd_per_mtok=blended_per_mtok(endpoint.get("pricing")),
        source_url=MODEL_PAGE.format(slug=model_id),
        **figures,
    )


def is_stats_line(data):
    return isinstance(data, dict) and "model_slug" in data and "endpoints" in data


def parse_stats_line(data, parsed):
    model_id = data.get("model_slug")
    if not model_id:
        parsed.skip(data, "line without model_slug", refused=True)
        return
    if data.get("variant") not in (None, "", "standard"):
        parsed.skip(model_id, f"variant {data['variant']!r}, not the standard endpoints")
        return
    endpoints = data.get("endpoints")
    if not endpoints:
        parsed.skip(model_id, "no endpoints (delisted)")
        return
    if not isinstance(endpoints, list):
        parsed.skip(model_id, "endpoints is not a list", refused=True)
        return
    for endpoint in endpoints:
        if not isinstance(endpoint, dict) or not endpoint.get("provider_name"):
            parsed.skip(endpoint, "endpoint without provider_name", refused=True)
            continue
        if endpoint.get("is_disabled"):
            parsed.skip(f"{model_id} {endpoint['provider_name']}", "endpoint disabled")
            continue
        record = stats_record(endpoint, model_id, (data.get("permaslug"), endpoint.get("model_variant_permaslug")))
        if isinstance(record, str):
            parsed.skip(f"{model_id} {endpoint['provider_name']}", record)
        else:
            parsed.records.append(record)


def json_lines(payload):
    """Objects from a JSON-lines payload; a broken line is a PayloadError naming its number."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8-sig")
    objects = []
    for number, line in enumerate(payload.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            objects.append(load_json(line))
        except PayloadError as exc:
            raise PayloadError(f"line {number}: {exc}") from None
    return objects


def parse(payload) -> Parsed:
    parsed = Parsed()
    if isinstance(payload, str | bytes):
        try:
            lines = [load_json(payload)]  # one pretty-printed object
        except PayloadError:
            lines = json_lines(payload)
    else:
        lines = list(payload)
    for data in lines:
        if not is_stats_line(data):
            raise PayloadError("not OpenRouter's frontend stats format (each line needs model_slug and endpoints)")
        parse_stats_line(data, parsed)
    return parsed


class OpenRouterStatsSource(Source):
    name = "openrouter:stats"
    kind = "speed"
    rank = precedence.FIRST_PARTY_CATALOGUE  # OpenRouter measuring its own traffic
    url = "https://openrouter.ai/models"
    nightly = False  # file only: fetch() refuses, so a nightly run would only record a failure
    ingest = staticmethod(run_speed_ingest)

    def fetch(self, client):
        raise FetchError(
            "openrouter:stats reads recorded files only (OpenRouter's frontend API is undocumented): "
            "scrape openrouter:stats --from-file PATH"
        )

    def parse(self, payload):
        return parse(payload)


SOURCES = [OpenRouterStatsSource()]
