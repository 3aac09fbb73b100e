"""The daily figures of one store, computed by SQL aggregates, and the rollup tables they fill.

:func:`compute_days` groups a span of the store's days straight from the sessions, takeovers,
orders, returns and refunds (``GROUP BY`` day in the store's time zone, agent, and what each figure
is broken down by). The worker's :func:`refresh` writes what it computes for every closed day into
``AgentDay`` and ``OrderDay``; the figures read those for closed days and compute today live with
the same function (``concierge.desk.analytics``), so the two can never disagree on a definition.

Each fact has one day, the one on which it became final, so a closed day's rows do not change:

- a session counts on the day it **ended** (its duration, reason and end are known then); it is
  *converted* when its agent placed an order for its customer while it was open, and *with a cart*
  when an item went into a cart in it (the audit trail's cart events of the session) or it took
  over a cart;
- an order counts on the day it was **placed** (a draft customer service prepared, on the day the
  shopper checked it out), in its currency, for its agent: whoever placed it or prepared it for the
  customer (``placed_by`` of an order ``placed_on_behalf`` or ``from_draft``); otherwise it was
  placed by the shopper alone. Drafts and exchange orders (goods sent back out) are not sales;
- a return counts on the day it was opened (cancelled ones not), a refund on the day it was issued,
  both for the agent of the order;
- a takeover counts on the day it started; a handed-back cart on the day it was handed back, and
  as checked out on the day its shopper placed the order.

What can still change about a closed day (an amendment's new total, a return cancelled later) is
caught by recomputing the last ``SETTLE_DAYS`` days on every refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate

from concierge.assist.models import AssistedSession, CartTakeover
from concierge.audit.models import Event
from concierge.core import clock
from concierge.desk.models import AgentDay, OrderDay, RollupState
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.returns.models import Return
from concierge.stores.models import Store

# Closed days recomputed on every refresh: late changes to recent days (an amended total, a return
# cancelled) reach the rollup within this many days.
SETTLE_DAYS = 3
# The first refresh of a store rolls up at most this far back (the page's longest preset is 90 days).
BACKFILL_DAYS = 400
# Cart events that put something into a cart.
CART_ACTIONS = ("cart.line_added", "cart.quantity_changed")
ZERO = Decimal(0)


class _Seconds(Func):
    """Whole seconds between two timestamps, on PostgreSQL and SQLite alike."""

    output_field = IntegerField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (end_sql, end_params), (start_sql, start_params) = (compiler.compile(e) for e in self.source_expressions)
        if connection.vendor == "postgresql":
            sql = f"CAST(ROUND(EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))) AS integer)"
        else:
            sql = f"CAST(ROUND((julianday({end_sql}) - julianday({start_sql})) * 86400.0) AS integer)"
        return sql, [*end_params, *start_params]


def minutes_of(seconds: int) -> int:
    """A session's length as the customer's ledger shows it: whole minutes, at least one."""
    return max(1, (seconds + 30) // 60)


@dataclass
class AgentFacts:
    sessions: int = 0
    session_seconds: int = 0
    with_cart: int = 0
    converted: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_end: dict[str, int] = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    takeovers: int = 0
    handed_back: int = 0
    checked_out: int = 0


@dataclass
class OrderFacts:
    orders: int = 0
    revenue: Decimal = ZERO
    returns: int = 0
    refunds: int = 0
    refunded: Decimal = ZERO


@dataclass
class Days:
    """One store's facts for a span of days: by (day, agent id) and by (day, agent id or None, currency)."""

    agents: dict[tuple[dt.date, int], AgentFacts] = field(default_factory=dict)
    orders: dict[tuple[dt.date, int | None, str], OrderFacts] = field(default_factory=dict)

    def agent(self, day: dt.date, agent_id: int) -> AgentFacts:
        return self.agents.setdefault((day, agent_id), AgentFacts())

    def order(self, day: dt.date, agent_id: int | None, currency: str) -> OrderFacts:
        return self.orders.setdefault((day, agent_id, currency), OrderFacts())


def zone_of(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_today(store: Store, now: dt.datetime | None = None) -> dt.date:
    return (now or clock.now()).astimezone(zone_of(store)).date()


def span(store: Store, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of ``first`` to the end of ``last`` in the store's time zone."""
    zone = zone_of(store)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _agent_of_order(prefix: str = "") -> Q:
    """An order placed or prepared for the customer by staff."""
    return Q(**{f"{prefix}placed_on_behalf": True}, **{f"{prefix}placed_by__isnull": False}) | Q(
        **{f"{prefix}from_draft": True}, **{f"{prefix}placed_by__isnull": False}
    )


def sales(queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders that are sales: placed (not a draft) and not an exchange sending goods back out."""
    rows = queryset if queryset is not None else Order.objects.all()
    return rows.exclude(status=Order.Status.DRAFT).filter(exchange_for__isnull=True)


def compute_days(store: Store, first: dt.date, last: dt.date, *, agent_id: int | None = None,
                 session_floor: int | None = None) -> Days:  # fmt: skip
    """Every fact of ``store`` from ``first`` to ``last`` (its days, inclusive); ``agent_id``: that
    agent's only (and no shopper-alone orders). ``session_floor``: no session that ends in the span
    has a lower id (``RollupState.session_floor``), so the sessions are read by primary key."""
    zone = zone_of(store)
    start, end = span(store, first, last)
    days = Days()
    _sessions(days, store, zone, start, end, agent_id, session_floor)
    _takeovers(days, store, zone, start, end, agent_id)
    _orders(days, store, zone, start, end, agent_id)
    _returns(days, store, zone, start, end, agent_id)
    _refunds(days, store, zone, start, end, agent_id)
    return days


def _sessions(days: Days, store: Store, zone: ZoneInfo, start: dt.datetime, end: dt.datetime,
              agent_id: int | None, floor: int | None = None) -> None:  # fmt: skip
    rows = AssistedSession.objects.filter(customer__store_id=store.pk, ended_at__gte=start, ended_at__lt=end)
    if floor is not None:
        rows = rows.filter(pk__gte=floor)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    placed_in_it = sales().filter(
        customer_id=OuterRef("customer_id"), placed_by_id=OuterRef("agent_id"),
        placed_at__gte=OuterRef("started_at"), placed_at__lte=OuterRef("ended_at"),
    )  # fmt: skip
    carted = Event.objects.filter(
        on_behalf_of_id=OuterRef("customer_id"), assisted_session_id=OuterRef("pk"), action__in=CART_ACTIONS
    )
    took_over = CartTakeover.objects.filter(session_id=OuterRef("pk"))
    grouped = (
        rows.annotate(
            day=TruncDate("ended_at", tzinfo=zone),
            seconds=_Seconds(F("ended_at"), F("started_at")),
            converted=Exists(placed_in_it),
            with_cart=Exists(carted) | Exists(took_over),
        )
        .values("day", "agent_id", "reason", "end_reason", "seconds", "converted", "with_cart")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        facts = days.agent(row["day"], row["agent_id"])
        n, seconds = row["n"], max(0, int(row["seconds"] or 0))
        facts.sessions += n
        facts.session_seconds += seconds * n
        facts.converted += n if row["converted"] else 0
        facts.with_cart += n if row["with_cart"] else 0
        reason = row["reason"] or ""
        facts.by_reason[reason] = facts.by_reason.get(reason, 0) + n
        facts.by_end[row["end_reason"]] = facts.by_end.get(row["end_reason"], 0) + n
        minutes = str(minutes_of(seconds))
        facts.minutes[minutes] = facts.minutes.get(minutes, 0) + n


def _takeovers(days: Days, store: Store, zone: ZoneInfo, start: dt.datetime, end: dt.datetime,
               agent_id: int | None) -> None:  # fmt: skip
    rows = CartTakeover.objects.filter(customer__store_id=store.pk)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    started = (
        rows.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone)).values("day", "agent_id").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    for row in started:
        days.agent(row["day"], row["agent_id"]).takeovers += row["n"]
    back = rows.filter(ended_at__gte=start, ended_at__lt=end, status=CartTakeover.Status.HANDED_BACK)
    for row in (
        back.annotate(day=TruncDate("ended_at", tzinfo=zone))
        .values("day", "agent_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days.agent(row["day"], row["agent_id"]).handed_back += row["n"]
    checked = (
        rows.filter(status=CartTakeover.Status.HANDED_BACK, order__placed_at__gte=start, order__placed_at__lt=end)
        .exclude(order__status__in=[Order.Status.DRAFT, Order.Status.CANCELLED])
        .annotate(day=TruncDate("order__placed_at", tzinfo=zone)).values("day", "agent_id").annotate(n=Count("pk"))
        .order_by()
    )  # fmt: skip
    for row in checked:
        days.agent(row["day"], row["agent_id"]).checked_out += row["n"]


def _order_agent(rows: QuerySet[Any], prefix: str) -> QuerySet[Any]:
    """``agent``: the staff member the order is attributed to, or None for a shopper alone."""
    return rows.annotate(
        agent=Case(
            When(_agent_of_order(prefix), then=F(f"{prefix}placed_by_id")), default=None, output_field=IntegerField()
        )
    )


def _orders(days: Days, store: Store, zone: ZoneInfo, start: dt.datetime, end: dt.datetime,
            agent_id: int | None) -> None:  # fmt: skip
    rows = sales(Order.objects.filter(store_id=store.pk, placed_at__gte=start, placed_at__lt=end))
    if agent_id is not None:
        rows = rows.filter(_agent_of_order(), placed_by_id=agent_id)
    grouped = (
        _order_agent(rows, "").annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values("day", "agent", "currency").annotate(n=Count("pk"), revenue=Sum("total")).order_by()
    )  # fmt: skip
    for row in grouped:
        facts = days.order(row["day"], row["agent"], row["currency"])
        facts.orders += row["n"]
        facts.revenue += row["revenue"] or ZERO


def _returns(days: Days, store: Store, zone: ZoneInfo, start: dt.datetime, end: dt.datetime,
             agent_id: int | None) -> None:  # fmt: skip
    rows = Return.objects.filter(store_id=store.pk, created_at__gte=start, created_at__lt=end).exclude(
        status=Return.Status.CANCELLED
    )
    if agent_id is not None:
        rows = rows.filter(_agent_of_order("order__"), order__placed_by_id=agent_id)
    grouped = (
        _order_agent(rows, "order__").annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day", "agent", "order__currency").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    for row in grouped:
        days.order(row["day"], row["agent"], row["order__currency"]).returns += row["n"]


def _refunds(days: Days, store: Store, zone: ZoneInfo, start: dt.datetime, end: dt.datetime,
             agent_id: int | None) -> None:  # fmt: skip
    rows = Refund.objects.filter(
        order__store_id=store.pk, status=Refund.Status.ISSUED, settled_at__gte=start, settled_at__lt=end
    )
    if agent_id is not None:
        rows = rows.filter(_agent_of_order("order__"), order__placed_by_id=agent_id)
    grouped = (
        _order_agent(rows, "order__").annotate(day=TruncDate("settled_at", tzinfo=zone))
        .values("day", "agent", "currency").annotate(n=Count("pk"), amount=Sum("amount")).order_by()
    )  # fmt: skip
    for row in grouped:
        facts = days.order(row["day"], row["agent"], row["currency"])
        facts.refunds += row["n"]
        facts.refunded += row["amount"] or ZERO


# --- the rollup tables -------------------------------------------------------------------------


def write_days(store: Store, first: dt.date, last: dt.date) -> int:
    """Compute ``first``..``last`` of ``store`` and replace their rows; returns the rows written."""
    days = compute_days(store, first, last)
    agent_rows = [
        AgentDay(day=day, store_id=store.pk, agent_id=agent, sessions=f.sessions, session_seconds=f.session_seconds,
                 with_cart=f.with_cart, converted=f.converted, by_reason=f.by_reason, by_end=f.by_end,
                 minutes=f.minutes, takeovers=f.takeovers, handed_back=f.handed_back, checked_out=f.checked_out)
        for (day, agent), f in days.agents.items()
    ]  # fmt: skip
    order_rows = [
        OrderDay(day=day, store_id=store.pk, agent_id=agent, currency=currency, orders=f.orders, revenue=f.revenue,
                 returns=f.returns, refunds=f.refunds, refunded=f.refunded)
        for (day, agent, currency), f in days.orders.items()
    ]  # fmt: skip
    with transaction.atomic():
        AgentDay.objects.filter(store_id=store.pk, day__gte=first, day__lte=last).delete()
        OrderDay.objects.filter(store_id=store.pk, day__gte=first, day__lte=last).delete()
        AgentDay.objects.bulk_create(agent_rows, batch_size=1000)
        OrderDay.objects.bulk_create(order_rows, batch_size=1000)
    return len(agent_rows) + len(order_rows)


@dataclass
class Refreshed:
    stores: int = 0
    days: int = 0
    rows: int = 0


def _first_day(store: Store, yesterday: dt.date) -> dt.date:
    """Where a store's first refresh starts: its oldest order, session or takeover (at most
    ``BACKFILL_DAYS`` back)."""
    floor = yesterday - dt.timedelta(days=BACKFILL_DAYS - 1)
    candidates = [
        Order.objects.filter(store_id=store.pk).order_by("placed_at").values_list("placed_at", flat=True).first(),
        AssistedSession.objects.filter(customer__store_id=store.pk, ended_at__isnull=False)
        .order_by("ended_at").values_list("ended_at", flat=True).first(),
    ]  # fmt: skip
    oldest = min((c for c in candidates if c is not None), default=None)
    if oldest is None:
        return yesterday
    return max(floor, oldest.astimezone(zone_of(store)).date())


def _session_floor(store: Store, through: dt.date) -> int:
    """The lowest id of the store's sessions not ended by the end of ``through`` (or, if every
    session had, the next id there will be)."""
    _, end = span(store, through, through)
    sessions = AssistedSession.objects.filter(customer__store_id=store.pk)
    still_on = (
        sessions.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end)).order_by("pk").values_list("pk", flat=True)
    )
    lowest = still_on.first()
    if lowest is not None:
        return lowest
    return (AssistedSession.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def refresh(*, now: dt.datetime | None = None, chunk_days: int = 31) -> Refreshed:
    """Roll up every closed day of every store not yet rolled up, and recompute the last
    ``SETTLE_DAYS`` closed days. Idempotent: a day computed again is replaced whole."""
    done = Refreshed()
    now = now or clock.now()
    for store in Store.objects.all():
        yesterday = local_today(store, now) - dt.timedelta(days=1)
        state, _ = RollupState.objects.get_or_create(store=store)
        if state.complete_through is None:
            first = _first_day(store, yesterday)
        else:
            first = min(state.complete_through + dt.timedelta(days=1), yesterday - dt.timedelta(days=SETTLE_DAYS - 1))
        if first > yesterday:
            continue
        day = first
        while day <= yesterday:
            last = min(yesterday, day + dt.timedelta(days=chunk_days - 1))
            done.rows += write_days(store, day, last)
            done.days += (last - day).days + 1
            day = last + dt.timedelta(days=1)
        RollupState.objects.filter(pk=state.pk).update(
            complete_through=yesterday, refreshed_at=now, session_floor=_session_floor(store, yesterday)
        )
        done.stores += 1
    return done


@dataclass(frozen=True)
class Rolled:
    through: dt.date | None = None
    session_floor: int | None = None


def rolled_through(store_ids: set[int] | frozenset[int]) -> dict[int, Rolled]:
    """Per store, the last day its rollup holds and its session floor."""
    found = {
        store_id: Rolled(through, floor)
        for store_id, through, floor in RollupState.objects.filter(store_id__in=store_ids).values_list(
            "store_id", "complete_through", "session_floor"
        )
    }
    return {store_id: found.get(store_id, Rolled()) for store_id in store_ids}


def merge_days(into: Days, other: Days) -> None:
    """Add ``other``'s facts to ``into`` (different days)."""
    into.agents.update(other.agents)
    into.orders.update(other.orders)


def days_from_rollup(store_ids: set[int] | frozenset[int], first: dt.date, last: dt.date,
                     *, agent_id: int | None = None) -> dict[int, Days]:  # fmt: skip
    """The rolled-up facts of ``store_ids`` from ``first`` to ``last``, per store."""
    out: dict[int, Days] = defaultdict(Days)
    agents = AgentDay.objects.filter(store_id__in=store_ids, day__gte=first, day__lte=last)
    orders = OrderDay.objects.filter(store_id__in=store_ids, day__gte=first, day__lte=last)
    if agent_id is not None:
        agents, orders = agents.filter(agent_id=agent_id), orders.filter(agent_id=agent_id)
    for a in agents.iterator(chunk_size=2000):
        out[a.store_id].agents[(a.day, a.agent_id)] = AgentFacts(
            sessions=a.sessions, session_seconds=a.session_seconds, with_cart=a.with_cart, converted=a.converted,
            by_reason=dict(a.by_reason), by_end=dict(a.by_end), minutes=dict(a.minutes), takeovers=a.takeovers,
            handed_back=a.handed_back, checked_out=a.checked_out,
        )  # fmt: skip
    for o in orders.iterator(chunk_size=2000):
        out[o.store_id].orders[(o.day, o.agent_id, o.currency)] = OrderFacts(
            orders=o.orders, revenue=o.revenue, returns=o.returns, refunds=o.refunds, refunded=o.refunded
        )
    return out
