"""A small closed-loop HTTP load generator: C clients, N measured requests, latency percentiles.

    python bench/load.py --base http://127.0.0.1:8100 --workload search --clients 1 --requests 300

Each client is a thread with its own keep-alive connection. Requests are bounded in count and
time; only the loopback address is ever a target.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable

WORDS = ["alpine", "summit", "ridge", "canyon", "merino", "nylon", "canvas", "runner", "boot", "jacket", "pack",
         "tent", "glacier", "harbor", "titanium", "carbon", "parka", "hoodie", "falcon", "sierra"]  # fmt: skip


class Client:
    def __init__(self, base: str) -> None:
        url = urllib.parse.urlsplit(base)
        if url.hostname not in {"127.0.0.1", "localhost", "::1"}:
            raise SystemExit("bench targets loopback only")
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        self.conn.request(method, path, body=data, headers=hdrs)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else {}


def search_workload(client: Client, rng: random.Random, state: dict) -> int:
    q = f"{rng.choice(WORDS)} {rng.choice(WORDS)[:4]}"
    status, _ = client.request("GET", "/api/v1/catalog/search?" + urllib.parse.urlencode({"q": q, "limit": 24}))
    return status


def add_to_cart_workload(client: Client, rng: random.Random, state: dict) -> int:
    headers = {"X-Cart-Token": state["token"]} if state.get("token") else {}
    sku = rng.choice(state["skus"])
    status, body = client.request("POST", "/api/v1/cart/lines", {"sku_id": sku, "quantity": 1}, headers)
    if status == 201 and body.get("token"):
        state["token"] = body["token"]
    return status


Workload = Callable[[Client, random.Random, dict], int]
WORKLOADS: dict[str, Workload] = {"search": search_workload, "add_to_cart": add_to_cart_workload}


def run(base: str, workload: str, clients: int, requests: int, warmup: int, skus: list[int], deadline: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    # Every client warms up, then all start measuring together: req/s counts measured requests over
    # the time they took, not the warm-up's too (which, at 8 clients, was 240 requests more).
    measuring = threading.Barrier(clients + 1)

    def worker(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        state = {"n": n, "skus": skus[n * 20 % max(1, len(skus)) :][:20] or skus}
        fn = WORKLOADS[workload]
        try:
            client = Client(base)
            for _ in range(warmup):
                fn(client, rng, state)
        finally:
            measuring.wait()
        # A fresh connection: the server may close one that idled while the others warmed up.
        client.conn.close()
        for _ in range(per_client):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            status = fn(client, rng, state)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status >= 400:
                    errors += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    measuring.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"workload": workload, "clients": clients, "requests": len(latencies), "errors": errors,
            "p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "req_per_s": round(len(latencies) / wall, 1)}  # fmt: skip


def parser_for(workloads: dict, *, requests: int) -> argparse.ArgumentParser:
    """The options every bench client takes: where, which workload, how many clients and requests."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--workload", choices=sorted(workloads), required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=120)
    return parser


def run_with_state(args: argparse.Namespace, workload: Workload, skus: list[int], give: Callable[[dict], None]) -> dict:
    """Run ``workload`` as ``args`` say, ``give`` filling each client's state before its first request."""

    def with_state(client: Client, rng: random.Random, state: dict) -> int:
        if not state.get("given"):
            give(state)
            state["given"] = True
        return workload(client, rng, state)

    WORKLOADS[args.workload] = with_state
    return run(args.base, args.workload, args.clients, args.requests, args.warmup, skus,
               time.monotonic() + args.max_seconds)  # fmt: skip


def main() -> None:
    parser = parser_for(WORKLOADS, requests=300)
    parser.add_argument("--skus", default="", help="Comma-separated SKU ids for add_to_cart.")
    args = parser.parse_args()
    skus = [int(s) for s in args.skus.split(",") if s]
    result = run(args.base, args.workload, args.clients, args.requests, args.warmup, skus,
                 time.monotonic() + args.max_seconds)  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
