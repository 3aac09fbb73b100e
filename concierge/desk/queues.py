"""The supervisor's desk's queues: what waits for a team lead in the stores they serve.

Four queues, each one page of rows sorted by a chosen column (ties broken by id), filtered by one
of the stores the supervisor serves, paged by offset:

- **On Hold**: orders waiting On Hold, with their holds (by the rule's name) and how long they have
  waited since their first open hold was placed.
- **Refunds awaiting approval**: refunds a second person with the Approve Refund privilege decides.
- **Locks**: orders and carts that someone holds the lock of now, with who, since when and when the
  lock was last renewed (a lease's expiry is pushed out by its time to live at each renewal).
- **Live assisted sessions**: sessions open now whose agent has not gone idle or reached the limit.

Every queue is scoped by ``stores_served`` (the project's one store-scope policy); the rows of
other stores are not there. A page costs a fixed number of statements whatever its size (the
count, the page, and at most one more for the rows' related items: the holds of the page's
orders), each row's columns joined or annotated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import CharField, DateTimeField, F, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat

from concierge.assist.models import AssistedSession
from concierge.assist.services import idle_timeout, time_limit
from concierge.carts.locks import cart_force_unlock, cart_lease_ttl
from concierge.carts.models import Cart
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.paging import NumberedPages
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.orders.locks import ORDER_LEASE_TTL, order_force_unlock, order_lock, order_unlock
from concierge.orders.models import Hold, Order
from concierge.orders.refunds import NOTE_MAX, order_refund_approve, order_refund_reject
from concierge.payments.errors import PaymentError
from concierge.payments.models import Refund
from concierge.stores.models import Store
from concierge.stores.selectors import stores_named

PAGE_SIZE = 25
OPEN_HOLDS = (Hold.Status.OPEN, Hold.Status.RESOLVE_PENDING, Hold.Status.UNRESOLVABLE_PENDING)
DESK_REFUSED = "The supervisor's desk is for supervisors and administrators (the View Desk privilege)."


def may_view_desk(ctx: ActingContext) -> bool:
    return ctx.user is not None and ctx.has_perm(Priv.VIEW_DESK) and ctx.has_perm(Priv.USE_SERVICE_CONSOLE)


def check_desk(ctx: ActingContext) -> None:
    """The desk's door: the View Desk privilege (a CSR is refused)."""
    if not may_view_desk(ctx):
        raise PermissionDenied(DESK_REFUSED)


def desk_stores(ctx: ActingContext) -> list[Store]:
    """The stores the supervisor serves, by name (the store filter's choices)."""
    return sorted(stores_named(stores_served(ctx)), key=lambda s: s.name)


def age_words(delta: dt.timedelta) -> str:
    """How long, in words a person reads at a glance: "3 days 4 hours", "2 hours 5 minutes",
    "12 minutes", "less than a minute"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


# --- The queues ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A queue: its rows in scope, the columns it sorts by, and how its rows are built."""

    key: str
    name: str
    rows: Callable[[frozenset[int], dt.datetime], QuerySet]
    sorts: Mapping[str, tuple[str, ...]]  # sort key → the fields or annotations it orders by (ascending)
    default_sort: str
    default_descending: bool = False
    annotate: Callable[[QuerySet], QuerySet] = lambda qs: qs
    finish: Callable[[list[Any], dt.datetime], None] = lambda rows, now: None  # one statement at most


def _held_rows(store_ids: frozenset[int], now: dt.datetime) -> QuerySet:
    return Order.objects.filter(status=Order.Status.ON_HOLD, store_id__in=store_ids)


def _held_annotate(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        held_since=Coalesce(Min("holds__created_at", filter=Q(holds__status__in=OPEN_HOLDS)), F("placed_at")),
        customer_sort=Concat(
            Coalesce("customer__last_name", Value("")), Value(" "), Coalesce("customer__first_name", Value("")),
            Value(" "), Coalesce("customer__organization_name", Value("")), output_field=CharField(),
        ),
    ).select_related("customer", "store")  # fmt: skip


def _held_finish(rows: list[Any], now: dt.datetime) -> None:
    """The open holds of the page's orders, in one statement; each row's age on hold."""
    by_order: dict[int, list[Hold]] = {row.pk: [] for row in rows}
    if by_order:
        for hold in Hold.objects.filter(order_id__in=by_order, status__in=OPEN_HOLDS).select_related("rule"):
            by_order[hold.order_id].append(hold)
    for row in rows:
        row.desk_holds = by_order[row.pk]
        row.desk_hold_labels = hold_labels(row.desk_holds)
        row.desk_age = age_words(now - (row.held_since or now))


def hold_labels(holds: Iterable[Hold]) -> list[str]:
    """The holds as a person names them: the rule's name (the reason's words for a hold whose rule
    is gone), each once."""
    labels: list[str] = []
    for hold in holds:
        label = hold.rule.name if hold.rule is not None else hold.reason.split(":", 1)[0]
        if label not in labels:
            labels.append(label)
    return labels


HELD = Queue(
    key="on-hold",
    name="Orders On Hold",
    rows=_held_rows,
    sorts={
        "number": ("number",),
        "customer": ("customer_sort",),
        "store": ("store__name",),
        "age": ("held_since",),
        "total": ("total",),
    },
    default_sort="age",
    annotate=_held_annotate,
    finish=_held_finish,
)


def _refund_rows(store_ids: frozenset[int], now: dt.datetime) -> QuerySet:
    return Refund.objects.filter(status=Refund.Status.AWAITING_APPROVAL, order__store_id__in=store_ids)


def _refund_annotate(rows: QuerySet) -> QuerySet:
    return rows.select_related("order", "order__store", "order__customer", "requested_by")


def _keyed(prefix: str) -> Callable[[list[Any], dt.datetime], None]:
    def finish(rows: list[Any], now: dt.datetime) -> None:
        for row in rows:
            row.desk_key = f"{prefix}-{row.pk}"

    return finish


REFUNDS = Queue(
    key="refunds",
    name="Refunds Awaiting Approval",
    rows=_refund_rows,
    sorts={"requested": ("created_at",), "order": ("order__number",), "store": ("order__store__name",),
           "amount": ("amount",), "requested_by": ("requested_by__last_name", "requested_by__first_name")},
    default_sort="requested",
    annotate=_refund_annotate,
    finish=_keyed("refund"),
)  # fmt: skip


@dataclass
class LockRow:
    """A lock held now: an order open for editing, or a customer's cart locked by customer service."""

    kind: Literal["order", "cart"]
    pk: int
    label: str  # the order's number, or the cart's customer
    customer: str
    holder: str
    store: Store | None
    since: dt.datetime
    expires_at: dt.datetime
    last_renewed: dt.datetime
    number: str = ""  # the order's number

    @property
    def key(self) -> str:
        """The row's name on the page (``order-<number>``, ``cart-<id>``)."""
        return f"order-{self.number}" if self.kind == "order" else f"cart-{self.pk}"

    @property
    def kind_label(self) -> str:
        return "Order" if self.kind == "order" else "Cart"


_LOCK_COLUMNS = ("kind", "pk", "ref", "cust_first", "cust_last", "cust_org", "holder_first", "holder_last",
                 "holder_email", "store_id", "since", "expires")  # fmt: skip


def _lock_values(queryset: QuerySet, kind: str, ref: str, customer: str) -> QuerySet:
    return queryset.annotate(
        kind=Value(kind, output_field=CharField()),
        ref=Coalesce(F(ref), Value(""), output_field=CharField()),
        cust_first=Coalesce(F(f"{customer}__first_name"), Value(""), output_field=CharField()),
        cust_last=Coalesce(F(f"{customer}__last_name"), Value(""), output_field=CharField()),
        cust_org=Coalesce(F(f"{customer}__organization_name"), Value(""), output_field=CharField()),
        holder_first=F("lease_holder__first_name"),
        holder_last=F("lease_holder__last_name"),
        holder_email=F("lease_holder__email"),
        since=Coalesce(F("lease_acquired_at"), F("lease_expires_at"), output_field=DateTimeField()),
        expires=F("lease_expires_at"),
    ).values_list(*_LOCK_COLUMNS)


def _lock_rows(store_ids: frozenset[int], now: dt.datetime) -> QuerySet:
    live = Q(lease_holder__isnull=False, lease_expires_at__gt=now, store_id__in=store_ids)
    orders = _lock_values(Order.objects.filter(live).order_by(), "order", "number", "customer")
    carts = _lock_values(Cart.objects.filter(live, status=Cart.Status.ACTIVE).order_by(), "cart", "code", "customer")
    return orders.union(carts, all=True)


def _name(first: str | None, last: str | None, fallback: str | None = "") -> str:
    return f"{first or ''} {last or ''}".strip() or (fallback or "")


def _lock_row(values: tuple, stores: Mapping[int, Store], now: dt.datetime) -> LockRow:
    kind, pk, ref, cust_first, cust_last, cust_org, holder_first, holder_last, holder_email, store_id, since, \
        expires = values  # fmt: skip
    customer = cust_org if cust_org and not (cust_first or cust_last) else _name(cust_first, cust_last)
    ttl = ORDER_LEASE_TTL if kind == "order" else cart_lease_ttl()
    # Each renewal pushes the expiry out by the lease's time to live: it was last renewed a TTL before
    # its expiry (never later than now, nor before it was taken).
    renewed = min(expires - ttl, now)
    renewed = max(since, renewed) if since is not None else renewed
    lock_kind: Literal["order", "cart"] = "order" if kind == "order" else "cart"
    return LockRow(kind=lock_kind, pk=pk, label=ref if kind == "order" else (customer or "A shopper's cart"),
                   customer=customer or "Guest", holder=_name(holder_first, holder_last, holder_email),
                   store=stores.get(store_id), since=since, expires_at=expires, last_renewed=renewed,
                   number=ref if kind == "order" else "")  # fmt: skip


LOCKS = Queue(
    key="locks",
    name="Locked orders and carts",
    rows=_lock_rows,
    sorts={
        "kind": ("kind",),
        "holder": ("holder_last", "holder_first"),
        "since": ("since",),
        "expires": ("expires",),
        "item": ("ref",),
    },
    default_sort="since",
)


def _session_rows(store_ids: frozenset[int], now: dt.datetime) -> QuerySet:
    return AssistedSession.objects.filter(
        ended_at=None, customer__store_id__in=store_ids, last_seen_at__gt=now - idle_timeout(),
        started_at__gt=now - time_limit(),
    )  # fmt: skip


def _session_annotate(rows: QuerySet) -> QuerySet:
    return rows.select_related("agent", "customer", "customer__store")


SESSIONS = Queue(
    key="sessions",
    name="Live assisted sessions",
    rows=_session_rows,
    sorts={
        "agent": ("agent__last_name", "agent__first_name"),
        "customer": ("customer__last_name", "customer__first_name"),
        "reason": ("reason",),
        "case": ("ticket",),
        "since": ("started_at",),
        "active": ("last_seen_at",),
    },
    default_sort="since",
    annotate=_session_annotate,
    finish=_keyed("session"),
)

QUEUES: dict[str, Queue] = {q.key: q for q in (HELD, REFUNDS, LOCKS, SESSIONS)}


# --- Reading a queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    ctx: ActingContext
    store_ids: frozenset[int]
    store: Store | None  # the store the queue is filtered by (None: every store served)
    now: dt.datetime


def desk_scope(ctx: ActingContext, *, store_id: int | None = None, now: dt.datetime | None = None) -> Scope:
    """The stores a queue reads for ``ctx``: every store they serve, or the one of them chosen (a
    store they do not serve is none: its rows are nobody's to see here)."""
    check_desk(ctx)
    served = stores_served(ctx)
    store = None
    if store_id is not None:
        chosen = stores_named([store_id]) if store_id in served else []
        store = chosen[0] if chosen else None
        served = frozenset({store_id}) & served
    return Scope(ctx=ctx, store_ids=served, store=store, now=now or clock.now())


@dataclass(frozen=True)
class Page(NumberedPages):
    queue: Queue
    rows: list[Any]
    total: int
    page: int
    pages: int
    sort: str
    descending: bool
    store: Store | None


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def queue_count(scope: Scope, queue: Queue) -> int:
    return queue.rows(scope.store_ids, scope.now).count()


def queue_counts(scope: Scope) -> dict[str, int]:
    """How many rows each queue has now (the desk's home): one statement per queue."""
    return {key: queue_count(scope, queue) for key, queue in QUEUES.items()}


def queue_page(
    scope: Scope, queue: Queue, *, sort: str = "", descending: bool | None = None, page: int = 1,
    size: int = PAGE_SIZE,
) -> Page:  # fmt: skip
    """One page of ``queue`` in ``scope``: sorted by one of its sorts (its default for any other),
    ``page`` counted from 1 (a page past the end is the last one)."""
    if sort not in queue.sorts:
        sort, descending = queue.default_sort, None
    if descending is None:
        descending = queue.default_descending and sort == queue.default_sort
    rows = queue.rows(scope.store_ids, scope.now)
    total = rows.count()
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    order = [*(_flip(f) if descending else f for f in queue.sorts[sort]), "-pk" if descending else "pk"]
    window = slice((page - 1) * size, page * size)
    if queue is LOCKS:
        stores = {s.pk: s for s in stores_named(scope.store_ids)}
        built: list[Any] = [_lock_row(v, stores, scope.now) for v in rows.order_by(*order)[window]]
    else:
        built = list(queue.annotate(rows).order_by(*order)[window])
        queue.finish(built, scope.now)
    return Page(queue=queue, rows=built, total=total, page=page, pages=pages, sort=sort, descending=descending,
                store=scope.store)  # fmt: skip


# --- Acting on a row -------------------------------------------------------------------------------


def desk_refund(ctx: ActingContext, refund_id: int) -> Refund:
    """A refund awaiting approval in a store ``ctx`` serves; any other is "not found"."""
    check_desk(ctx)
    refund = (
        Refund.objects.select_related("order", "order__store")
        .filter(pk=refund_id, order__store_id__in=stores_served(ctx))
        .first()
    )
    if refund is None:
        raise NotFound("No such refund.")
    return refund


def _decide(
    ctx: ActingContext, refund_id: int, version: int | None, decide: Callable[[int, EditGuard], Refund]
) -> Refund:
    """Approve or Reject in place: open the order for editing (as Edit does: its version, if the
    queue named it, must be the one shown), then decide under that lock and version — the decision
    is a save, which unlocks the order; a refused decision lets go of the lock it took."""
    order_id = desk_refund(ctx, refund_id).order_id
    grant = order_lock(ctx, order_id=order_id, expected_version=version)
    guard = EditGuard(version=Order.objects.filter(pk=order_id).values_list("version", flat=True).first(),
                      lease_token=grant.token)  # fmt: skip
    try:
        return decide(order_id, guard)
    except DomainError:
        with contextlib.suppress(DomainError):
            order_unlock(ctx, order_id=order_id, lease_token=grant.token, reason="closed")
        raise


def desk_refund_approve(ctx: ActingContext, *, refund_id: int, version: int | None = None) -> Refund:
    """Approve a refund from the queue (never one's own: ``order_refund_approve`` refuses it)."""
    return _decide(ctx, refund_id, version, lambda order_id, guard: order_refund_approve(
        ctx, order_id=order_id, refund_id=refund_id, guard=guard))  # fmt: skip


def desk_refund_reject(ctx: ActingContext, *, refund_id: int, reason: str, version: int | None = None) -> Refund:
    """Reject a refund from the queue, with a reason (never one's own)."""
    reason = (reason or "").strip()
    if problem := text_problem(reason, limit=NOTE_MAX, required="Give a reason for rejecting the refund."):
        raise DomainError(PaymentError.REFUND_INVALID, problem, status=422, fields={"reason": [problem]})
    return _decide(ctx, refund_id, version, lambda order_id, guard: order_refund_reject(
        ctx, order_id=order_id, refund_id=refund_id, guard=guard, reason=reason))  # fmt: skip


def desk_order_unlock(ctx: ActingContext, *, number: str, reason: str) -> tuple[Order, int | None]:
    """Unlock an order someone holds (the Unlock Order privilege, a reason): ``order_force_unlock``.
    Another store's order is "not found"; one that is not locked any more changes nothing."""
    check_desk(ctx)
    order = Order.objects.filter(number=number, store_id__in=stores_served(ctx)).first()
    if order is None:
        raise NotFound("No such order.")
    return order, order_force_unlock(ctx, order_id=order.pk, reason=reason)


def desk_cart_unlock(ctx: ActingContext, *, cart_id: int, reason: str) -> tuple[Cart, int | None]:
    """Unlock a customer's cart that customer service holds (the Unlock Order privilege, a reason)."""
    check_desk(ctx)
    cart = Cart.objects.select_related("customer").filter(pk=cart_id, store_id__in=stores_served(ctx)).first()
    if cart is None:
        raise NotFound("No such cart.")
    return cart, cart_force_unlock(ctx, cart_id=cart.pk, reason=reason)
