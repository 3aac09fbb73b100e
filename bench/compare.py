"""Every workload of PERFORMANCE.md for bench/load.py, over HTTP, HTML and API alike.

    python bench/compare.py --base http://127.0.0.1:8105 --setup var/compare-bench-sqlite.json \
        --workload find_email_api --clients 1 --requests 300

``--setup`` is the JSON printed by bench/compare_setup.py. Each client acts as its own CSR (in its
own assisted session, on its own customer's locked cart) or as its own shopper.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # the sibling load generator


def _bearer(state: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {state['agent']['token']}"}


# What the Customer Service page's own search sends (htmx): it swaps the Find customer section in.
IN_PLACE = {"HX-Request": "true", "HX-Target": "find-customer"}


def _page(client: load.Client, path: str, state: dict, expect: bytes, *, cookie: str = "",
          headers: dict[str, str] | None = None) -> int:  # fmt: skip
    """GET an HTML page of the console as the client's CSR; 599 when it is not the page expected."""
    client.conn.request("GET", path, headers={"Cookie": f"sessionid={cookie or state['agent']['cookie']}",
                                              **(headers or {})})  # fmt: skip
    response = client.conn.getresponse()
    body = response.read()
    return response.status if expect in body else 599


def _api(client: load.Client, path: str, state: dict) -> int:
    status, _ = client.request("GET", path, headers=_bearer(state))
    return status


def find_email_html(client, rng, state) -> int:
    query = urllib.parse.urlencode(rng.choice(state["setup"]["find_email"]))
    return _page(client, f"/service/?{query}", state, b"Find customer")


def find_name_html(client, rng, state) -> int:
    query = urllib.parse.urlencode(rng.choice(state["setup"]["find_name"]))
    return _page(client, f"/service/?{query}", state, b"Find customer")


def find_email_in_place(client, rng, state) -> int:
    """The search as the page itself sends it: the results section alone."""
    query = urllib.parse.urlencode(rng.choice(state["setup"]["find_email"]))
    return _page(client, f"/service/?{query}", state, b"Find customer", headers=IN_PLACE)


def find_name_in_place(client, rng, state) -> int:
    query = urllib.parse.urlencode(rng.choice(state["setup"]["find_name"]))
    return _page(client, f"/service/?{query}", state, b"Find customer", headers=IN_PLACE)


def find_email_api(client, rng, state) -> int:
    return _api(client, "/api/v1/customers?" + urllib.parse.urlencode(rng.choice(state["setup"]["find_email"])), state)


def find_name_api(client, rng, state) -> int:
    return _api(client, "/api/v1/customers?" + urllib.parse.urlencode(rng.choice(state["setup"]["find_name"])), state)


def order_search_html(client, rng, state) -> int:
    terms = {**rng.choice(state["setup"]["order_search"]), "sort": "total", "dir": "desc"}
    return _page(client, "/service/orders/?" + urllib.parse.urlencode(terms), state, b"Orders")


def order_search_api(client, rng, state) -> int:
    terms = {**rng.choice(state["setup"]["order_search"]), "sort": "total", "direction": "desc", "limit": 25}
    return _api(client, "/api/v1/service/orders?" + urllib.parse.urlencode(terms), state)


def order_view_html(client, rng, state) -> int:
    return _page(client, f"/service/orders/{rng.choice(state['setup']['orders'])}/", state, b"Summary")


def order_view_api(client, rng, state) -> int:
    return _api(client, f"/api/v1/service/orders/{rng.choice(state['setup']['orders'])}", state)


def csr_add_api(client, rng, state) -> int:
    """A CSR in an assisted session adds one line to the customer's cart, under the lock they hold."""
    agent = state["agent"]
    headers = {**_bearer(state), "X-Assisted-Session": str(agent["session"])}
    if "lease" not in state:
        status, body = client.request("POST", "/api/v1/assist/cart/lock", {}, headers)
        state["lease"] = body.get("lease_token", "")
    status, _ = client.request("POST", "/api/v1/cart/lines", {"sku_id": rng.choice(state["skus"]), "quantity": 1},
                               {**headers, "X-Lease-Token": state["lease"]})  # fmt: skip
    return status


def shopper_add_api(client, rng, state) -> int:
    shopper = state["setup"]["shoppers"][state["n"] % len(state["setup"]["shoppers"])]
    status, _ = client.request("POST", "/api/v1/cart/lines", {"sku_id": rng.choice(state["skus"]), "quantity": 1},
                               {"Authorization": f"Bearer {shopper['token']}"})  # fmt: skip
    return status


def api_me(client, rng, state) -> int:
    """The per-request floor over the API: who am I."""
    person = state["setup"]["floor"][state["n"] % len(state["setup"]["floor"])]
    status, _ = client.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {person['token']}"})
    return status


def console_page(client, rng, state) -> int:
    """The per-request floor in the console: the Customer Service home of a CSR with no recent activity."""
    person = state["setup"]["floor"][state["n"] % len(state["setup"]["floor"])]
    return _page(client, "/service/", state, b"Find customer", cookie=person["cookie"])


def lock_pair(client, rng, state) -> int:
    """Open an order for editing and close it again: one acquire + release pair (both audited)."""
    orders = state["setup"]["orders"]
    number = orders[state["n"] % len(orders)]
    status, body = client.request("POST", f"/api/v1/service/orders/{number}/lock", {}, _bearer(state))
    if status != 200:
        return status
    status, _ = client.request("DELETE", f"/api/v1/service/orders/{number}/lock", None,
                               {**_bearer(state), "X-Lease-Token": body["lease_token"]})  # fmt: skip
    return 200 if status == 204 else status


WORKLOADS = {f.__name__: f for f in (find_email_html, find_name_html, find_email_in_place, find_name_in_place,
                                      find_email_api, find_name_api,
                                      order_search_html, order_search_api, order_view_html, order_view_api,
                                      csr_add_api, shopper_add_api, api_me, console_page, lock_pair)}  # fmt: skip
RAW = {"find_email": "find_email", "find_name": "find_name", "order_search": "order_search"}


def main() -> None:
    parser = load.parser_for(WORKLOADS, requests=300)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    setup = json.loads(Path(args.setup).read_text())
    agents = setup["agents"]

    def give(state: dict) -> None:
        state.update(agent=agents[state["n"] % len(agents)], setup=setup)

    result = load.run_with_state(args, WORKLOADS[args.workload], setup["skus"], give)
    search = next((name for name in RAW if args.workload.startswith(name + "_")), "")
    if search:
        raw = setup["raw_sql"][search]
        result["raw_sql_p95_ms"] = raw["p95_ms"]
        result["ratio_p95"] = round(result["p95_ms"] / raw["p95_ms"], 1) if raw["p95_ms"] else None
    result["data"] = {"customers": setup["customers"], "orders": setup["orders_total"]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
