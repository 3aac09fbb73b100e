"""Prepare the Warehouse benchmark on a generated data set (run with `manage.py shell -c`).

Creates 8 bench warehouse staff serving every store, each with an API token, and prints JSON for
bench/returns.py: their tokens and, per search workload, 300 search terms drawn from random
generated returns (an RMA; an order number; a customer surname prefix with the Awaiting Receipt
status; an email prefix; a status with a week of creation dates). Then it times the SQL the
Returns search runs for the same terms, straight on the database connection (no Django view, no
HTTP), so the page's cost can be set against the query's in the same run.
"""

import datetime as dt
import json
import random
import statistics
import sys
import time

from django.db import connection

from bench.staff import api_token, bench_csrs
from concierge.core.context import ActingContext
from concierge.returns.models import Return
from concierge.returns.selectors import ReturnCriteria, search_returns

rng = random.Random(17)
staff = bench_csrs("warehouse", role="Warehouse")
tokens = [api_token(user) for user in staff]
top = Return.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
picked = []
while len(picked) < 300:
    ret = (
        Return.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk")
        .only("rma", "order_number", "customer_last_name", "email", "status", "created_at").first()
    )  # fmt: skip
    if ret is not None and len(ret.customer_last_name) >= 3:
        picked.append(ret)
samples = {
    "rma": [{"rma": r.rma} for r in picked],
    "order_number": [{"order_number": r.order_number} for r in picked],
    "name_status": [{"name": r.customer_last_name[: rng.randint(3, 5)], "status": "AWAITING_RECEIPT"} for r in picked],
    "email": [{"email": r.email.split("@")[0][: rng.randint(4, 8)]} for r in picked],
    "status_dates": [
        {"status": r.status, "created_from": str(r.created_at.date()),
         "created_to": str(r.created_at.date() + dt.timedelta(days=6))}
        for r in picked
    ],
}  # fmt: skip

# The same searches as raw SQL: the statements search_returns runs (the returns, then their lines and
# order lines, prefetched), executed on the cursor with their parameters.
ctx = ActingContext(user=staff[0])
raw = {}
for workload, terms in samples.items():
    statements = []
    for term in terms:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            search_returns(ctx, ReturnCriteria.parse(term))
        statements.append([q["sql"] for q in queries.captured_queries if "returns_return" in q["sql"]
                           or "orders_orderline" in q["sql"] or "orders_order" in q["sql"]])  # fmt: skip
    timings = []
    with connection.cursor() as cursor:
        for _ in range(2):  # warm-up, then measured
            timings = []
            for sqls in statements:
                started = time.perf_counter()
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    raw[workload] = {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
                     "statements": round(sum(map(len, statements)) / len(statements), 1)}  # fmt: skip
    print(f"raw SQL {workload}: {raw[workload]}", file=sys.stderr)
print(json.dumps({"tokens": tokens, "samples": samples, "raw_sql": raw, "returns": Return.objects.count()}))
