"""A cache that may die: Redis errors degrade to "no cache", never to a 500.

ForgivingRedisCache is Django's RedisCache whose reads miss and whose writes are dropped while Redis
is unreachable; after an error it does not try Redis again for RETRY_AFTER_SECONDS, so a dead Redis
costs each request nothing (a black-holed host would otherwise cost a connect timeout per call).
`cache_is_down()` is what /healthz reports as "degraded". Errors other than Redis's own (a value that
cannot be pickled, a bad key) still raise: those are bugs, not outages.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10.0
_MISSING = object()

# Tests move this clock.
monotonic = time.monotonic


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.down_until = 0.0
        self.last_error = ""

    def _guarded(self, operation, fallback, *args, **kwargs):
        if monotonic() < self.down_until:
            return fallback
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            if not self.last_error:
                logger.warning("cache unavailable, serving without it: %s", exc)
            self.last_error = f"{exc.__class__.__name__}: {exc}"
            self.down_until = monotonic() + RETRY_AFTER_SECONDS
            return fallback

    def get(self, key, default=None, version=None):
        value = self._guarded("get", _MISSING, key, default, version)
        return default if value is _MISSING else value

    def get_many(self, keys, version=None):
        return self._guarded("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded("has_key", False, key, version)

    def add(self, key, value, timeout=None, version=None):
        return self._guarded("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=None, version=None):
        self._guarded("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._guarded("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._guarded("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded("delete", False, key, version)

    def delete_many(self, keys, version=None):
        self._guarded("delete_many", None, keys, version)

    def clear(self):
        return self._guarded("clear", False)

    def incr(self, key, delta=1, version=None):
        value = self._guarded("incr", _MISSING, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value

    def is_down(self):
        return monotonic() < self.down_until
