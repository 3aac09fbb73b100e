"""The per-request floor for bench/load.py: a trivial authenticated API call (``GET /api/v1/me``)
and a trivial console page (the Customer Service home of a CSR with no recent activity, HTML).

    python bench/floor.py --setup var/floor-bench-sqlite.json --workload console_page --clients 1
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402


def api_me(client: load.Client, rng: random.Random, state: dict) -> int:
    status, _ = client.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {state['token']}"})
    return status


def console_page(client: load.Client, rng: random.Random, state: dict) -> int:
    client.conn.request("GET", "/service/", headers={"Cookie": f"sessionid={state['session']}"})
    response = client.conn.getresponse()
    body = response.read()
    return response.status if b"Customer Service" in body else 599


WORKLOADS = {"api_me": api_me, "console_page": console_page}


def main() -> None:
    parser = load.parser_for(WORKLOADS, requests=400)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    people = json.loads(Path(args.setup).read_text())["people"]

    def give(state: dict) -> None:
        state.update(people[state["n"] % len(people)])

    print(json.dumps(load.run_with_state(args, WORKLOADS[args.workload], [], give)))


if __name__ == "__main__":
    main()
