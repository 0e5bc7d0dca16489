"""The scraper contract: a Source fetches a payload (through scrapers.http) and parses it, purely, into
plain records. Normalizing units and names, validating and saving are the ingest path's job.

Records keep the source's own unit (`unit`) so that the one place that converts units is
scrapers.normalize: per instance-hour, per GPU-hour, a reservation term's total; per token, per 1K,
per 1M, US cents per token.
"""

import json
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx


class PayloadError(Exception):
    """The payload is not what this source publishes (truncated JSON, HTML instead of JSON, lost columns)."""


class GpuUnit:
    INSTANCE_HOUR = "usd_per_instance_hour"
    GPU_HOUR = "usd_per_gpu_hour"
    INSTANCE_TERM_TOTAL = "usd_per_instance_term"  # a reservation's total for its whole term


class TokenUnit:
    PER_TOKEN = "usd_per_token"
    PER_1K = "usd_per_1k_tokens"
    PER_1M = "usd_per_1m_tokens"
    CENTS_PER_TOKEN = "us_cents_per_token"


@dataclass(frozen=True, slots=True)
class GpuRecord:
    provider: str
    gpu: str
    gpus_per_instance: int
    pricing_type: str
    price: Decimal
    unit: str
    term_hours: int | None = None
    region: str = ""
    instance_name: str = ""
    vcpus: int | None = None
    ram_gb: int | None = None
    gpu_candidates: tuple[str, ...] = ()  # other spellings of the GPU to try after `gpu`
    source_url: str = ""  # the provider's own price page, for the reader
    origin_url: str = ""  # where the number came from (blank: the source's url)
    price_date: date | None = None  # the date the payload states for this price; None = undated


@dataclass(frozen=True, slots=True)
class TokenRecord:
    provider: str
    model: str
    input: Decimal
    output: Decimal
    unit: str
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    batch_input: Decimal | None = None
    batch_output: Decimal | None = None
    context: int | None = None
    quantization: str = ""
    serving_kind: str = "serverless"
    model_candidates: tuple[str, ...] = ()  # other spellings of the model to try after `model`
    source_url: str = ""  # the provider's own price page, for the reader
    origin_url: str = ""  # where the number came from (blank: the source's url)
    price_date: date | None = None  # the date the payload states for this price; None = undated
    region: str = ""  # e.g. Bedrock's us./eu./apac. cross-region inference profiles


@dataclass(frozen=True, slots=True)
class Skip:
    """A row the parser looked at and did not turn into a record, and why.

    `refused` rows are traps (sentinel prices, term totals, malformed rows); the others are simply
    not prices we track (CPU-only VMs, Windows licences, embeddings).
    """

    row: str
    reason: str
    refused: bool = False


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What a source states about a model (not a price): the ingest may create an unreviewed catalogue
    model from it. A price row alone never creates a model."""

    model_id: str
    name: str
    creator: str
    context: int | None = None
    open_weights: bool | None = None
    aliases: tuple[str, ...] = ()
    source_url: str = ""


@dataclass
class Parsed:
    records: list = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    models: list[ModelFacts] = field(default_factory=list)  # facts for catalogue growth (token sources)

    def skip(self, row, reason, refused=False):
        self.skipped.append(Skip(str(row)[:200], reason, refused))

    @property
    def rows_seen(self):
        return len(self.records) + len(self.skipped)


def decimal_or_none(value) -> Decimal | None:
    """A Decimal from a JSON number, a numeric string or a CSV cell; None when blank or not a number.

    Floats go through repr so 3e-06 stays 0.000003 rather than a binary expansion.
    """
    if type(value) is float:  # the common case (JSON numbers): repr of a finite float is a clean Decimal string
        return Decimal(repr(value)) if math.isfinite(value) else None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def load_json(text) -> object:
    """json.loads with the failures a source can produce turned into PayloadError."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped[:1] == "<":
        raise PayloadError("expected JSON, got HTML/XML (an error page or a login wall?)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"invalid or truncated JSON: {exc}") from None


KINDS = ("gpu", "token", "speed")


class Source(ABC):
    """The scraper contract. A source declares:

    - name: unique, e.g. "skypilot:aws" (set on the class or in __init__);
    - kind: "gpu" (parse() yields GpuRecords), "token" (TokenRecords) or "speed" (endpoint measurements);
    - url: what fetch() reads, and the default origin_url of its prices;
    - rank: its precedence (scrapers.precedence: PROVIDER_OWN, FIRST_PARTY_CATALOGUE or AGGREGATOR);
    - parse(payload) -> Parsed: pure, no database and no network.

    A source that misses a piece fails when it is defined or constructed, not silently at run time:
    parse() is abstract, and check_contract() (run by the registry on every source) checks the rest.
    """

    name = ""
    kind = ""
    url = ""
    rank: int | None = None
    time_limit = 300  # seconds, for the Celery task

    def fetch(self, client: httpx.Client):
        from scrapers import http

        return http.get(client, self.url).text

    def read_file(self, path):
        return Path(path).read_text(encoding="utf-8-sig")

    @abstractmethod
    def parse(self, payload) -> Parsed:
        """The payload's rows as records and skips; raises PayloadError when it is not this source's format."""

    def rank_for(self, record) -> int:
        """The precedence of one record (a source listing other providers' prices may rank lower for those)."""
        return self.rank

    def check_contract(self):
        from scrapers import precedence

        problems = []
        if not self.name:
            problems.append("no name")
        if self.kind not in KINDS:
            problems.append(f"kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not self.url:
            problems.append("no url")
        if self.rank not in precedence.LABELS:
            problems.append(f"rank {self.rank!r} is not a scrapers.precedence rank")
        if problems:
            raise TypeError(
                f"{self.__class__.__name__} {self.name!r} breaks the source contract: {'; '.join(problems)}"
            )
        return self

    def __repr__(self):
        return f"<{self.__class__.__name__} {self.name}>"
