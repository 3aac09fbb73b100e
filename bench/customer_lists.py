"""Customer list workloads for bench/load.py: the Current In-Store Customers page as a CSR opens it,
its table as the open page fetches it again every few seconds (htmx), sorted by name, and its rows
in the API.

    python bench/customer_lists.py --base http://127.0.0.1:8105 --setup var/customer-lists-bench-sqlite.json \
        --workload in_store_page --clients 1 --requests 300

``--setup`` is the JSON printed by bench/customer_lists_setup.py (the CSR's session cookie).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

PAGE = "/service/lists/current-in-store-customers/"


def _get(client: load.Client, state: dict, path: str, headers: dict | None = None) -> int:
    client.conn.request("GET", path, headers={"Cookie": state["cookie"], **(headers or {})})
    response = client.conn.getresponse()
    body = response.read()
    if response.status == 200 and b"bench.list" not in body:
        return 599  # a page without the customers is not the page measured
    return response.status


def in_store_page(client: load.Client, rng: random.Random, state: dict) -> int:
    """The whole page, first page of 25, latest arrivals first (the list's default)."""
    return _get(client, state, PAGE)


def in_store_table(client: load.Client, rng: random.Random, state: dict) -> int:
    """What the open page fetches every few seconds: the table alone."""
    return _get(client, state, PAGE, {"HX-Request": "true"})


def in_store_by_name(client: load.Client, rng: random.Random, state: dict) -> int:
    """Sorted by name (a clicked header), a page chosen at random among the 200."""
    return _get(client, state, f"{PAGE}?sort=name&dir=asc&page={rng.randint(1, 200)}")


def in_store_api(client: load.Client, rng: random.Random, state: dict) -> int:
    client.conn.request("GET", "/api/v1/service/lists/current-in-store-customers/rows",
                        headers={"Cookie": state["cookie"]})  # fmt: skip
    response = client.conn.getresponse()
    response.read()
    return response.status


WORKLOADS = {"in_store_page": in_store_page, "in_store_table": in_store_table, "in_store_by_name": in_store_by_name,
             "in_store_api": in_store_api}  # fmt: skip


def main() -> None:
    parser = load.parser_for(WORKLOADS, requests=300)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())

    def give(state: dict) -> None:
        state["cookie"] = setup["cookie"]

    print(json.dumps(load.run_with_state(args, WORKLOADS[args.workload], [], give)))


if __name__ == "__main__":
    main()
