"""Every outgoing HTTP request of the scrapers goes through here.

One httpx.Client with timeouts and a User-Agent naming the site; `request()` retries network errors,
5xx and 429 with exponential backoff, honouring Retry-After (seconds or an HTTP date) up to a cap.
"""

import email.utils
import logging
import time
from datetime import UTC, datetime

import httpx

logger = logging.getLogger(__name__)

USER_AGENT = "ComputePricesBot/1.0 (+https://computeprices.example/sources/; price comparison)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 120.0

# Tests patch this to record the waits instead of sleeping.
sleep = time.sleep


class FetchError(Exception):
    """A source could not be fetched (after retries); the run fails and says why."""


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        timeout=TIMEOUT,
        follow_redirects=True,
        transport=transport,
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def request(client: httpx.Client, method: str, url: str, **kwargs) -> httpx.Response:
    """Send one request, retrying what is worth retrying; raise FetchError when it cannot succeed."""
    last_problem = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:  # timeouts, refused connections, resets
            last_problem = f"{exc.__class__.__name__}: {exc}"
        else:
            if response.status_code == 429 or response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                told = retry_after_seconds(response)
                if told is not None:
                    wait = min(told, MAX_RETRY_AFTER_SECONDS)
            elif response.status_code >= 400:
                raise FetchError(f"{method} {url}: HTTP {response.status_code}")
            else:
                return response
        if attempt < MAX_ATTEMPTS:
            logger.info("retrying %s %s in %.1fs after %s", method, url, wait, last_problem)
            sleep(wait)
    raise FetchError(f"{method} {url}: {last_problem} after {MAX_ATTEMPTS} attempts")


def get(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return request(client, "GET", url, **kwargs)


def post(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return request(client, "POST", url, **kwargs)
