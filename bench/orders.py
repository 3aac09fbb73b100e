"""Order console workloads for bench/load.py: order search (filter + a sort), the order view, lock pairs.

    python bench/orders.py --base http://127.0.0.1:8100 --setup var/orders-bench.json \
        --workload order_search --sort total --direction desc --clients 1 --requests 400

``--setup`` is the JSON printed by bench/orders_setup.py. Each client is its own CSR.
"""

from __future__ import annotations

import json
import random
import sys
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
    parser = load.parser_for(WORKLOADS, requests=400)
    parser.add_argument("--setup", required=True)
    parser.add_argument(
        "--sort", default="number", choices=["number", "store", "customer", "placed", "total", "status"]
    )
    parser.add_argument("--direction", default="asc", choices=["asc", "desc"])
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())
    SORT.update(sort=args.sort, direction=args.direction)

    def give(state: dict) -> None:
        tokens = setup["tokens"]
        state.update(token=tokens[state["n"] % len(tokens)], samples=setup["samples"], orders=setup["orders"])

    result = load.run_with_state(args, WORKLOADS[args.workload], [], give)
    if args.workload == "order_search":
        result["workload"] = f"order_search {args.sort} {args.direction}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
