"""Prepare the order console benchmark on a generated data set (run with `manage.py shell -c`).

Creates 8 bench CSRs serving every store, each with an API token; prints JSON for bench/orders.py:
their tokens, search samples (a status and the first 3-5 letters of the billing last name of random
generated orders) and the numbers of orders with 5 lines (for the order view).
"""

import json
import random

from django.db.models import Count

from bench.staff import api_token, bench_csrs
from concierge.orders.models import Order

rng = random.Random(11)
tokens = []
for user in bench_csrs("orders"):
    Order.objects.filter(lease_holder=user).update(lease_holder=None, lease_token="", lease_expires_at=None)
    tokens.append(api_token(user))
top = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
samples = []
while len(samples) < 300:
    order = Order.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk").only("billing_last_name").first()
    if order is not None and len(order.billing_last_name) >= 3:
        samples.append({"status": rng.choice(["COMPLETED", "IN_PROGRESS", "CANCELLED", "ON_HOLD", "CREATED"]),
                        "last_name": order.billing_last_name[: rng.randint(3, 5)]})  # fmt: skip
five = []
while len(five) < 200:
    start = rng.randint(1, top)
    five += list(
        Order.objects.filter(pk__gte=start, pk__lt=start + 2000).annotate(n=Count("lines")).filter(n=5)
        .values_list("number", flat=True)[:20]
    )  # fmt: skip
print(json.dumps({"tokens": tokens, "samples": samples, "orders": five[:200]}))
