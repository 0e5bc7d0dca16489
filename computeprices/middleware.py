"""Whole-page and API caching under the data version, with ETag, Last-Modified and 304s.

Two parts around GZipMiddleware (see settings.MIDDLEWARE): PageCacheMiddleware outside it keeps the
compressed body for clients that accept gzip and the plain one for the others (the key says which);
PageStampMiddleware inside it stamps the uncompressed page (ETag from the body, which GZipMiddleware
then marks weak, Last-Modified, Cache-Control).

A GET is answered from the cache when the entry for (database, UTC day, encoding, full path with its
query string; the day because "current" and "stale" change at midnight) was rendered at the current
data version (read in the same round trip);
otherwise the page is rendered and, when cacheable, stored. A publish bumps the data version, so the
next request misses and renders the new data. Every cacheable response (hit or miss, cache up or
down) carries an ETag, Last-Modified (when the data last changed) and a Cache-Control a CDN can use,
and a conditional GET that matches gets a 304.

Never cached: methods other than GET, the paths in PAGE_CACHE_EXEMPT (admin, health check),
responses that are not 200, streaming responses, responses that set cookies or vary by cookie or
say private/no-store/no-cache, and bodies over PAGE_CACHE_MAX_BYTES. A cache that raises is
skipped (logged), never an error.
"""

import hashlib
import re
from datetime import UTC, datetime, time

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from .dataversion import (
    UNPUBLISHED,
    cache_call,
    current_data_version,
    database_key,
    version_cache_key,
)
from .freshness import today_utc

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers a cached copy keeps; Date, Set-Cookie and the like are the server's per response.
SKIP_HEADERS = {"date", "set-cookie", "content-length"}


def _cacheable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = response.get("Vary", "").lower()
    return "cookie" not in vary and "*" not in vary


def _exempt(request) -> bool:
    return request.method not in ("GET", "HEAD") or any(
        request.path.startswith(prefix) for prefix in settings.PAGE_CACHE_EXEMPT
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _exempt(request):
            return self.get_response(request)
        key = None
        if settings.PAGE_CACHE_SECONDS > 0 and request.method == "GET":
            encoding = "gz" if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else "id"
            digest = hashlib.sha1(request.get_full_path().encode()).hexdigest()
            # One entry per page (the version it was rendered at is inside it, so a publish makes it
            # stale without piling up old copies), read with the data version in one round trip.
            key = f"cp:{database_key()}:page:{today_utc():%Y%m%d}:{encoding}:{digest}"
            found = cache_call("get_many", [version_cache_key(), key]) or {}
            version = current_data_version(cached=found.get(version_cache_key()))
            entry = found.get(key)
            if version is UNPUBLISHED:
                key = None
            elif entry is not None and entry[0] == version.token:
                request.data_version = version
                return _conditional(request, _from_entry(entry), version)
        else:
            version = current_data_version()
        request.data_version = version
        response = self.get_response(request)
        if not response.has_header("ETag"):  # not stamped: not cacheable
            return response
        response["X-Page-Cache"] = "miss"
        if key is not None and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES:
            entry = (
                version.token,
                response.status_code,
                [(k, v) for k, v in response.items() if k.lower() not in SKIP_HEADERS],
                response.content,
            )
            cache_call("set", key, entry, settings.PAGE_CACHE_SECONDS)
        return _conditional(request, response, version)


class PageStampMiddleware:
    """ETag (from the uncompressed body), Last-Modified (the data version's time) and Cache-Control."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _exempt(request) or not _cacheable(response):
            return response
        version = getattr(request, "data_version", None) or current_data_version()
        if not response.has_header("ETag"):  # a view's own ETag (the JSON API sets one) stands
            response["ETag"] = f'"{hashlib.sha1(response.content).hexdigest()[:20]}"'
        if version.published_at:
            response["Last-Modified"] = http_date(_last_modified(version))
        if not response.has_header("Cache-Control"):
            # Browsers revalidate every time (a cheap 304); a CDN may serve it for PAGE_CACHE_CDN_SECONDS.
            response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.PAGE_CACHE_CDN_SECONDS}"
        patch_vary_headers(response, ["Accept-Encoding"])
        return response


def _from_entry(entry):
    _, status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


def _last_modified(version) -> int:
    """When the page last changed: the last publish, or midnight UTC if later ("current" moves with the day)."""
    midnight = datetime.combine(today_utc(), time(), tzinfo=UTC)
    return int(max(version.published_at, midnight).timestamp())


def _conditional(request, response, version):
    last_modified = _last_modified(version) if version.published_at else None
    return get_conditional_response(request, etag=response.get("ETag"), last_modified=last_modified, response=response)
