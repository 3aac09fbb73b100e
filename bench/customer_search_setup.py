"""Prepare the Users search benchmark (run with `manage.py shell -c`, after customer_search_data.py).

Creates 8 bench CSRs serving every store, each with an API token, and prints JSON for
bench/customer_search.py: their tokens and, per workload, 300 queries of the Users search
(GET /api/v1/customers/users) —
* ``<column>_<order>_first``: no terms, the first page sorted by each of the six columns both ways;
* ``<column>_<order>_later``: the same, from a page deep in the list: the cursor of a random
  customer's row, as the Next link of the page ending there would carry it;
* ``name_<column>``: a last name prefix (3 to 5 letters of a random customer's) sorted by the column.
Then it times the SQL that the first 100 queries of each workload run for the page's rows, straight on
the database connection (no Django view, no HTTP), so the page's cost can be set against the query's in the same run.
"""

import json
import random
import statistics
import sys
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.staff import api_token, bench_csrs
from concierge.core.context import ActingContext
from concierge.customers.directory import COLUMNS, DirectoryQuery, Keyset, Tab, _encode, search_directory, sort_key
from concierge.customers.models import Customer

rng = random.Random(23)
RAW_SAMPLES = 100  # of each workload's 300 queries, timed as raw SQL
staff = bench_csrs("directory")
tokens = [api_token(user) for user in staff]
top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
users = Customer.objects.filter(kind__in=["REGISTERED_USER", "SINGLE_SESSION_USER"])
picked = []
while len(picked) < 300:
    found = users.filter(pk__gte=rng.randint(1, top)).order_by("pk").first()
    if found is not None and len(found.last_name) >= 3:
        picked.append(found)
samples = {}
for c in COLUMNS[Tab.USERS]:
    for order in ("asc", "desc"):
        samples[f"{c.key}_{order}_first"] = [{"sort": c.key, "order": order}] * 300
        later = []
        keys = dict(users.filter(pk__in=[p.pk for p in picked]).annotate(sk=sort_key(c.field)).values_list("pk", "sk"))
        for p in picked:
            query = DirectoryQuery.parse(Tab.USERS, {"sort": c.key, "order": order})
            later.append({"sort": c.key, "order": order, "cursor": _encode(query, Keyset(True, keys[p.pk], p.pk))})
        samples[f"{c.key}_{order}_later"] = later
    samples[f"name_{c.key}"] = [{"last_name": p.last_name[: rng.randint(3, 5)], "sort": c.key} for p in picked]

ctx = ActingContext(user=staff[0])
raw = {}
plans = {}
for workload, queries in samples.items():
    statements = []
    for params in queries[:RAW_SAMPLES]:
        with CaptureQueriesContext(connection) as captured:
            search_directory(ctx, DirectoryQuery.parse(Tab.USERS, params))
        statements.append([q["sql"] for q in captured.captured_queries if 'FROM "customers_customer"' in q["sql"]])
    with connection.cursor() as cursor:
        for _ in range(2):  # warm-up, then measured
            timings = []
            for sqls in statements:
                started = time.perf_counter()
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + statements[0][0])
        plans[workload] = [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    cuts = statistics.quantiles(timings, n=100)
    raw[workload] = {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2)}
    print(f"raw SQL {workload}: {raw[workload]} plan: {plans[workload]}", file=sys.stderr)
print(json.dumps({"tokens": tokens, "samples": samples, "raw_sql": raw, "plans": plans,
                  "customers": Customer.objects.count()}))  # fmt: skip
