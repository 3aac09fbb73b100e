"""The desk's analytics workloads for bench/load.py: the page for several periods and scopes, a CSV
and the figures API.

    python bench/desk_analytics.py --base http://127.0.0.1:8104 --setup var/desk-analytics-bench-sqlite.json \
        --workload page_90 --clients 1 --requests 200

``--setup`` is the JSON printed by bench/desk_analytics_setup.py (a supervisor's and a CSR's session
cookie, the supervisor's API token, a store code).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator

PAGE = "/service/desk/analytics/"


def _get(client: load.Client, path: str, headers: dict, expect: bytes) -> int:
    client.conn.request("GET", path, headers=headers)
    response = client.conn.getresponse()
    body = response.read()
    if response.status == 200 and expect not in body:
        return 599  # not the page measured
    return response.status


def page_90(client: load.Client, rng: random.Random, state: dict) -> int:
    """The page for the last 90 days, every store the supervisor serves (four charts, seven tables)."""
    return _get(client, f"{PAGE}?period=90", {"Cookie": state["supervisor"]}, b"Assisted revenue by CSR")


def page_30_store(client: load.Client, rng: random.Random, state: dict) -> int:
    return _get(client, f"{PAGE}?period=30&store={state['store']}", {"Cookie": state["supervisor"]}, b"By CSR")


def page_year(client: load.Client, rng: random.Random, state: dict) -> int:
    """A custom period of 366 days (the longest there is)."""
    return _get(client, f"{PAGE}?period=custom&from={state['year_from']}&to={state['today']}",
                {"Cookie": state["supervisor"]}, b"By CSR")  # fmt: skip


def csr_page(client: load.Client, rng: random.Random, state: dict) -> int:
    return _get(client, f"{PAGE}?period=90", {"Cookie": state["csr"]}, b"Your own assisted sessions")


def csv_csrs(client: load.Client, rng: random.Random, state: dict) -> int:
    return _get(client, f"{PAGE}csrs.csv?period=90", {"Cookie": state["supervisor"]}, b"CSR,Assisted sessions")


def figures_api(client: load.Client, rng: random.Random, state: dict) -> int:
    return _get(client, "/api/v1/service/desk/analytics/figures?period=90",
                {"Authorization": f"Bearer {state['token']}"}, b'"totals"')  # fmt: skip


WORKLOADS = {"page_90": page_90, "page_30_store": page_30_store, "page_year": page_year, "csr_page": csr_page,
             "csv_csrs": csv_csrs, "figures_api": figures_api}  # fmt: skip


def main() -> None:
    parser = load.parser_for(WORKLOADS, requests=200)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())

    def give(state: dict) -> None:
        state.update({k: setup[k] for k in ("supervisor", "csr", "token", "store", "today", "year_from")})

    print(json.dumps(load.run_with_state(args, WORKLOADS[args.workload], [], give)))


if __name__ == "__main__":
    main()
