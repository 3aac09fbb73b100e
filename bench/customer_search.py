"""Users search workloads for bench/load.py: GET /api/v1/customers/users sorted by each column.

    python bench/customer_search.py --base http://127.0.0.1:8104 --setup var/customer-search-bench.json \
        --workload last_name_asc_later --clients 1 --requests 300

``--setup`` is the JSON printed by bench/customer_search_setup.py. Each client is its own CSR.
"""

from __future__ import annotations

import json
import random
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

COLUMNS = ["shared_id", "billing_address", "email", "first_name", "last_name", "phone"]
KINDS = [f"{c}_{o}_{p}" for c in COLUMNS for o in ("asc", "desc") for p in ("first", "later")]
KINDS += [f"name_{c}" for c in COLUMNS]


def users_search(client: load.Client, rng: random.Random, state: dict) -> int:
    """The Users search with one sample of this workload's query."""
    query = rng.choice(state["samples"])
    status, _ = client.request("GET", "/api/v1/customers/users?" + urllib.parse.urlencode(query),
                               headers={"Authorization": f"Bearer {state['token']}"})  # fmt: skip
    return status


def main() -> None:
    parser = load.parser_for(dict.fromkeys(KINDS, users_search), requests=300)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())

    def give(state: dict) -> None:
        tokens = setup["tokens"]
        state.update(token=tokens[state["n"] % len(tokens)], samples=setup["samples"][args.workload])

    result = load.run_with_state(args, users_search, [], give)
    result["workload"] = f"users_search {args.workload}"
    result["raw_sql"] = setup["raw_sql"][args.workload]
    result["customers"] = setup["customers"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
