"""Users and Accounts search workloads for bench/load.py: GET /api/v1/customers/users (or
/accounts) sorted by each column, with and without Search Terms.

    python bench/customer_search.py --base http://127.0.0.1:8104 --setup var/customer-search-bench.json \
        --workload last_name_by_email_asc --clients 1 --requests 300

``--setup`` is the JSON printed by bench/customer_search_setup.py (its workloads are this script's).
Each client is its own CSR. The result carries the machine's load average before and after the run.
"""

from __future__ import annotations

import json
import os
import random
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

USERS = ["shared_id", "billing_address", "email", "first_name", "last_name", "phone"]
ACCOUNTS = ["shared_id", "business_name", "business_number", "billing_address"]
ORDERS = ("asc", "desc")
KINDS = [f"{c}_{o}_{p}" for c in USERS for o in ORDERS for p in ("first", "later")]
KINDS += [f"{t}_by_{c}_{o}" for t in ("last_name", "email", "phone") for c in USERS for o in ORDERS]
KINDS += [f"accounts_{c}_{o}_{p}" for c in ACCOUNTS for o in ORDERS for p in ("first", "later")]


def directory_search(client: load.Client, rng: random.Random, state: dict) -> int:
    """The Users or Accounts search with one sample of this workload's query."""
    query = rng.choice(state["samples"])
    status, _ = client.request("GET", f"/api/v1/customers/{state['tab']}?" + urllib.parse.urlencode(query),
                               headers={"Authorization": f"Bearer {state['token']}"})  # fmt: skip
    return status


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: a run is read with them)."""
    averages = Path("/proc/loadavg")
    return " ".join(averages.read_text().split()[:3]) if averages.exists() else ""


def main() -> None:
    parser = load.parser_for(dict.fromkeys(KINDS, directory_search), requests=300)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())

    def give(state: dict) -> None:
        tokens = setup["tokens"]
        state.update(token=tokens[state["n"] % len(tokens)], samples=setup["samples"][args.workload],
                     tab=setup["tabs"][args.workload])  # fmt: skip

    before = loadavg()
    result = load.run_with_state(args, directory_search, [], give)
    result["workload"] = f"directory_search {args.workload}"
    result["raw_sql"] = setup["raw_sql"][args.workload]
    result["customers"] = setup["customers"]
    result["accounts"] = setup["accounts"]
    result["loadavg_before"], result["loadavg_after"] = before, loadavg()
    result["commit"] = os.environ.get("BENCH_COMMIT", "")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
