"""Every outgoing HTTP request of the scrapers goes through here.

One httpx.Client with timeouts and a User-Agent naming the site; `request()` retries network errors,
5xx and 429 with exponential backoff, honouring Retry-After (seconds or an HTTP date) up to a cap.

Bounded whatever the server does: the body is streamed and refused past MAX_RESPONSE_BYTES; one call
(every attempt and wait together) stops at TOTAL_DEADLINE_SECONDS, checked between chunks, so a server
dripping a byte every few seconds cannot hold a worker; redirects stop after MAX_REDIRECTS.
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
TOTAL_DEADLINE_SECONDS = 180.0  # one request() call, all attempts and waits included
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # the largest recorded payloads (SkyPilot azure.csv, Azure pages) are ~3.6 MB
MAX_REDIRECTS = 5

# Tests patch these to record the waits instead of sleeping, and to move the clock.
sleep = time.sleep
monotonic = time.monotonic


class FetchError(Exception):
    """A source could not be fetched (after retries); the run fails and says why."""


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        timeout=TIMEOUT,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
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
    deadline = monotonic() + TOTAL_DEADLINE_SECONDS
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
        try:
            response = _bounded_request(client, method, url, deadline, **kwargs)
        except httpx.TooManyRedirects:
            raise FetchError(f"{method} {url}: more than {MAX_REDIRECTS} redirects (a loop?)") from None
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
        if monotonic() + wait >= deadline:
            raise FetchError(f"{method} {url}: {last_problem}; gave up at the {TOTAL_DEADLINE_SECONDS:.0f}s deadline")
        if attempt < MAX_ATTEMPTS:
            logger.info("retrying %s %s in %.1fs after %s", method, url, wait, last_problem)
            sleep(wait)
    raise FetchError(f"{method} {url}: {last_problem} after {MAX_ATTEMPTS} attempts")


def _bounded_request(client, method, url, deadline, **kwargs) -> httpx.Response:
    """The response with its body read, or FetchError once the body passes the size cap or the deadline."""
    with client.stream(method, url, **kwargs) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise FetchError(f"{method} {url}: {declared} bytes declared, over the {MAX_RESPONSE_BYTES} byte cap")
        body = bytearray()
        for chunk in response.iter_bytes():  # as it arrives: a chunk size would wait to fill it
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                raise FetchError(f"{method} {url}: body over the {MAX_RESPONSE_BYTES} byte cap")
            if monotonic() > deadline:
                raise FetchError(f"{method} {url}: still reading at the {TOTAL_DEADLINE_SECONDS:.0f}s deadline")
    # The body is decoded already: drop the headers that describe the encoded one.
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request, history=response.history
    )


def get(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return request(client, "GET", url, **kwargs)


def post(client: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return request(client, "POST", url, **kwargs)
