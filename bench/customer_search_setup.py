"""Prepare the Users and Accounts search benchmark (run with `manage.py shell -c`, after
customer_search_data.py).

Creates 8 bench CSRs serving every store, each with an API token, and prints JSON for
bench/customer_search.py: their tokens and, per workload, 300 queries of the Users search
(GET /api/v1/customers/users) or the Accounts search (…/accounts) —
* ``<column>_<order>_first``: no terms, the first page sorted by each of the six Users columns both ways;
* ``<column>_<order>_later``: the same, from a page deep in the list: the cursor of a random
  customer's row, as the Next link of the page ending there would carry it;
* ``<term>_by_<column>_<order>``: a Search Term sorted by each column both ways, where the term is a
  last name prefix (3 to 5 letters of a random customer's), an email prefix (3 to 5 characters of
  one: the first name's, as emails start) or a telephone # prefix (3 to 7 digits of one's national
  number);
* ``accounts_<column>_<order>_<first|later>``: the Accounts tab by each of its four columns.
Then it times all the SQL that the first RAW_SAMPLES (default 100) queries of each workload run (on the database
connection: no Django view, no HTTP), so the page's cost can be set against the database's in the
same run, and keeps each workload's plans (EXPLAIN of the first query's statements).
"""

import json
import os
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
RAW_SAMPLES = int(os.environ.get("RAW_SAMPLES", "100"))  # of each workload's 300 queries, timed as raw SQL
staff = bench_csrs("directory")
tokens = [api_token(user) for user in staff]


def pick(kinds: list[str], count: int = 300) -> list[Customer]:
    """``count`` customers of ``kinds`` at random (from their own range of ids: the accounts come last)."""
    found: list[Customer] = []
    of_kind = Customer.objects.filter(kind__in=kinds)
    low = of_kind.order_by("pk").values_list("pk", flat=True).first() or 0
    high = of_kind.order_by("-pk").values_list("pk", flat=True).first() or 0
    while len(found) < count:
        c = of_kind.filter(pk__gte=rng.randint(low, high)).order_by("pk").first()
        if c is not None and (c.kind == "ACCOUNT" or (len(c.last_name) >= 3 and len(c.phone) >= 10)):
            found.append(c)
    return found


users = pick(["REGISTERED_USER", "SINGLE_SESSION_USER"])
accounts = pick(["ACCOUNT"])
samples: dict[str, list[dict]] = {}
tabs: dict[str, str] = {}
for tab, picked, prefix in ((Tab.USERS, users, ""), (Tab.ACCOUNTS, accounts, "accounts_")):
    of_tab = Customer.objects.filter(pk__in=[p.pk for p in picked])
    for c in COLUMNS[tab]:
        keys = dict(of_tab.annotate(sk=sort_key(c.field)).values_list("pk", "sk"))
        for order in ("asc", "desc"):
            samples[f"{prefix}{c.key}_{order}_first"] = [{"sort": c.key, "order": order}] * 300
            query = DirectoryQuery.parse(tab, {"sort": c.key, "order": order})
            samples[f"{prefix}{c.key}_{order}_later"] = [
                {"sort": c.key, "order": order, "cursor": _encode(query, Keyset(True, keys[p.pk], p.pk))}
                for p in picked
            ]
            if tab == Tab.USERS:
                for term in ("last_name", "email", "phone"):
                    typed = []
                    for p in picked:
                        if term == "phone":
                            national = "".join(ch for ch in p.phone if ch.isdigit())[-10:]
                            typed.append(national[: rng.randint(3, 7)])
                        else:
                            typed.append(getattr(p, term)[: rng.randint(3, 5)])
                    samples[f"{term}_by_{c.key}_{order}"] = [{term: t, "sort": c.key, "order": order} for t in typed]
for workload in samples:
    tabs[workload] = Tab.ACCOUNTS.value if workload.startswith("accounts_") else Tab.USERS.value

ctx = ActingContext(user=staff[0])
raw = {}
plans = {}
for workload, queries in samples.items():
    tab = Tab(tabs[workload])
    statements = []
    for params in queries[:RAW_SAMPLES]:
        connection.queries_log.clear()  # it keeps 9,000 statements: a full log captures none
        with CaptureQueriesContext(connection) as captured:
            search_directory(ctx, DirectoryQuery.parse(tab, params))
        statements.append([q["sql"] for q in captured.captured_queries])
    with connection.cursor() as cursor:
        for _ in range(2):  # warm-up, then measured
            timings = []
            for sqls in statements:
                started = time.perf_counter()
                for sql in sqls:  # the searches' statements, a transaction's too (BEGIN, SET LOCAL)
                    cursor.execute(sql)
                    if cursor.description:
                        cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        plans[workload] = []
        for sql in (sql for sql in statements[0] if sql.lstrip().upper().startswith("SELECT")):
            cursor.execute(explain + sql)
            plans[workload].append([" ".join(str(v) for v in row) for row in cursor.fetchall()])
    cuts = statistics.quantiles(timings, n=100)
    raw[workload] = {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
                     "statements": round(statistics.mean(len(s) for s in statements), 1)}  # fmt: skip
    print(f"raw SQL {workload}: {raw[workload]}", file=sys.stderr)
print(json.dumps({"tokens": tokens, "samples": samples, "tabs": tabs, "raw_sql": raw, "plans": plans,
                  "customers": Customer.objects.count(),
                  "accounts": Customer.objects.filter(kind="ACCOUNT").count()}))  # fmt: skip
