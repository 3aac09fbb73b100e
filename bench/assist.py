"""Assisted-shopping workloads for bench/load.py: Find customer, lock + unlock, assisted add.

    python bench/assist.py --base http://127.0.0.1:8100 --setup var/assist-bench.json \
        --workload find_customer --clients 1 --requests 400

``--setup`` is the JSON printed by bench/assist_setup.py. Each client acts as its own agent, in
its own assisted session, on its own customer's cart.
"""

from __future__ import annotations

import json
import random
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator


def _agent_headers(state: dict) -> dict[str, str]:
    agent = state["agent"]
    return {"Authorization": f"Bearer {agent['token']}", "X-Assisted-Session": str(agent["session"])}


def find_customer(client: load.Client, rng: random.Random, state: dict) -> int:
    """Find customer by partial email, or by first + last name prefixes (at most 20 results)."""
    query = urllib.parse.urlencode(rng.choice(state["samples"]))
    headers = {"Authorization": f"Bearer {state['agent']['token']}"}
    status, _ = client.request("GET", f"/api/v1/customers?{query}", headers=headers)
    return status


def lock_pair(client: load.Client, rng: random.Random, state: dict) -> int:
    """Acquire then release the customer's cart lease: one pair."""
    status, body = client.request("POST", "/api/v1/assist/cart/lock", {}, _agent_headers(state))
    if status != 200:
        return status
    headers = {**_agent_headers(state), "X-Lease-Token": body["lease_token"]}
    status, _ = client.request("POST", "/api/v1/assist/cart/unlock", None, headers)
    return 200 if status == 204 else status


def assisted_add(client: load.Client, rng: random.Random, state: dict) -> int:
    """An agent in an assisted session adds one line to the customer's locked cart (audited)."""
    if "lease" not in state:
        status, body = client.request("POST", "/api/v1/assist/cart/lock", {}, _agent_headers(state))
        state["lease"] = body.get("lease_token", "")
    headers = {**_agent_headers(state), "X-Lease-Token": state["lease"]}
    status, _ = client.request("POST", "/api/v1/cart/lines", {"sku_id": rng.choice(state["skus"]), "quantity": 1},
                               headers)  # fmt: skip
    return status


WORKLOADS = {"find_customer": find_customer, "lock": lock_pair, "assisted_add": assisted_add}


def main() -> None:
    parser = load.parser_for(WORKLOADS, requests=400)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())
    agents = setup["agents"]

    def give(state: dict) -> None:
        # Each client keeps the 20 SKUs load.run gave it, so a customer's cart stays a realistic
        # size (up to 20 lines) however many adds are measured; it acts as its own agent.
        state.update(agent=agents[state["n"] % len(agents)], samples=setup["samples"])

    print(json.dumps(load.run_with_state(args, WORKLOADS[args.workload], setup["skus"], give)))


if __name__ == "__main__":
    main()
