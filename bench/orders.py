"""Order console workloads for bench/load.py: order search (filter + a sort), the order view, lock pairs.

    python bench/orders.py --base http://127.0.0.1:8100 --setup var/orders-bench.json \
        --workload order_search --sort total --direction desc --clients 1 --requests 400

``--setup`` is the JSON printed by bench/orders_setup.py. Each client is its own CSR.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

SORT = {"sort": "number", "direction": "asc"}


def _auth(state: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {state['token']}"}


def order_search(client: load.Client, rng: random.Random, state: dict) -> int:
    """Status + billing last name prefix, one sort, the first page with its (capped) count."""
    terms = {**rng.choice(state["samples"]), **SORT, "limit": 25}
    status, _ = client.request("GET", "/api/v1/service/orders?" + urllib.parse.urlencode(terms), headers=_auth(state))
    return status


def order_detail(client: load.Client, rng: random.Random, state: dict) -> int:
    """The order view's data of an order with 5 lines."""
    status, _ = client.request("GET", f"/api/v1/service/orders/{rng.choice(state['orders'])}", headers=_auth(state))
    return status


def lock_pair(client: load.Client, rng: random.Random, state: dict) -> int:
    """Open an order for editing and close it again: one acquire + release pair (both audited)."""
    number = state["orders"][state["n"] % len(state["orders"])]
    status, body = client.request("POST", f"/api/v1/service/orders/{number}/lock", {}, _auth(state))
    if status != 200:
        return status
    status, _ = client.request("DELETE", f"/api/v1/service/orders/{number}/lock", None,
                               {**_auth(state), "X-Lease-Token": body["lease_token"]})  # fmt: skip
    return 200 if status == 204 else status


WORKLOADS = {"order_search": order_search, "order_detail": order_detail, "order_lock": lock_pair}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--setup", required=True)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    parser.add_argument(
        "--sort", default="number", choices=["number", "store", "customer", "placed", "total", "status"]
    )
    parser.add_argument("--direction", default="asc", choices=["asc", "desc"])
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())
    SORT.update(sort=args.sort, direction=args.direction)
    original = WORKLOADS[args.workload]

    def with_state(client: load.Client, rng: random.Random, state: dict) -> int:
        if "token" not in state:
            state.update(token=setup["tokens"][state["n"] % len(setup["tokens"])], samples=setup["samples"],
                         orders=setup["orders"])  # fmt: skip
        return original(client, rng, state)

    load.WORKLOADS[args.workload] = with_state
    result = load.run(args.base, args.workload, args.clients, args.requests, args.warmup, [],
                      time.monotonic() + args.max_seconds)  # fmt: skip
    if args.workload == "order_search":
        result["workload"] = f"order_search {args.sort} {args.direction}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
