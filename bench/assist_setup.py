"""Prepare the assisted-shopping benchmark on a generated data set (run with `manage.py shell -c`).

Creates 8 bench agents in every store, each with an API token and an assisted session for a
different generated customer whose cart holds one item; prints JSON for bench/assist.py: the
agents' tokens and sessions, and Find customer samples (email and name prefixes of random
customers).
"""

import json
import random

from bench.staff import api_token, bench_csrs
from concierge.assist.services import assisting, session_reasons, session_start, user_signed_out
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.customers.models import Customer

rng = random.Random(7)
top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
picked = []
while len(picked) < 400:
    customer = Customer.objects.filter(pk__gte=rng.randint(1, top), kind="REGISTERED_USER").order_by("pk").first()
    if customer is not None and customer.pk not in {c.pk for c in picked}:
        picked.append(customer)
agents = []
for n, user in enumerate(bench_csrs("agent")):
    user_signed_out(ActingContext(user=user), user=user)  # ends a previous run's sessions and cart locks
    customer = picked[n]
    session = session_start(ActingContext(user=user), customer_id=customer.pk, reason=session_reasons()[0])
    ctx = assisting(ActingContext(user=user), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart.lines.all().delete()  # every run starts from a cart with one line
    sku = Sku.objects.filter(code__startswith="GEN-", is_active=True).order_by("pk")[n * 7]
    cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
    agents.append({"token": api_token(user), "session": session.pk})
samples = []
for customer in picked[8:]:
    if rng.random() < 0.5 and customer.email:
        samples.append({"email": customer.email[: rng.randint(4, 8)]})
    else:
        samples.append({"first_name": customer.first_name[:3], "last_name": customer.last_name[:4]})
skus = list(Sku.objects.filter(code__startswith="GEN-", is_active=True).values_list("pk", flat=True)[:400])
print(json.dumps({"agents": agents, "samples": samples, "skus": skus}))
