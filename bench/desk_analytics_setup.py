"""Prepare the desk's analytics benchmark on a generated data set (run with `manage.py shell -c`).

Makes a sixth of the last 400 days' generated orders assisted: placed for their customer by one of
8 bench CSRs (serving every store) inside an assisted session, and adds as many sessions again that
placed nothing; once (a second run finds them). Then it times, in the process: the rollup's first
fill (every day of every store), a refresh the next beat would make, and the figures of the last
90 days computed from the rollup with today live, against the same figures computed straight from
the base tables. Prints JSON for bench/desk_analytics.py: a supervisor's and a CSR's session cookie,
the supervisor's API token, a store code and dates.
"""

import datetime as dt
import json
import random
import statistics
import sys
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Mod
from django.utils.module_loading import import_string

from bench.staff import api_token, bench_csrs
from concierge.assist.models import AssistedSession
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.desk import rollup
from concierge.desk.analytics import analytics_scope, figures, parse_period, today_of
from concierge.desk.models import AgentDay, OrderDay, RollupState
from concierge.orders.models import Order
from concierge.stores.models import Store

MARK = "BENCH-DESK"
REASONS = ["Order help", "Sales", "Delivery question", "Returns and refunds", "Account problem", "Other"]
ENDINGS = ["SIGNED_IN_AS_SELF", "SIGNED_OUT", "IDLE", "ENDED_BY_CUSTOMER"]
rng = random.Random(23)
agents = bench_csrs("desk", 8)
supervisor = bench_csrs("desklead", 1, role="Supervisor")[0]
now = clock.now()
cut = now - dt.timedelta(days=400)


def cookie(user) -> str:
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "concierge.identity.backends.EmailBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if not AssistedSession.objects.filter(ticket=MARK).exists():
    started = time.perf_counter()
    with transaction.atomic():
        recent = Order.objects.filter(placed_at__gte=cut, placed_at__lt=now).annotate(slot=Mod(F("id"), 48))
        for k, agent in enumerate(agents):
            recent.filter(slot=k * 6).update(placed_on_behalf=True, placed_by_id=agent.pk,
                                             assist_reason=REASONS[k % len(REASONS)])  # fmt: skip
    log(f"assisted orders marked in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    assisted = Order.objects.filter(placed_on_behalf=True, placed_at__gte=cut, placed_by_id__in=[a.pk for a in agents])
    batch: list[AssistedSession] = []
    written = 0
    for customer_id, agent_id, placed_at in assisted.values_list("customer_id", "placed_by_id", "placed_at").iterator(
        chunk_size=10_000
    ):
        for converted in (True, False):
            start = placed_at - dt.timedelta(minutes=rng.randint(2, 25))
            if not converted:
                start -= dt.timedelta(hours=rng.randint(2, 60))
            end = start + dt.timedelta(minutes=rng.randint(1, 40), seconds=rng.randint(0, 59))
            if converted:
                end = max(end, placed_at + dt.timedelta(minutes=1))
            batch.append(AssistedSession(
                agent_id=agent_id, customer_id=customer_id, status="ENDED", reason=rng.choice(REASONS),
                ticket=MARK if not written and not batch else "", started_at=start, last_seen_at=end, ended_at=end,
                end_reason=rng.choice(ENDINGS),
            ))  # fmt: skip
        if len(batch) >= 10_000:
            AssistedSession.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    AssistedSession.objects.bulk_create(batch)
    written += len(batch)
    log(f"{written} assisted sessions written in {time.perf_counter() - started:.1f} s")

# The rollup: its first fill (as the worker's first beat on this data set), then one refresh.
AgentDay.objects.all().delete()
OrderDay.objects.all().delete()
RollupState.objects.all().delete()
started = time.perf_counter()
first_fill = rollup.refresh()
fill_seconds = time.perf_counter() - started
started = time.perf_counter()
again = rollup.refresh()
refresh_seconds = time.perf_counter() - started
log(f"rollup first fill: {first_fill} in {fill_seconds:.1f} s; a refresh: {again} in {refresh_seconds:.2f} s")

# The figures of the last 90 days in the process: from the rollup (as the page) and straight.
scope = analytics_scope(ActingContext(user=supervisor))
period = parse_period({"period": "90"}, today_of(scope))
timings: dict[str, dict[str, float]] = {}
for name, live_only, runs in (("rollup_and_today", False, 30), ("direct", True, 3)):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fig = figures(scope, period, live_only=live_only)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    timings[name] = {"p50_ms": round(statistics.median(samples), 1), "max_ms": round(samples[-1], 1),
                     "sessions": fig.total.sessions, "assisted_orders": fig.total.assisted_orders,
                     "alone_orders": fig.total.alone_orders}  # fmt: skip
    log(f"figures, 90 days, {name}: {timings[name]}")

today = today_of(scope)
print(json.dumps({
    "supervisor": cookie(supervisor), "csr": cookie(agents[0]), "token": api_token(supervisor),
    "store": Store.objects.order_by("pk").values_list("code", flat=True).first(),
    "today": today.isoformat(), "year_from": (today - dt.timedelta(days=365)).isoformat(),
    "orders": Order.objects.count(), "assisted_sessions": AssistedSession.objects.count(),
    "rollup": {"first_fill_s": round(fill_seconds, 1), "first_fill_days": first_fill.days,
               "rows": AgentDay.objects.count() + OrderDay.objects.count(), "refresh_s": round(refresh_seconds, 2)},
    "figures_in_process": timings,
}))  # fmt: skip
