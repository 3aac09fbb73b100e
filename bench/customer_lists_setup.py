"""Prepare the customer list benchmark (run with `manage.py shell -c`): a store with IN_STORE
customers in it now and as many who left, a CSR serving it with a signed-in browser session, and the
same page's SQL timed on the database alone. Prints JSON for bench/customer_lists.py.

IN_STORE (default 5,000) customers were seen in the last five minutes (the store's quiet time is set
long enough that none leaves during the run); as many more were seen two days ago (gone). Written
once, in bulk; a later run reuses them.
"""

import datetime as dt
import json
import os
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.presence.lists import access_list, list_page
from concierge.presence.models import InStore
from concierge.stores.models import Store

IN_STORE = int(os.environ.get("IN_STORE", "5000"))
rng = random.Random(16)
store, _ = Store.objects.get_or_create(code="bench-lists", defaults={"name": "Bench Outfitters", "currency": "USD"})
Store.objects.filter(pk=store.pk).update(presence_quiet_minutes=24 * 60 - 1)  # none leaves during the run
now = clock.now()
have = Customer.objects.filter(store=store, shared_id__startswith="BL").count()
ZONES = ["Entrance", "Footwear", "Outerwear", "Camping", "Fitting rooms", "Checkout", "Customer service desk"]
FIRST = ["Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam"]
LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan", "Lopez"]
if have < 2 * IN_STORE:
    batch = [
        Customer(shared_id=f"BL{n:08d}", store=store, first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                 email=f"bench.list{n}@example.com", phone=f"+1512555{n % 10000:04d}")
        for n in range(have, 2 * IN_STORE)
    ]  # fmt: skip
    Customer.objects.bulk_create(batch, batch_size=2000)
customers = list(Customer.objects.filter(store=store, shared_id__startswith="BL").order_by("pk")[: 2 * IN_STORE])
InStore.objects.filter(store=store).delete()
rows = []
for n, customer in enumerate(customers):
    seen = now - (dt.timedelta(seconds=rng.randint(0, 300)) if n < IN_STORE else dt.timedelta(days=2))
    rows.append(InStore(store=store, customer=customer, zone=rng.choice(ZONES), since=seen - dt.timedelta(minutes=20),
                        zone_since=seen, last_seen_at=seen))  # fmt: skip
InStore.objects.bulk_create(rows, batch_size=2000)

user = User.objects.filter(email="bench.lists@concierge.test").first() or User.objects.create_user(
    "bench.lists@concierge.test", "bench-password-123", first_name="Bench", last_name="Lists"
)
user.groups.add(Group.objects.get(name="CSR"))
user.stores.set([store])
session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "concierge.identity.backends.EmailBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()

# The page's own statements (the list's count and first page), timed on the database alone.
ctx = ActingContext(user=user)
open_list = access_list(ctx, "current-in-store-customers")
with CaptureQueriesContext(connection) as captured:
    page = list_page(ctx, open_list)
assert page.total == IN_STORE, page.total
statements = [q["sql"] for q in captured.captured_queries]
timings = []
with connection.cursor() as cursor:
    for _ in range(330):
        started = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
        timings.append(time.perf_counter() - started)
timings = sorted(timings[30:])
q = statistics.quantiles(timings, n=100, method="inclusive")
print(json.dumps({
    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
    "in_store": page.total,
    "sql": {"statements": len(statements), "p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2),
            "p99_ms": round(q[98] * 1000, 2)},
}))  # fmt: skip
