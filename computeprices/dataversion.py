"""The data version every publish bumps, and what reads it: cache keys and the footer's freshness.

`bump_data_version()` is called wherever published data changes in bulk: the ingest run,
refresh_gpu_daily_stats (so load_curated and the nightly job) and synth_data; the post_save/post_delete
receivers connected in computeprices.apps for PUBLISHED_MODELS call it on every per-object save or
delete, which covers admin edits, review-queue approvals and trace imports. It updates the DataVersion
row inside the caller's transaction and drops the cached copy of the row at once and again after
commit, so a request never caches a page under a version whose data it could not yet see.

`current_data_version()` reads the row from the cache (one GET) or the database (one primary-key
read), never aggregating the price tables. Cache keys of anything computed from the data name the
database (`database_key()`: alias, host, port, name), so two databases sharing one Redis never read
each other's entries, and the version: `cache_namespace()` puts it in the key (the price-size fit),
the page cache stores it inside the entry (computeprices.middleware). Cache errors are logged and
skipped: a dead cache costs speed, never a page.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Max, Subquery
from django.utils import timezone

logger = logging.getLogger(__name__)


# Models whose per-object saves and deletes change what pages show ("app_label.ModelName").
# Bulk-written tables (daily statistics) are left out on purpose: a delete receiver would make
# Django load every row before a bulk delete; their one writer bumps the version itself.
PUBLISHED_MODELS = (
    "providers.Provider",
    "providers.Gpu",
    "providers.GpuAlias",
    "providers.GpuOffering",
    "providers.GpuPriceObservation",
    "inference.LanguageModel",
    "inference.ModelAlias",
    "inference.InferenceOffering",
    "inference.InferencePriceObservation",
    "inference.ThroughputProfile",
    "inference.EndpointMeasurement",  # issue 17's speeds (admin approvals); skipped where not installed
    "scrapers.ScrapeRun",
    "scrapers.PendingPrice",
    "traces.TraceDataset",
)


@dataclass(frozen=True)
class Version:
    version: int
    published_at: datetime | None
    gpu_prices_as_of: date | None
    token_prices_as_of: date | None

    @property
    def token(self) -> str:
        """Unique per publish, even if a restored database repeats a version number."""
        stamp = int(self.published_at.timestamp() * 1_000_000) if self.published_at else 0
        return f"{self.version}.{stamp}"


UNPUBLISHED = Version(0, None, None, None)


def database_key(using: str = DEFAULT_DB_ALIAS) -> str:
    """A short stable name for the database behind `using` (alias, host, port and name)."""
    settings_dict = connections[using].settings_dict
    raw = f"{using}|{settings_dict.get('HOST')}|{settings_dict.get('PORT')}|{settings_dict.get('NAME')}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def version_cache_key(using: str = DEFAULT_DB_ALIAS) -> str:
    return f"cp:dataversion:{database_key(using)}"


def cache_call(method: str, *args):
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:  # any cache failure: skip the cache, never fail the request or the publish
        logger.warning("cache %s failed (%s: %s); going on without the cache", method, type(exc).__name__, exc)
        return None


def _read(using: str) -> Version:
    from .models import DataVersion

    row = DataVersion.objects.using(using).filter(pk=1).first()
    if row is None:
        return UNPUBLISHED
    return Version(row.version, row.published_at, row.gpu_prices_as_of, row.token_prices_as_of)


def current_data_version(using: str = DEFAULT_DB_ALIAS, cached=None) -> Version:
    """The current data version: from the cache (no query), else one primary-key read (then cached).

    `cached` is what the caller already read from the cache under version_cache_key(), if anything.
    With DATA_VERSION_CACHE_SECONDS = 0 (a process-local cache, which another process's publish
    cannot reach) it is read from the database every time.
    """
    seconds = settings.DATA_VERSION_CACHE_SECONDS
    if seconds <= 0:
        return _read(using)
    if isinstance(cached, Version):
        return cached
    key = version_cache_key(using)
    found = cache_call("get", key)
    if isinstance(found, Version):
        return found
    version = _read(using)
    cache_call("set", key, version, seconds)
    return version


def cache_namespace(using: str = DEFAULT_DB_ALIAS, version: Version | None = None) -> str:
    """Prefix for cache keys of anything computed from the data: database and data version."""
    version = version or current_data_version(using)
    return f"cp:{database_key(using)}:v{version.token}"


def bump_data_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that the published data changed: a new version, its time, and the newest price days.

    Runs inside the caller's transaction (the row update commits or rolls back with the data).
    One UPDATE whose two subqueries read the newest day off the observed_on indexes (plus an INSERT
    the first time, when the row is missing).
    """
    from inference.models import InferencePriceObservation
    from providers.models import GpuPriceObservation

    from .models import DataVersion

    def newest(model):
        return Subquery(model.objects.using(using).order_by("-observed_on").values("observed_on")[:1])

    fields = {
        "published_at": timezone.now(),
        "gpu_prices_as_of": newest(GpuPriceObservation),
        "token_prices_as_of": newest(InferencePriceObservation),
    }
    if not DataVersion.objects.using(using).filter(pk=1).update(version=F("version") + 1, **fields):
        DataVersion.objects.using(using).create(
            pk=1,
            version=1,
            published_at=fields["published_at"],
            gpu_prices_as_of=GpuPriceObservation.objects.using(using).aggregate(d=Max("observed_on"))["d"],
            token_prices_as_of=InferencePriceObservation.objects.using(using).aggregate(d=Max("observed_on"))["d"],
        )
    key = version_cache_key(using)
    # Now (this connection sees the new row) and after commit (every connection does): a reader in
    # between may have cached the old version, which is still right for the data it could see.
    cache_call("delete", key)
    transaction.on_commit(lambda: cache_call("delete", key), using=using)


def bump_on_change(sender, using=DEFAULT_DB_ALIAS, raw=False, **kwargs):
    """post_save / post_delete receiver for PUBLISHED_MODELS (fixture loading, raw=True, is skipped)."""
    if not raw:
        bump_data_version(using)
