"""The one ingest path: fetch -> parse -> normalize -> match names -> validate -> save, and its ScrapeRun.

`run_source()` is what the command, the Celery task and the tests call. Saving is one transaction per
run with a constant number of queries whatever the number of rows (lookups by `__any_of`, one array
parameter on PostgreSQL; bulk writes):

  catalogue: providers, provider aliases, items (GPUs/models), item aliases        4 queries
  offerings: existing, bulk create of the missing ones, re-read                   <= 3
  validation: each offering's last price, the market for each item                 2
  upsert: same-day rows of this source, queued rows, bulk create, bulk update       4
  last_seen_on, unmatched names, the run itself                                    ~4

A price that moved 5x or more from the offering's last published price, or a new offering far
outside the market for its GPU/model, goes to the review queue (PendingPrice) instead. Curated rows
are never written: a curated row on the same offering, day and source counts as unchanged.
"""

import logging
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from computeprices.dataversion import bump_data_version
from computeprices.freshness import today_utc
from inference.models import InferenceOffering, InferencePriceObservation, LanguageModel, ModelAlias, blended_price
from providers.models import PUBLISH_ORDER, Gpu, GpuAlias, GpuOffering, GpuPriceObservation, Provider, normalize_alias

from . import drift, http, precedence, staging
from .models import PendingPrice, ProviderAlias, ScrapeRun, UnmatchedName
from .normalize import Refused, gpu_price, token_price

logger = logging.getLogger(__name__)

SAME_PRICE = Decimal("0.0001")  # relative: stored columns round what a source states
MOVE_FACTOR = Decimal(5)
MARKET_FACTOR = Decimal(5)
MARKET_MIN_SAMPLES = 3
MAX_UNMATCHED_LISTED = 500


class Catalogue:
    """Name -> id lookups for one run through the one resolver (ProviderAlias.objects.resolve for providers,
    the alias querysets' resolve() for GPUs and models): four queries."""

    def __init__(self, kind, records):
        self.kind = kind
        self.providers = ProviderAlias.objects.resolve({r.provider for r in records})
        names = set()
        for record in records:
            names.update(kind.names(record))
        self.items = kind.alias_model.objects.resolve(names)

    def provider(self, raw):
        return self.providers.get(raw)

    def item(self, record):
        for raw in self.kind.names(record):
            pk = self.items.get(raw)
            if pk is not None:
                return pk
        return None


@dataclass
class _Row:
    key: tuple
    price: object  # GpuPrice | TokenPrice
    offering_id: int | None = None
    provider_page: str = ""


_GPU_REGION_LENGTH = GpuOffering._meta.get_field("region").max_length
_GPU_INSTANCE_LENGTH = GpuOffering._meta.get_field("instance_name").max_length


class GpuKind:
    item_kind = UnmatchedName.Kind.GPU
    item_model = Gpu
    alias_model = GpuAlias
    offering_model = GpuOffering
    observation_model = GpuPriceObservation
    offering_item_field = "gpu_id"
    offering_key_fields = ("provider_id", "gpu_id", "gpus_per_instance", "pricing_type", "region", "instance_name")
    update_fields = ["usd_per_gpu_hour", "usd_per_instance_hour", "source_url", "origin_url", "price_date", "rank"]
    compared_fields = ["usd_per_gpu_hour"]  # what observed_value() reads

    normalize = staticmethod(gpu_price)

    @staticmethod
    def observed_value(obs):
        return obs.usd_per_gpu_hour

    @staticmethod
    def names(record):
        return [n for n in (record.gpu, *record.gpu_candidates) if n]

    @staticmethod
    def raw_item(record):
        return record.gpu

    @staticmethod
    def key(provider_id, item_id, record):
        # Names cut to their columns, as stored: PostgreSQL refuses a longer value and SQLite would keep it, so
        # uncut, one payload would fail on one database and make two offerings on the other.
        return (
            provider_id,
            item_id,
            record.gpus_per_instance,
            record.pricing_type,
            record.region[:_GPU_REGION_LENGTH],
            record.instance_name[:_GPU_INSTANCE_LENGTH],
        )

    @staticmethod
    def offering_key(o):
        return (o.provider_id, o.gpu_id, o.gpus_per_instance, o.pricing_type, o.region, o.instance_name)

    @staticmethod
    def new_offering(key, price):
        """{field: value} of the offering a row creates; the model's defaults for the rest."""
        provider_id, gpu_id, gpus, pricing_type, region, instance = key
        r = price.record
        return {
            "provider_id": provider_id,
            "gpu_id": gpu_id,
            "gpus_per_instance": gpus,
            "pricing_type": pricing_type,
            "region": region,
            "instance_name": instance,
            "vcpus": r.vcpus,
            "ram_gb": r.ram_gb,
        }

    @staticmethod
    def market_key(key):
        return (key[1], key[3])  # GPU, pricing type

    @staticmethod
    def comparable(price):
        return price.usd_per_gpu_hour

    @staticmethod
    def latest_prices(offerings, day):
        """(offering id, market key, newest per-GPU-hour price on or before day) of offerings that have one:
        one query."""
        rows = _newest_observations(GpuKind, offerings, day).values_list(
            "offering_id", "offering__gpu_id", "offering__pricing_type", "usd_per_gpu_hour"
        )
        return [(pk, (gpu_id, kind), p) for pk, gpu_id, kind, p in rows]

    @staticmethod
    def observation_values(price):
        return {
            "usd_per_gpu_hour": price.usd_per_gpu_hour,
            "usd_per_instance_hour": price.usd_per_instance_hour,
            "source_url": price.record.source_url[:500],
            "origin_url": price.record.origin_url[:500],
            "price_date": price.record.price_date,
        }

    @staticmethod
    def pending_from_observation(obs):
        return {"usd_per_gpu_hour": obs.usd_per_gpu_hour, "usd_per_instance_hour": obs.usd_per_instance_hour}

    @staticmethod
    def pending_values(price):
        return {
            "usd_per_gpu_hour": price.usd_per_gpu_hour,
            "usd_per_instance_hour": price.usd_per_instance_hour,
            "source_url": price.record.source_url[:500],
        }

    pending_offering_field = "gpu_offering_id"


class TokenKind:
    item_kind = UnmatchedName.Kind.MODEL
    item_model = LanguageModel
    alias_model = ModelAlias
    offering_model = InferenceOffering
    observation_model = InferencePriceObservation
    offering_item_field = "model_id"
    offering_key_fields = ("provider_id", "model_id", "quantization", "serving_kind", "region")
    update_fields = [
        "usd_per_mtok_input",
        "usd_per_mtok_output",
        "usd_per_mtok_cached_input",
        "usd_per_mtok_cache_write",
        "batch_discount",
        "context_served",
        "source_url",
        "origin_url",
        "price_date",
        "rank",
    ]

    compared_fields = ["usd_per_mtok_input", "usd_per_mtok_output"]  # what observed_value() reads
    normalize = staticmethod(token_price)

    @staticmethod
    def observed_value(obs):
        return blended_price(obs.usd_per_mtok_input, obs.usd_per_mtok_output)

    @staticmethod
    def names(record):
        return [n for n in (record.model, *record.model_candidates) if n]

    @staticmethod
    def raw_item(record):
        return record.model

    @staticmethod
    def key(provider_id, item_id, record):
        return (provider_id, item_id, record.quantization[:20], record.serving_kind, record.region[:60])

    @staticmethod
    def offering_key(o):
        return (o.provider_id, o.model_id, o.quantization, o.serving_kind, o.region)

    @staticmethod
    def new_offering(key, price):
        """{field: value} of the offering a row creates; the model's defaults for the rest."""
        provider_id, model_id, quantization, serving_kind, region = key
        return {
            "provider_id": provider_id,
            "model_id": model_id,
            "quantization": quantization,
            "serving_kind": serving_kind,
            "region": region,
        }

    @staticmethod
    def market_key(key):
        return (key[1], key[3])  # model, serving kind

    @staticmethod
    def comparable(price):
        return price.blended

    @staticmethod
    def latest_prices(offerings, day):
        """(offering id, market key, newest blended price on or before day) of offerings that have one: one
        query."""
        rows = _newest_observations(TokenKind, offerings, day).values_list(
            "offering_id", "offering__model_id", "offering__serving_kind", "usd_per_mtok_input", "usd_per_mtok_output"
        )
        return [(pk, (model_id, kind), blended_price(i, o)) for pk, model_id, kind, i, o in rows]

    @staticmethod
    def observation_values(price):
        return {
            "usd_per_mtok_input": price.input,
            "usd_per_mtok_output": price.output,
            "usd_per_mtok_cached_input": price.cached_input,
            "usd_per_mtok_cache_write": price.cache_write,
            "batch_discount": price.batch_discount,
            "context_served": price.record.context,
            "source_url": price.record.source_url[:500],
            "origin_url": price.record.origin_url[:500],
            "price_date": price.record.price_date,
        }

    @staticmethod
    def pending_values(price):
        values = TokenKind.observation_values(price)
        del values["origin_url"], values["price_date"]
        return values

    @staticmethod
    def pending_from_observation(obs):
        return {
            f: getattr(obs, f)
            for f in (
                "usd_per_mtok_input",
                "usd_per_mtok_output",
                "usd_per_mtok_cached_input",
                "usd_per_mtok_cache_write",
                "batch_discount",
                "context_served",
            )
        }

    pending_offering_field = "inference_offering_id"


KINDS = {"gpu": GpuKind, "token": TokenKind}


def _newest_observations(kind, offerings, day):
    """The observation each of `offerings` publishes among those on or before `day` (the first in
    PUBLISH_ORDER), as a queryset: one correlated subquery per offering picks its id (one probe of the
    observations' publish-order index), whatever the offering's history; offerings without one are absent."""
    model = kind.observation_model
    newest = model.objects.filter(offering=OuterRef("pk"), observed_on__lte=day).order_by(*PUBLISH_ORDER)
    picked = offerings.order_by().annotate(newest=Subquery(newest.values("pk")[:1])).values("newest")
    return model.objects.filter(pk__in=picked).order_by()


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if len(values) >= MARKET_MIN_SAMPLES else None


def _moved(price, reference, factor):
    if reference is None or reference <= 0:
        return False
    return price >= reference * factor or price * factor <= reference  # 5.0x is reviewed, 4.99x published


def run_source(source, *, payload=None, day=None, dry_run=False, client=None) -> ScrapeRun:
    """Run one source end to end and return its ScrapeRun (saved unless dry_run). Never raises for a
    source's failure: the run is marked failed, with the error, and nothing of it is written."""
    day = day or today_utc()
    run = ScrapeRun(source=source.name, observed_on=day, dry_run=dry_run, started=timezone.now())
    if not dry_run:
        run.save()
    try:
        source.check_contract()
        if payload is None:
            own_client = client is None
            client = client or http.make_client()
            try:
                payload = source.fetch(client)
            finally:
                if own_client:
                    client.close()
        parsed = source.parse(payload)
        getattr(source, "ingest", ingest)(source, parsed, run=run, day=day, dry_run=dry_run)  # speed sources: own
    except Exception as exc:  # a failed source is recorded, never propagated to the other sources
        logger.exception("scrape %s failed", source.name)
        run.status = ScrapeRun.Status.FAILED
        run.rows_new = run.rows_changed = run.rows_unchanged = run.rows_flagged = 0  # nothing was written
        run.error = f"{exc.__class__.__name__}: {exc}"[:5000]
    run.finished = timezone.now()
    if not dry_run:
        run.save()
    return run


def ingest(source, parsed, *, run, day, dry_run=False):
    """Normalize, match, validate and save parsed records; fills the run's counts and status."""
    kind = KINDS[source.kind]
    run.rows_seen = parsed.rows_seen
    reasons = Counter()
    for skip in parsed.skipped:
        if skip.refused:
            run.rows_refused += 1
            reasons[skip.reason] += 1
        else:
            run.rows_skipped += 1
    prices = []
    for record in parsed.records:
        try:
            prices.append(kind.normalize(record))
        except Refused as exc:
            run.rows_refused += 1
            reasons[str(exc)] += 1

    if parsed.models and not dry_run:
        run.models_created = grow_models(source, parsed.models)
    catalogue = Catalogue(kind, [p.record for p in prices])
    unmatched = Counter()
    rows = {}
    for price in prices:
        record = price.record
        provider_id, item_id = catalogue.provider(record.provider), catalogue.item(record)
        if provider_id is None:
            unmatched[(UnmatchedName.Kind.PROVIDER, record.provider)] += 1
        if item_id is None:
            unmatched[(kind.item_kind, kind.raw_item(record))] += 1
        if provider_id is None or item_id is None:
            run.rows_unmatched += 1
            continue
        key = kind.key(provider_id, item_id, record)
        if key in rows:
            run.rows_collapsed += 1
            if kind.comparable(price) >= kind.comparable(rows[key].price):
                continue
        rows[key] = _Row(key, price)

    if not parsed.records and not parsed.skipped:
        raise ValueError("the payload held no rows at all (did the format change?)")

    pages = dict(Provider.objects.filter(pk__any_of={key[0] for key in rows}).values_list("pk", "pricing_url"))
    for row in rows.values():
        row.provider_page = pages.get(row.key[0], "")
    with transaction.atomic():
        _save(source, kind, run, rows, day, dry_run)
        run.refusal_reasons = dict(reasons.most_common())
        run.unmatched_names = [[k, name, n] for (k, name), n in unmatched.most_common(MAX_UNMATCHED_LISTED)]
        if not dry_run:
            # Names this source no longer fails to match (an alias was added, or it stopped using them).
            UnmatchedName.objects.filter(source=source.name, resolved=False).exclude(
                raw_name__any_of={name[:200] for _, name in unmatched}
            ).update(resolved=True)
        if not dry_run:
            bump_data_version()  # pages and API answers cached under the old version are now stale
        if not dry_run and unmatched:
            now = timezone.now()
            UnmatchedName.objects.bulk_create(
                [
                    UnmatchedName(source=source.name, kind=k, raw_name=name[:200], rows=n, last_seen=now, last_run=run)
                    for (k, name), n in unmatched.items()
                ],
                update_conflicts=True,
                unique_fields=["source", "kind", "raw_name"],
                update_fields=["rows", "last_seen", "last_run", "resolved"],
            )
        drift.check_run(source, run, parsed)  # raises Drift: the transaction rolls back, the run fails
    problems = run.rows_refused + run.rows_unmatched + run.rows_flagged
    run.status = ScrapeRun.Status.PARTIAL if problems else ScrapeRun.Status.OK
    return run


def grow_models(source, facts) -> int:
    """Create the models a source states facts about (name, creator, context, open weights) that no alias
    or catalogue entry answers to: unreviewed, each fact with its source, and the source's id as an alias.
    Three queries plus the inserts; returns how many were created."""
    from django.utils.text import slugify

    known = ModelAlias.objects.resolve({f.model_id for f in facts} | {a for f in facts for a in f.aliases})
    taken = set(LanguageModel.objects.values_list("slug", flat=True))
    new, aliases = [], []
    for f in facts:
        if f.model_id in known or any(a in known for a in f.aliases):
            continue
        base = slugify(f.model_id.split("/", 1)[-1])[:140] or "model"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        facts_url = f.source_url or source.url
        model = LanguageModel(
            slug=slug,
            name=f.name or f.model_id,
            creator=f.creator[:100],
            context_window=f.context,
            open_weights=bool(f.open_weights),
            source_url=facts_url[:500],
            reviewed=False,
            fact_sources={
                k: facts_url
                for k, v in (("name", f.name), ("context_window", f.context), ("open_weights", f.open_weights))
                if v
            },
        )
        new.append(model)
        for alias in dict.fromkeys((f.model_id, *f.aliases)):
            aliases.append((model, alias))
        known[f.model_id] = True
    if not new:
        return 0
    LanguageModel.objects.bulk_create(new)
    by_slug = dict(LanguageModel.objects.filter(slug__in=[m.slug for m in new]).values_list("slug", "pk"))
    ModelAlias.objects.bulk_create(
        [ModelAlias(model_id=by_slug[m.slug], alias=normalize_alias(a)[:200]) for m, a in aliases],
        ignore_conflicts=True,
    )
    return len(new)


def _save(source, kind, run, rows, day, dry_run):
    offering_model, observation_model = kind.offering_model, kind.observation_model
    provider_ids = {key[0] for key in rows}
    item_ids = {key[1] for key in rows}
    item_filter = {f"{kind.offering_item_field}__any_of": item_ids}
    copy = staging.is_available()  # PostgreSQL: new rows travel by COPY, then one set-based upsert per table

    def read_offerings():
        found = offering_model.objects.filter(provider_id__any_of=provider_ids, **item_filter).order_by()
        return {row[:-1]: row[-1] for row in found.values_list(*kind.offering_key_fields, "pk")}

    offerings = read_offerings() if rows else {}
    missing = [key for key in rows if key not in offerings]
    if missing and not dry_run:
        new = [kind.new_offering(k, rows[k].price) for k in missing]
        if copy:  # tuples straight from the values and the fields' defaults (none is callable): no model instances
            fields = [f for f in offering_model._meta.concrete_fields if not f.primary_key]
            defaults = {f.attname: f.get_default() for f in fields}
            names = list(defaults)
            staging.upsert(offering_model, names, [tuple({**defaults, **o}.values()) for o in new])
        else:
            offering_model.objects.bulk_create([offering_model(**o) for o in new], ignore_conflicts=True)
        offerings = read_offerings()
    for key, row in rows.items():
        row.offering_id = offerings.get(key)
    ids = {row.offering_id for row in rows.values() if row.offering_id is not None}

    # Validation references: each offering's last price, and the market: current prices of the same
    # GPU at the same pricing type (spot is not compared with on-demand), or model and serving kind.
    # Only offerings without a last price are compared with the market: the market is read for the items of
    # those rows only (a rerun of known offerings reads none).
    previous, market = {}, {}
    for pk, _market_key, price in kind.latest_prices(offering_model.objects.filter(pk__any_of=ids), day) if ids else []:
        previous[pk] = price
    first_seen_items = {row.key[1] for row in rows.values() if previous.get(row.offering_id) is None}
    if first_seen_items:
        current = (
            offering_model.objects.market(day)
            .filter(**{f"{kind.offering_item_field}__any_of": first_seen_items})
            .exclude(pk__any_of=ids)
        )
        for _, market_key, price in kind.latest_prices(current, day):
            market.setdefault(market_key, []).append(price)
    for row in rows.values():
        market.setdefault(kind.market_key(row.key), []).append(kind.comparable(row.price))
    medians = {market_key: _median(values) for market_key, values in market.items()}
    medians_30d = drift.thirty_day_medians(kind, ids, day)

    existing, others = {}, {}
    already_queued = set()
    held = {}  # offering id -> (status, price) of this source's price held for review today, not approved
    if ids:
        # Same-day rows of every source on these offerings: this source's own (to upsert) and the others'
        # (source precedence: scrapers.precedence).
        same_day = observation_model.objects.filter(offering_id__any_of=ids, observed_on=day).order_by()
        for fact in same_day.values("pk", "offering_id", "source", "is_curated", *kind.update_fields):
            o = SimpleNamespace(**fact)  # what the checks below read; no model instance per row
            if o.source == source.name:
                existing[o.offering_id] = o
            else:
                others.setdefault(o.offering_id, []).append(o)
        queued = PendingPrice.objects.filter(
            **{f"{kind.pending_offering_field}__any_of": ids}, observed_on=day, source=source.name
        ).order_by()
        for fact in queued.values(kind.pending_offering_field, "status", *kind.compared_fields):
            already_queued.add(fact[kind.pending_offering_field])
            if fact["status"] != PendingPrice.Status.APPROVED:
                held[fact[kind.pending_offering_field]] = (fact["status"], kind.observed_value(SimpleNamespace(**fact)))

    to_create, to_update, to_queue, published, outranked = [], [], [], [], []
    for row in rows.values():
        price = row.price
        rank = source.rank_for(price.record)
        value = kind.comparable(price)
        reference = previous.get(row.offering_id)
        reason = None
        higher = [
            o
            for o in others.get(row.offering_id, ())
            if precedence.rank_of(o) > rank and precedence.disagree(value, kind.observed_value(o))
        ]
        if higher:
            reference = kind.observed_value(higher[0])
            reason = (
                f"disagrees by more than {precedence.DISAGREEMENT:.0%} with {higher[0].source} "
                f"({reference:.4f}), which ranks higher; this source says {value:.4f}"
            )
        elif reference is not None and _moved(value, reference, MOVE_FACTOR):
            reason = f"moved {MOVE_FACTOR}x or more from the last published price"
        elif reference is not None and drift.past_median(value, medians_30d.get(row.offering_id)):
            reference = medians_30d[row.offering_id]
            reason = f"drifted {drift.MEDIAN_FACTOR}x or more from its {drift.MEDIAN_WINDOW_DAYS}-day median"
        elif reference is None and _moved(value, medians.get(kind.market_key(row.key)), MARKET_FACTOR):
            reference = medians.get(kind.market_key(row.key))
            reason = f"new offering {MARKET_FACTOR}x or more from the market median"
        elif reference is None and kind is TokenKind and price.output < price.input:
            # Checked on first sight only: once an admin approves such a price it is the reference.
            reference, reason = price.input, "output cheaper than input (swapped or wrong unit?)"
        elif row.offering_id in held and _same_price(held[row.offering_id][1], value):
            # The checks moved under it since (today's market median shifted as other prices published): the
            # review decides, a same-day rerun does not publish what it held or what a reviewer rejected.
            status, reference = held[row.offering_id]
            rejected = status == PendingPrice.Status.REJECTED
            reason = "rejected by a reviewer today" if rejected else "held for review today"
        if reason:
            run.rows_flagged += 1
            if row.offering_id is not None and row.offering_id not in already_queued:
                to_queue.append(
                    PendingPrice(
                        source=source.name,
                        observed_on=day,
                        run=run if not dry_run else None,
                        reason=reason[:200],
                        reference_price=Decimal(reference).quantize(Decimal("0.000001")),
                        **{kind.pending_offering_field: row.offering_id},
                        **kind.pending_values(price),
                    )
                )
            continue
        # A lower-ranked scraped row of the same day that disagrees leaves the published set for review.
        for o in others.get(row.offering_id, ()):
            if precedence.rank_of(o) < rank and precedence.disagree(kind.observed_value(o), value):
                outranked.append(o)
                to_queue.append(
                    PendingPrice(
                        source=o.source,
                        observed_on=day,
                        run=None,
                        reason=(
                            f"disagrees by more than {precedence.DISAGREEMENT:.0%} with {source.name} "
                            f"({value:.4f}), which ranks higher; this source said {kind.observed_value(o):.4f}"
                        )[:200],
                        reference_price=Decimal(value).quantize(Decimal("0.000001")),
                        source_url=o.source_url,
                        **{kind.pending_offering_field: row.offering_id},
                        **kind.pending_from_observation(o),
                    )
                )
        values = {**kind.observation_values(price), "rank": rank}
        if not values["origin_url"]:
            values["origin_url"] = source.url[:500]
        if not values["source_url"]:
            values["source_url"] = row.provider_page[:500]
        obs = existing.get(row.offering_id)
        if obs is None:
            run.rows_new += 1
            to_create.append({"offering_id": row.offering_id, "observed_on": day, "source": source.name, **values})
        elif obs.is_curated or all(getattr(obs, f) == v for f, v in values.items()):
            run.rows_unchanged += 1
        else:
            run.rows_changed += 1
            to_update.append({"pk": obs.pk, "offering_id": row.offering_id, "observed_on": day, **values})
        if row.offering_id is not None:
            published.append(row.offering_id)

    if dry_run:
        return
    _write_observations(kind, source, to_create, to_update, copy)
    if to_queue:
        PendingPrice.objects.bulk_create(to_queue, ignore_conflicts=True)
    if outranked:
        observation_model.objects.filter(pk__any_of={o.pk for o in outranked})._raw_delete(observation_model.objects.db)
    if published:
        # The one writer of the offerings' dates (bulk writes skip Observation.save()).
        offering_model.objects.filter(pk__any_of={*published, *(o.offering_id for o in outranked)}).refresh_seen()
        _retire_curated(source, kind, published)


def _same_price(stored, value) -> bool:
    """The same price as one stored at the columns' places (4 for GPU-hours, 6 per 1M tokens)."""
    return stored is not None and value is not None and abs(stored - value) <= max(stored, value) * SAME_PRICE


def _write_observations(kind, source, to_create, to_update, copy):
    """Insert the new rows and update the changed ones (this source's own, never curated). PostgreSQL: one
    COPY into a staging table and one INSERT ... ON CONFLICT DO UPDATE for both; elsewhere bulk_create and
    bulk_update."""
    model = kind.observation_model
    if copy:
        columns = ["offering_id", "observed_on", "source", *kind.update_fields, "is_curated"]
        fields = kind.update_fields
        staged = [
            (r["offering_id"], r["observed_on"], source.name, *[r[f] for f in fields], False)
            for r in (*to_create, *to_update)
        ]
        staging.upsert(
            model,
            columns,
            staged,
            conflict=("offering_id", "observed_on", "source"),
            update=kind.update_fields,
            keep_where="is_curated",
        )
        return
    model.objects.bulk_create([model(**r) for r in to_create])
    if to_update:
        model.objects.bulk_update(
            [model(pk=r["pk"], **{f: r[f] for f in kind.update_fields}) for r in to_update], kind.update_fields
        )


def _retire_curated(source, kind, published):
    """A scraped source that covers an instance retires the curated rows of the same instance (other regions
    included): they stay in history but leave the listings, so one instance is never listed twice."""
    if kind is not GpuKind:
        return
    covered = GpuOffering.objects.filter(pk__any_of=set(published)).exclude(instance_name="")
    same_instance = Q()
    for provider_id, gpu_id, gpus, pricing_type, instance in covered.values_list(
        "provider_id", "gpu_id", "gpus_per_instance", "pricing_type", "instance_name"
    ).distinct():
        same_instance |= Q(
            provider_id=provider_id,
            gpu_id=gpu_id,
            gpus_per_instance=gpus,
            pricing_type=pricing_type,
            instance_name__iexact=instance,
        )
    if same_instance:
        GpuOffering.objects.filter(same_instance, last_scraped_on__isnull=True, retired_by="").exclude(
            pk__any_of=set(published)
        ).update(retired_by=source.name[:60])
