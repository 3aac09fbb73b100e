"""Prepare bench/compare.py on a generated data set (run with ``manage.py shell -c``).

Every workload of PERFORMANCE.md in one run: 8 CSRs serving every store, each with an API token, a
signed-in browser session and an assisted session on a customer whose cart it has locked with one
line; 8 shoppers with their own tokens; samples of Find customer (partial email; first and last
name prefixes), of the order search (a status and a billing last name prefix, sorted by total
descending) and orders with 5 lines. Then the SQL of each search, alone: the statements the API
request runs for its rows (captured from the request; the token and session reads left out),
executed on the connection for the first 100 samples, warmed once and then timed — the page's cost
is set against its query's in the same run. With ``PLANS_OUT`` set, the query plans of each search's
median and slowest sample are written there (bench/compare.sh keeps them in bench/results/).
"""

import json
import os
import random
import statistics
import sys
import time

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.staff import api_token, bench_csrs
from concierge.assist.services import assisting, session_reasons, session_start, user_signed_out
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.models import Order

rng = random.Random(31)
RAW_SAMPLES = 100
# Statements of the per-request floor, not of the search: who is asking, and their session.
FLOOR_TABLES = ("identity_apitoken", "django_session", "identity_user", "assist_assistedsession")

skus = list(
    Sku.objects.filter(code__startswith="GEN-", is_active=True).order_by("pk").values_list("pk", flat=True)[:400]
)
top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
picked: list[Customer] = []
while len(picked) < 320:
    found = (Customer.objects.filter(pk__gte=rng.randint(1, top), kind="REGISTERED_USER", user__isnull=False)
             .select_related("user").order_by("pk").first())  # fmt: skip
    if found is not None and found.pk not in {c.pk for c in picked}:
        picked.append(found)

agents = []
for n, user in enumerate(bench_csrs("compare")):
    user_signed_out(ActingContext(user=user), user=user)  # ends a previous run's sessions and cart locks
    Order.objects.filter(lease_holder=user).update(lease_holder=None, lease_token="", lease_expires_at=None)
    session = session_start(ActingContext(user=user), customer_id=picked[n].pk, reason=session_reasons()[0])
    ctx = assisting(ActingContext(user=user), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart.lines.all().delete()
    cart_add(ctx, cart=cart, sku_id=skus[n * 7], quantity=1)
    browser = Client()
    browser.force_login(user, backend="concierge.identity.backends.EmailBackend")
    agents.append({"token": api_token(user), "session": session.pk, "cookie": browser.cookies["sessionid"].value})

# The per-request floor: CSRs who never act, so their Customer Service home lists no recent activity.
floor = []
for user in bench_csrs("floor"):
    browser = Client()
    browser.force_login(user, backend="concierge.identity.backends.EmailBackend")
    floor.append({"token": api_token(user), "cookie": browser.cookies["sessionid"].value})

shoppers = []
for customer in picked[8:16]:
    Cart.objects.filter(customer=customer, status="ACTIVE").update(lease_holder=None, lease_token="",
                                                                   lease_expires_at=None)  # fmt: skip
    shoppers.append({"token": api_token(customer.user)})

find_email = [{"email": c.email[: rng.randint(4, 8)]} for c in picked[16:] if c.email][:300]
find_name = [{"first_name": c.first_name[:3], "last_name": c.last_name[:4]} for c in picked[16:]][:300]

orders_top = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
order_search = []
while len(order_search) < 300:
    order = Order.objects.filter(pk__gte=rng.randint(1, orders_top)).order_by("pk").only("billing_last_name").first()
    if order is not None and len(order.billing_last_name) >= 3:
        order_search.append({"status": rng.choice(["COMPLETED", "IN_PROGRESS", "CANCELLED", "ON_HOLD", "CREATED"]),
                             "last_name": order.billing_last_name[: rng.randint(3, 5)]})  # fmt: skip
five: list[str] = []
while len(five) < 200:
    start = rng.randint(1, orders_top)
    five += list(Order.objects.filter(pk__gte=start, pk__lt=start + 2000).annotate(n=Count("lines")).filter(n=5)
                 .values_list("number", flat=True)[:20])  # fmt: skip

SEARCHES = {
    "find_email": ("/api/v1/customers", find_email, {}),
    "find_name": ("/api/v1/customers", find_name, {}),
    "order_search": ("/api/v1/service/orders", order_search, {"sort": "total", "direction": "desc", "limit": 25}),
}


def runnable(sql: str) -> str | None:
    """The statement as it is timed alone: a server-side cursor's query (PostgreSQL's ``.iterator()``)
    as the plain query it declares; its FETCH and CLOSE, and transaction control, left out."""
    if sql.startswith("DECLARE "):
        return sql[sql.index(" FOR ") + len(" FOR ") :]
    if sql.split(None, 1)[0].upper() in {"FETCH", "CLOSE", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"}:
        return None
    return sql


def plan(cursor, sql: str) -> str:
    """The statement's query plan: PostgreSQL's EXPLAIN (ANALYZE, BUFFERS), SQLite's EXPLAIN QUERY PLAN."""
    if connection.vendor == "postgresql":
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())
    cursor.execute("EXPLAIN QUERY PLAN " + sql)
    return "\n".join(f"{row[-1]}" for row in cursor.fetchall())


client = Client()
headers = {"Authorization": f"Bearer {agents[0]['token']}"}
raw = {}
statement_counts = {}
plans: list[str] = []
for name, (path, samples, extra) in SEARCHES.items():
    runs = []
    for params in samples[:RAW_SAMPLES]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {**params, **extra}, headers=headers)
        assert response.status_code == 200, response.content[:300]
        kept = [runnable(q["sql"]) for q in captured.captured_queries if not any(t in q["sql"] for t in FLOOR_TABLES)]
        runs.append([sql for sql in kept if sql])
    statement_counts[name] = round(statistics.mean(len(r) for r in runs), 1)
    with connection.cursor() as cursor:
        for _ in range(2):  # warm, then measured
            timings = []
            for sqls in runs:
                started = time.perf_counter()
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    raw[name] = {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2), "statements": statement_counts[name]}
    print(f"raw SQL {name}: {raw[name]}", file=sys.stderr)
    # The plans of its median and its slowest sample: each statement that took the most of it.
    ranked = sorted(range(len(timings)), key=timings.__getitem__)
    with connection.cursor() as cursor:
        for label, index in (("median", ranked[len(ranked) // 2]), ("slowest", ranked[-1])):
            sqls = runs[index]
            slowest_sql, slowest_ms = "", -1.0
            for sql in sqls:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                took = (time.perf_counter() - started) * 1000
                if took > slowest_ms:
                    slowest_sql, slowest_ms = sql, took
            plans.append(
                f"== {name}, {label} sample ({timings[index]:.2f} ms in all), its dearest statement "
                f"({slowest_ms:.2f} ms):\n{slowest_sql}\n-- plan:\n{plan(cursor, slowest_sql)}\n"
            )

plans_out = os.environ.get("PLANS_OUT")
if plans_out:
    with open(plans_out, "w") as out:
        out.write("\n".join(plans))

print(json.dumps({"agents": agents, "floor": floor, "shoppers": shoppers, "skus": skus, "find_email": find_email,
                  "find_name": find_name, "order_search": order_search, "orders": five[:200], "raw_sql": raw,
                  "customers": Customer.objects.count(), "orders_total": Order.objects.count()}))  # fmt: skip
