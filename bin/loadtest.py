#!/usr/bin/env python3
"""A bounded loopback load: C concurrent clients for S seconds against one or more paths of a local server.

    .venv/bin/python bin/loadtest.py http://127.0.0.1:8013 / /models/ --clients 50 --seconds 60
    .venv/bin/python bin/loadtest.py http://127.0.0.1:8013 /__bench__/ok --clients 8 --seconds 15 --json

Each client is a thread with its own httpx.Client (keep-alive, gzip accepted) requesting the paths in
turn. Prints requests/s, errors (non-2xx/3xx or exceptions) and latency p50/p95/p99. Bounded on
purpose: loopback hosts only, at most 200 clients, 300 seconds and 1,000,000 requests.
"""

import argparse
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

import httpx

MAX_CLIENTS, MAX_SECONDS, MAX_REQUESTS = 200, 300, 1_000_000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(base, paths, clients, seconds, timeout=30.0):
    deadline = time.perf_counter() + seconds
    latencies, errors, lock = [], [], threading.Lock()
    budget = [MAX_REQUESTS]

    def client_loop(offset):
        mine, bad = [], []
        with httpx.Client(base_url=base, timeout=timeout, headers={"Accept-Encoding": "gzip"}) as client:
            i = offset
            while time.perf_counter() < deadline:
                with lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                path = paths[i % len(paths)]
                i += 1
                start = time.perf_counter()
                try:
                    response = client.get(path)
                    response.read()
                    if response.status_code >= 400:
                        bad.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as exc:
                    bad.append(f"{path}: {exc.__class__.__name__}")
                mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "base": base,
        "paths": paths,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:5],
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8013 (loopback only)")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if urlsplit(args.base).hostname not in LOOPBACK:
        parser.error(f"loopback hosts only ({', '.join(sorted(LOOPBACK))})")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1 to {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be above 0 and at most {MAX_SECONDS}")
    result = run(args.base.rstrip("/"), args.paths, args.clients, args.seconds)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['clients']} clients x {result['seconds']} s: {result['requests']} requests, "
            f"{result['requests_per_second']}/s, {result['errors']} errors, p50 {result['p50_ms']} ms, "
            f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms"
        )
        for error in result["first_errors"]:
            print(f"  error: {error}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
