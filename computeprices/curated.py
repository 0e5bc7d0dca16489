"""Loading the curated data set: every file is validated first, then all of it is written in one transaction.

Each app owns its data folder and its entry parsers (providers/curated.py, inference/curated.py); this
module holds what they share: the field readers that collect problems with their file, entry and field,
and `load_curated()`, which `python manage.py load_curated` calls. Loading twice gives the same database.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction

CURATED_SOURCE = "curated"
# The folder (beside the hand files) that `build_curated` writes from licensed sources.
GENERATED = "generated"
# Curated rows are checked by a person: they publish over any scraped row of the same day (see
# scrapers.precedence for the scraped ranks, all lower).
CURATED_RANK = 9


class CuratedDataError(Exception):
    """The curated files have problems; nothing was loaded. `problems` lists each one."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the curated data; nothing was loaded:\n" + "\n".join(problems))


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str):
        self.items.append(f"{where}: {message}")


_MISSING = object()


class Entry:
    """One mapping in a curated file, read field by field; each bad field becomes a named problem."""

    def __init__(self, data, where: str, problems: Problems):
        self.data = data if isinstance(data, dict) else {}
        self.where = where
        self.problems = problems
        if not isinstance(data, dict):
            problems.add(where, f"expected a mapping, got {type(data).__name__}")

    def _raw(self, name, required):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if required:
                self.problems.add(f"{self.where}, field '{name}'", "missing")
            return _MISSING
        return value

    def _fail(self, name, message):
        self.problems.add(f"{self.where}, field '{name}'", message)
        return None

    def text(self, name, required=True, default=""):
        value = self._raw(name, required)
        return default if value is _MISSING else str(value).strip()

    def integer(self, name, required=False, minimum=None):
        value = self._raw(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            return self._fail(name, f"{value!r} is not a whole number")
        try:
            number = int(value)
        except ValueError:
            return self._fail(name, f"{value!r} is not a whole number")
        if minimum is not None and number < minimum:
            return self._fail(name, f"{number} is below {minimum}")
        return number

    def decimal(self, name, required=False, minimum=Decimal("0"), maximum=None, positive=False):
        value = self._raw(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool):
            return self._fail(name, f"{value!r} is not a number")
        try:
            # str() first, so a YAML float like 2.99 becomes Decimal("2.99"), not its binary expansion.
            number = Decimal(str(value).strip().lstrip("$"))
        except InvalidOperation:
            return self._fail(name, f"{value!r} is not a number")
        if not number.is_finite():
            return self._fail(name, f"{value!r} is not a finite number")
        if positive and number <= 0:
            return self._fail(name, f"{number} must be greater than 0")
        if minimum is not None and number < minimum:
            return self._fail(name, f"{number} is negative" if minimum == 0 else f"{number} is below {minimum}")
        if maximum is not None and number > maximum:
            return self._fail(name, f"{number} is above {maximum}")
        return number

    def day(self, name, required=False, default=None):
        value = self._raw(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return self._fail(name, f"{value!r} is not a YYYY-MM-DD date")

    def boolean(self, name, default=False):
        value = self._raw(name, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            return self._fail(name, f"{value!r} is not true or false")
        return value

    def choice(self, name, choices, required=True, default=None):
        value = self._raw(name, required)
        if value is _MISSING:
            return default
        if value not in choices:
            return self._fail(name, f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value

    def string_list(self, name):
        value = self._raw(name, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            return self._fail(name, "expected a list of names") or []
        return [str(v) for v in value]

    def mapping_list(self, name, required=False):
        value = self._raw(name, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            return self._fail(name, "expected a list") or []
        return value


def upsert(model, objects, unique_fields, update_fields):
    """Insert or update rows keyed by a unique constraint, in batches; returns them with primary keys set.

    The write side of load_curated: queries grow with batches, not rows, and an unchanged file
    rewrites the same values (loading twice gives the same database).
    """
    return model.objects.bulk_create(
        objects, batch_size=500, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
    )


def price_provenance(e: "Entry") -> dict:
    """A curated price's honest date and citation: `price_date` (the date its source states; absent =
    undated, never the collection day `as_of`) and `origin_url` (where the number came from: the
    aggregator file at its version, or the provider page; `source_url` stays the provider's page)."""
    return {"price_date": e.day("price_date"), "origin_url": e.text("origin_url", required=False)}


def check_unique_offerings(offerings, identity, problems: "Problems", what: str):
    """The same offering in two files (a hand file and a generated one) is a problem, named with both."""
    seen = {}
    for o in offerings:
        key = identity(o)
        if key in seen:
            problems.add(f"{what} {key}", "appears in two files")
        seen[key] = True


def read_yaml(path: Path, problems: Problems):
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        problems.add(str(path), f"cannot be read as YAML: {exc}")
        return None


def entry_label(index: int, data) -> str:
    key = None
    if isinstance(data, dict):
        key = data.get("slug") or data.get("gpu") or data.get("model")
    return f"entry {index + 1}" + (f" ({key})" if key else "")


def parse_offering_file(path: Path, problems: Problems, provider_offers, wrong_offer, read_offering, read_price):
    """Read one `<provider>.yaml` of offerings, the format both apps share (see their data/README.md).

    The header names the provider (which must exist and must not offer only `wrong_offer`) and the
    default source_url and as_of. `read_offering(entry)` returns (the offering's fields, its identity);
    `read_price(entry, default_url, default_day)` returns one price. Each offering comes back with its
    "provider" and its "prices" (the current one first, then its history). Problems name file, entry, field.
    """
    data = read_yaml(path, problems)
    if data is None:
        return []
    header = Entry(data, path.name, problems)
    provider = header.text("provider")
    if provider and provider not in provider_offers:
        problems.add(f"{path.name}, field 'provider'", f"unknown provider {provider!r} (not in providers.yaml)")
    elif provider and provider_offers[provider] == wrong_offer:
        problems.add(
            f"{path.name}, field 'provider'", f"provider {provider!r} offers only {wrong_offer.label} in providers.yaml"
        )
    default_url = header.text("source_url")
    default_day = header.day("as_of", required=True)
    offerings, identities = [], set()
    for i, item in enumerate(header.mapping_list("offerings", required=True)):
        e = Entry(item, f"{path.name}, {entry_label(i, item)}", problems)
        fields, identity = read_offering(e)
        if identity in identities:
            problems.add(e.where, "the same offering appears twice in this file")
        identities.add(identity)
        url = e.text("source_url", required=False, default=default_url)
        history = e.mapping_list("history")
        prices = [read_price(e, url, default_day)] + [
            read_price(Entry(past, f"{e.where}, history {j + 1}", problems), url, None)
            for j, past in enumerate(history)
        ]
        days = [p["observed_on"] for p in prices]
        if len(days) != len(set(days)):
            problems.add(e.where, "two prices for the same as_of date")
        offerings.append({"provider": provider, **fields, "prices": prices})
    return offerings


def load_curated(providers_dir: Path | None = None, inference_dir: Path | None = None) -> dict[str, int]:
    """Validate every curated file, then write all of it in one transaction. Returns counts by kind.

    Raises CuratedDataError (naming file, entry and field of each problem) and writes nothing when
    any file is bad.
    """
    from inference import curated as inference_curated
    from inference.throughput import load_throughput_profiles
    from providers import curated as providers_curated
    from providers.stats import refresh_gpu_daily_stats

    problems = Problems()
    gpu_data = providers_curated.parse(providers_dir or providers_curated.DATA_DIR, problems)
    inference_data = inference_curated.parse(
        inference_dir or inference_curated.DATA_DIR, problems, provider_offers=gpu_data.provider_offers
    )
    if problems.items:
        raise CuratedDataError(problems.items)
    with transaction.atomic():
        counts = providers_curated.save(gpu_data)
        counts |= inference_curated.save(inference_data, providers=counts.pop("_providers"))
        # Profiles name catalogue GPUs and models, so they load after them, in the same transaction.
        counts["throughput_profiles"] = load_throughput_profiles()
        # History charts read the daily statistics, never raw observations: rebuild them from the new prices.
        refresh_gpu_daily_stats()  # bumps the data version (cached pages are stale from here on)
    return counts
