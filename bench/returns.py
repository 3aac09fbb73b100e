"""Warehouse workloads for bench/load.py: the Returns search under each kind of search term.

    python bench/returns.py --base http://127.0.0.1:8103 --setup var/returns-bench.json \
        --workload name_status --clients 1 --requests 300

``--setup`` is the JSON printed by bench/returns_setup.py. Each client is its own warehouse user.
"""

from __future__ import annotations

import json
import random
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

KINDS = ["rma", "order_number", "name_status", "email", "status_dates"]


def returns_search(client: load.Client, rng: random.Random, state: dict) -> int:
    """The Returns search (GET /api/v1/service/returns) with one sample of this workload's terms."""
    terms = rng.choice(state["samples"])
    status, _ = client.request("GET", "/api/v1/service/returns?" + urllib.parse.urlencode(terms),
                               headers={"Authorization": f"Bearer {state['token']}"})  # fmt: skip
    return status


def main() -> None:
    parser = load.parser_for(dict.fromkeys(KINDS, returns_search), requests=300)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())

    def give(state: dict) -> None:
        tokens = setup["tokens"]
        state.update(token=tokens[state["n"] % len(tokens)], samples=setup["samples"][args.workload])

    result = load.run_with_state(args, returns_search, [], give)
    result["workload"] = f"returns_search {args.workload}"
    result["raw_sql"] = setup["raw_sql"][args.workload]
    result["returns"] = setup["returns"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
