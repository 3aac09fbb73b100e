"""The customer list framework (seed 002 "Customer List"): a registry of list kinds, each the query a
``CustomerList`` definition runs, with its typed parameters and its catalogue of columns.

A CSR opens the lists they may see (``visible_lists``: active, for one of their roles or for every
CSR, for one of their stores or for every store) and reads one page of rows (``list_page``): only
rows of the stores they serve (and the definition names, if it names any), sorted by a sortable
column of the definition (the definition's default sort otherwise, ties broken by id), paged by
offset with the definition's page size. A page is four statements whatever its size: the store
settings, the count, the page's ids (sorted on as little as the sort needs) and those rows, every
column an annotation or a joined row (no query per row).

"Active cart total" is the customer's active cart at the store's list prices (quantity times the
store's price for everyone in the cart's currency), before promotions and tax: what a list can
compute in one statement; the cart page prices it fully.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from concierge.assist.models import AssistedSession
from concierge.carts.models import Cart, CartLine
from concierge.catalog.models import Price
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.core.paging import NumberedPages
from concierge.identity.access import access_of
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.orders.models import Order, Shipment
from concierge.presence.models import CustomerList
from concierge.presence.selectors import in_store_now


class ListError(StrEnum):
    NOT_FOUND = "list.not_found"
    SORT_INVALID = "list.sort_invalid"
    PAGE_INVALID = "list.page_invalid"
    PARAMETERS_INVALID = "list.parameters_invalid"


PAGE_SIZE_MAX = 200
OPEN_ORDER_STATUSES = (
    Order.Status.CREATED, Order.Status.ON_HOLD, Order.Status.IN_PROGRESS, Order.Status.PARTIALLY_SHIPPED,
    Order.Status.AWAITING_EXCHANGE,
)  # fmt: skip


# --- Parameters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One parameter of a list kind: ``type`` is "int", "decimal" or "text"."""

    key: str
    label: str
    type: str
    default: Any = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    max_length: int = 60
    help: str = ""

    def clean(self, raw: Any) -> Any:
        """The typed value of ``raw`` (``None`` or "" gives the default); ``ValueError`` with the
        message a person reads for anything else."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.default
        if self.type == "text":
            text = str(raw).strip()
            if problem := text_problem(text, limit=self.max_length):
                raise ValueError(problem)
            return text
        try:
            value: Decimal | int = int(str(raw).strip()) if self.type == "int" else Decimal(str(raw).strip())
        except (ValueError, InvalidOperation):
            raise ValueError("Enter a whole number." if self.type == "int" else "Enter an amount.") from None
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError("Enter an amount.")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"Enter {self.minimum} or more.")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"Enter {self.maximum} or less.")
        return value

    def stored(self, value: Any) -> Any:
        """How the value is kept in the definition's JSON (a Decimal as its text)."""
        return str(value) if isinstance(value, Decimal) else value


# --- Columns ---------------------------------------------------------------------------------------
class Cell(StrEnum):
    """How a column's value is shown: the template's one switch."""

    CUSTOMER = "customer"  # the name, a link to the profile and into Access customer's account
    TEXT = "text"
    WHEN = "when"  # a time in the row's store's time zone
    MONEY = "money"  # value and currency
    ORDER = "order"  # an order number, a link to the order page
    CART = "cart"  # a cart total, a link into the customer's cart (Access customer's account)
    SESSION = "session"  # a link to the session's changeset (what changed in it)
    COUNT = "count"
    STATUS = "status"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Cell
    value: Callable[[Any], Any]  # the row object (with its annotations) → what the cell shows
    sort: tuple[str, ...] = ()  # the fields or annotations a sort by this column orders by; () not sortable
    needs: tuple[str, ...] = ()  # annotations it reads (``ListKind.annotations``)

    @property
    def sortable(self) -> bool:
        return bool(self.sort)


def _customer_columns(c: str) -> list[Column]:
    """The columns every kind has, about the row's customer at ``c`` (a field path)."""

    def cust(row: Any) -> Any:
        obj = row
        for part in c.split("__"):
            obj = getattr(obj, part)
        return obj

    return [
        Column("name", "Name", Cell.CUSTOMER, lambda r: cust(r).display_name,
               sort=(f"{c}__last_name", f"{c}__first_name", f"{c}__organization_name")),
        Column("email", "Email address", Cell.TEXT, lambda r: cust(r).email, sort=(f"{c}__email",)),
        Column("phone", "Phone number", Cell.TEXT, lambda r: cust(r).phone, sort=(f"{c}__phone",)),
        Column("customer_id", "Customer ID", Cell.TEXT, lambda r: cust(r).shared_id, sort=(f"{c}__shared_id",)),
        Column("organization", "Organization", Cell.TEXT, lambda r: r.list_organization,
               sort=("list_organization",), needs=("list_organization",)),
        Column("cart_total", "Active cart total", Cell.CART, lambda r: r.list_cart_total,
               sort=("list_cart_total",), needs=("list_cart_total", "list_cart_code", "list_cart_currency")),
        Column("open_orders", "Open orders", Cell.COUNT, lambda r: r.list_open_orders,
               sort=("list_open_orders",), needs=("list_open_orders",)),
        Column("last_order", "Last order", Cell.ORDER, lambda r: r.list_last_order,
               sort=("list_last_order_at",), needs=("list_last_order", "list_last_order_at")),
    ]  # fmt: skip


def _customer_annotations(c: str) -> dict[str, Any]:
    """The expressions behind the shared columns, each a subquery on the row's customer."""
    customer = OuterRef(f"{c}_id")
    price = Price.objects.filter(
        sku_id=OuterRef("sku_id"), price_list__store_id=OuterRef("cart__store_id"),
        price_list__currency=OuterRef("cart__currency"), price_list__segment__isnull=True,
        price_list__account__isnull=True,
    ).values("amount")[:1]  # fmt: skip
    money = DecimalField(max_digits=14, decimal_places=2)
    cart_value = (
        CartLine.objects.filter(cart__customer_id=customer, cart__status=Cart.Status.ACTIVE)
        .annotate(value=ExpressionWrapper(F("quantity") * Subquery(price), output_field=money))
        .values("cart_id")
        .annotate(total=Sum("value"))
        .values("total")[:1]
    )
    active = Cart.objects.filter(customer_id=customer, status=Cart.Status.ACTIVE)
    placed = Order.objects.filter(customer_id=customer).exclude(status=Order.Status.DRAFT).order_by("-placed_at", "-id")
    open_orders = (
        Order.objects.filter(customer_id=customer, status__in=OPEN_ORDER_STATUSES)
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return {
        "list_organization": Coalesce(F(f"{c}__parent__organization_name"), Value("")),
        "list_cart_total": Subquery(cart_value, output_field=money),
        "list_cart_code": Subquery(active.values("code")[:1]),
        "list_cart_currency": Subquery(active.values("currency")[:1]),
        "list_open_orders": Coalesce(Subquery(open_orders, output_field=IntegerField()), Value(0)),
        "list_last_order": Subquery(placed.values("number")[:1]),
        "list_last_order_at": Subquery(placed.values("placed_at")[:1]),
    }


# --- Kinds -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Whom a list runs for: the CSR, the stores whose rows they see, the time it runs at."""

    ctx: ActingContext
    store_ids: frozenset[int]
    now: dt.datetime


@dataclass(frozen=True)
class ListKind:
    """A registered list kind: the query, its parameters and its column catalogue."""

    key: str
    name: str
    description: str
    customer_path: str  # the field path from a row to its customer
    store_path: str  # the field path from a row to the store whose time zone its times are shown in
    rows: Callable[[Scope, Mapping[str, Any]], QuerySet]  # the rows in scope, related rows joined
    columns: tuple[Column, ...]
    default_columns: tuple[str, ...]
    default_sort: str
    default_descending: bool = False
    params: tuple[Param, ...] = ()
    pinned: tuple[str, ...] = ()  # ordered first, before the chosen sort (e.g. in store now)
    annotations: Callable[[Scope], dict[str, Any]] = field(default=lambda scope: {})

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def sortable_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.sortable)

    def clean_parameters(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """The kind's parameters, typed; raises ``DomainError`` (422, ``fields``) naming each bad one
        and any the kind does not have."""
        raw = dict(raw or {})
        errors: dict[str, list[str]] = {}
        unknown = sorted(set(raw) - {p.key for p in self.params})
        if unknown:
            errors["parameters"] = [f"{self.name} has no parameter {', '.join(unknown)}."]
        cleaned: dict[str, Any] = {}
        for param in self.params:
            try:
                cleaned[param.key] = param.clean(raw.get(param.key))
            except ValueError as exc:
                errors[param.key] = [f"{param.label}: {exc}"]
        if errors:
            raise DomainError(ListError.PARAMETERS_INVALID, "Check the list's parameters.", status=422, fields=errors)
        return cleaned

    def validate_columns(self, keys: Iterable[str]) -> list[str]:
        """The problems with a chosen set of columns, in words (none: they are good)."""
        keys = list(keys)
        problems = []
        if not keys:
            problems.append("Choose at least one column.")
        if unknown := [k for k in keys if k not in self.column_keys]:
            problems.append(f"{self.name} has no column {', '.join(map(str, unknown))}; "
                            f"choose from {', '.join(self.column_keys)}.")  # fmt: skip
        if len(set(keys)) != len(keys):
            problems.append("Each column can be chosen once.")
        return problems


REGISTRY: dict[str, ListKind] = {}


def register(kind: ListKind) -> ListKind:
    if kind.key in REGISTRY:
        raise ValueError(f"A list kind {kind.key!r} is registered already.")
    REGISTRY[kind.key] = kind
    return kind


def kind_of(key: str) -> ListKind | None:
    return REGISTRY.get(key)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.name) for k in REGISTRY.values()]


# In store now ------------------------------------------------------------------------------------
def _in_store_rows(scope: Scope, params: Mapping[str, Any]) -> QuerySet:
    rows = in_store_now(scope.store_ids, now=scope.now).select_related("customer", "store")
    if zone := params.get("zone"):
        rows = rows.filter(zone__iexact=zone)
    return rows


IN_STORE = register(ListKind(
    key="in_store",
    name="Customers in store now",
    description="Customers the store's devices have seen within its quiet time, with where they are and since when.",
    customer_path="customer",
    store_path="store",
    rows=_in_store_rows,
    columns=(
        *_customer_columns("customer"),
        Column("zone", "Zone in store", Cell.TEXT, lambda r: r.zone, sort=("zone",)),
        Column("since", "In store since", Cell.WHEN, lambda r: r.since, sort=("since",)),
        Column("zone_since", "In zone since", Cell.WHEN, lambda r: r.zone_since, sort=("zone_since",)),
        Column("last_seen", "Last seen", Cell.WHEN, lambda r: r.last_seen_at, sort=("last_seen_at",)),
    ),
    default_columns=("name", "email", "phone", "zone", "since"),
    default_sort="since",
    default_descending=True,
    params=(Param("zone", "Zone", "text", default="", help="Only customers in this zone (empty: every zone)."),),
))  # fmt: skip


# Pick up in store --------------------------------------------------------------------------------
def _pickup_rows(scope: Scope, params: Mapping[str, Any]) -> QuerySet:
    return (
        Shipment.objects.filter(kind=Shipment.Kind.PICKUP, pickup_location__store_id__in=scope.store_ids,
                                status__in=[Shipment.Status.INVENTORY_ASSIGNED, Shipment.Status.ON_HOLD,
                                            Shipment.Status.RELEASED])
        .exclude(order__status__in=[Order.Status.DRAFT, Order.Status.CANCELLED])
        .select_related("order", "order__customer", "order__store", "pickup_location")
    )  # fmt: skip


def _pickup_annotations(scope: Scope) -> dict[str, Any]:
    here = in_store_now(scope.store_ids, now=scope.now).filter(
        customer_id=OuterRef("order__customer_id"), store_id=OuterRef("pickup_location__store_id")
    )
    return {
        "list_in_store": Exists(here),
        "list_in_store_zone": Subquery(here.values("zone")[:1]),
        "list_ready": Case(When(ready_for_pickup_at__isnull=False, then=Value(1)), default=Value(0),
                           output_field=IntegerField()),
    }  # fmt: skip


def _contact(first: str, last: str, email: str, phone: str) -> str:
    name = f"{first} {last}".strip()
    return " · ".join(part for part in (name, email, phone) if part)


PICKUP = register(ListKind(
    key="pickup",
    name="Customers picking up in store",
    description="Customers with orders to pick up at the store, ready or not; those in store now come first.",
    customer_path="order__customer",
    store_path="order__store",
    rows=_pickup_rows,
    columns=(
        *_customer_columns("order__customer"),
        Column("pickup_order", "Pickup order", Cell.ORDER, lambda r: r.order.number, sort=("order__number",)),
        Column("pickup_status", "Status", Cell.STATUS, lambda r: r.pickup_state(), sort=("list_ready",)),
        Column("ready_since", "Ready since", Cell.WHEN, lambda r: r.ready_for_pickup_at,
               sort=("ready_for_pickup_at",)),
        Column("placed", "Placed", Cell.WHEN, lambda r: r.order.placed_at, sort=("order__placed_at",)),
        Column("primary_contact", "Primary contact", Cell.TEXT,
               lambda r: _contact(r.primary_first_name, r.primary_last_name, r.primary_email, r.primary_phone)),
        Column("alternate_contact", "Alternate contact", Cell.TEXT,
               lambda r: _contact(r.alternate_first_name, r.alternate_last_name, r.alternate_email,
                                  r.alternate_phone)),
        Column("pickup_location", "Pickup location", Cell.TEXT, lambda r: r.pickup_location.name,
               sort=("pickup_location__name",)),
        Column("in_store_zone", "In store now", Cell.TEXT, lambda r: r.list_in_store_zone or "",
               needs=("list_in_store_zone",)),
    ),
    default_columns=("name", "email", "phone", "pickup_order", "pickup_status", "primary_contact",
                     "alternate_contact"),
    default_sort="placed",
    pinned=("-list_in_store",),
    annotations=_pickup_annotations,
))  # fmt: skip


# Recent assisted sessions ------------------------------------------------------------------------
def _session_rows(scope: Scope, params: Mapping[str, Any]) -> QuerySet:
    user = scope.ctx.user
    recent = (
        AssistedSession.objects.filter(agent=user, customer__store_id__in=scope.store_ids)
        .order_by("-started_at", "-id")
        .values("id")[: params.get("limit") or 20]
    )
    return AssistedSession.objects.filter(pk__in=recent).select_related("customer", "customer__store")


def _how_ended(session: AssistedSession) -> str:
    return session.get_end_reason_display() if session.ended_at else "Still open"


SESSIONS = register(ListKind(
    key="recent_sessions",
    name="Your recent assisted sessions",
    description="The customers you last assisted, with when and how each session ended.",
    customer_path="customer",
    store_path="customer__store",
    rows=_session_rows,
    columns=(
        *_customer_columns("customer"),
        Column("started", "Started", Cell.WHEN, lambda r: r.started_at, sort=("started_at",)),
        Column("ended", "Ended", Cell.WHEN, lambda r: r.ended_at, sort=("ended_at",)),
        Column("how_ended", "How it ended", Cell.STATUS, _how_ended, sort=("end_reason",)),
        Column("channel", "Where", Cell.TEXT, lambda r: r.get_channel_display(), sort=("channel",)),
        Column("ticket", "Case reference", Cell.TEXT, lambda r: r.ticket, sort=("ticket",)),
        Column("reason", "Reason", Cell.TEXT, lambda r: r.reason, sort=("reason",)),
        Column("changes", "What changed", Cell.SESSION, lambda r: r.pk),
    ),
    default_columns=("name", "email", "phone", "started", "ended", "how_ended", "changes"),
    default_sort="started",
    default_descending=True,
    params=(Param("limit", "How many sessions", "int", default=20, minimum=1, maximum=100),),
))  # fmt: skip


# Open carts over a threshold ---------------------------------------------------------------------
def _cart_rows(scope: Scope, params: Mapping[str, Any]) -> QuerySet:
    annotations = _customer_annotations("customer")
    return (
        Cart.objects.filter(status=Cart.Status.ACTIVE, customer__isnull=False, store_id__in=scope.store_ids)
        .annotate(list_cart_total=annotations["list_cart_total"])
        .filter(list_cart_total__gte=params.get("threshold") or Decimal(0))
        .select_related("customer", "store")
    )


CARTS = register(ListKind(
    key="open_carts",
    name="Customers with open carts over a threshold",
    description="Registered customers whose active cart is worth at least the threshold at list prices.",
    customer_path="customer",
    store_path="store",
    rows=_cart_rows,
    columns=(
        *_customer_columns("customer"),
        Column("cart_updated", "Cart last changed", Cell.WHEN, lambda r: r.updated_at, sort=("updated_at",)),
    ),
    default_columns=("name", "email", "phone", "cart_total", "cart_updated"),
    default_sort="cart_total",
    default_descending=True,
    params=(Param("threshold", "Threshold", "decimal", default=Decimal(100), minimum=Decimal(0),
                  maximum=Decimal("99999999"), help="Carts worth at least this much, in the cart's currency."),),
))  # fmt: skip


# --- Reading lists ---------------------------------------------------------------------------------
def may_see_lists(ctx: ActingContext) -> bool:
    return ctx.user is not None and ctx.has_perm(Priv.USE_SERVICE_CONSOLE)


@dataclass(frozen=True)
class OpenList:
    """A list definition as one CSR opens it: its kind and the stores whose rows they see in it."""

    definition: CustomerList
    kind: ListKind
    store_ids: frozenset[int]

    @property
    def slug(self) -> str:
        return self.definition.slug

    @property
    def name(self) -> str:
        return self.definition.name


def visible_lists(ctx: ActingContext) -> list[OpenList]:
    """The active lists ``ctx``'s user may open, in their position order (three statements: the
    definitions, their roles and their stores; the person's roles and stores are kept per process)."""
    if not may_see_lists(ctx):
        return []
    served = stores_served(ctx)
    role_names = set(access_of(ctx.signed_in_user).roles)  # kept per process: no query
    found = []
    for definition in CustomerList.objects.filter(is_active=True).prefetch_related("roles", "stores"):
        roles = {g.name for g in definition.roles.all()}
        stores = {s.pk for s in definition.stores.all()}
        kind = kind_of(definition.kind)
        if kind is None or (roles and not roles & role_names) or (stores and not stores & served):
            continue
        found.append(OpenList(definition, kind, frozenset(stores & served if stores else served)))
    return found


def access_list(ctx: ActingContext, slug: str) -> OpenList:
    """One list ``ctx`` may open, by its slug; "not found" for a missing and a forbidden one alike."""
    found = next((d for d in visible_lists(ctx) if d.slug == slug), None)
    if found is None:
        raise DomainError(ListError.NOT_FOUND, "No such customer list.", status=404)
    return found


@dataclass(frozen=True)
class Row:
    obj: Any  # the kind's row (an InStore, a Shipment, a session, a cart) with its annotations
    customer: Any
    store: Any
    cells: list[tuple[Column, Any]]
    in_store: bool = False


@dataclass(frozen=True)
class Page(NumberedPages):
    open_list: OpenList
    columns: list[Column]
    rows: list[Row]
    total: int
    page: int
    pages: int
    sort: str
    descending: bool

    @property
    def kind(self) -> ListKind:
        return self.open_list.kind

    @property
    def definition(self) -> CustomerList:
        return self.open_list.definition


def _path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def list_columns(definition: CustomerList, kind: ListKind) -> list[Column]:
    """The definition's columns (the kind's defaults when it names none, unknown ones left out)."""
    keys = definition.columns or list(kind.default_columns)
    return [c for key in keys if (c := kind.column(key)) is not None]


def _scope(ctx: ActingContext, open_list: OpenList, now: dt.datetime | None) -> Scope:
    return Scope(ctx=ctx, store_ids=open_list.store_ids, now=now or clock.now())


def list_rows(ctx: ActingContext, open_list: OpenList, *, now: dt.datetime | None = None) -> QuerySet:
    """All the rows of the list for ``ctx``, unsorted and with no column annotated (for counting)."""
    kind = open_list.kind
    return kind.rows(_scope(ctx, open_list, now), kind.clean_parameters(open_list.definition.parameters))


def list_count(ctx: ActingContext, open_list: OpenList, *, now: dt.datetime | None = None) -> int:
    return list_rows(ctx, open_list, now=now).count()


def list_page(
    ctx: ActingContext,
    open_list: OpenList,
    *,
    sort: str = "",
    descending: bool | None = None,
    page: int = 1,
    now: dt.datetime | None = None,
) -> Page:
    """One page of the list's rows for ``ctx``: sorted by ``sort`` (one of the definition's sortable
    columns, or its default sort; that when empty), ``page`` counted from 1."""
    definition, kind = open_list.definition, open_list.kind
    columns = list_columns(definition, kind)
    default_sort = definition.default_sort or kind.default_sort
    sort = sort or default_sort
    sort_column = kind.column(sort)
    if sort_column is None or not sort_column.sortable or (sort_column not in columns and sort != default_sort):
        raise DomainError(
            ListError.SORT_INVALID,
            "This list cannot be sorted that way.",
            status=400,
            fields={"sort": [f"Sort by one of: {', '.join(c.key for c in columns if c.sortable)}."]},
        )
    if descending is None:
        if definition.default_sort:
            descending = definition.sort_descending and sort == definition.default_sort
        else:
            descending = kind.default_descending and sort == kind.default_sort
    if page < 1:
        raise DomainError(ListError.PAGE_INVALID, "No such page of this list.", status=400)
    scope = _scope(ctx, open_list, now)
    rows = list_rows(ctx, open_list, now=scope.now)
    total = rows.count()
    size = max(1, min(definition.page_size or 25, PAGE_SIZE_MAX))
    pages = max(1, -(-total // size))
    if page > pages:
        raise DomainError(ListError.PAGE_INVALID, "No such page of this list: it is shorter now.", status=404)
    # The page's ids first, ordered on as little as the sort needs (the list's own table, or the
    # sort column's one annotation); then those rows with every column's annotations and joins.
    shared = _customer_annotations(kind.customer_path)
    own = kind.annotations(scope)

    def annotated(queryset: QuerySet, names: Iterable[str]) -> QuerySet:
        fresh = {n: shared[n] for n in sorted(set(names)) if n in shared and n not in queryset.query.annotations}
        return queryset.annotate(**fresh).annotate(**own)

    order = [*kind.pinned, *((f"-{f}" if descending else f) for f in sort_column.sort), "-pk" if descending else "pk"]
    ordered = annotated(rows.select_related(None), sort_column.needs).order_by(*order)
    ids = list(ordered.values_list("pk", flat=True)[(page - 1) * size : page * size])
    wanted = {n for c in columns for n in c.needs}
    by_id = {obj.pk: obj for obj in annotated(rows.filter(pk__in=ids), wanted)}
    chosen = [by_id[pk] for pk in ids if pk in by_id]
    built = [
        Row(obj=obj, customer=_path(obj, kind.customer_path), store=_path(obj, kind.store_path),
            cells=[(c, c.value(obj)) for c in columns], in_store=bool(getattr(obj, "list_in_store", False)))
        for obj in chosen
    ]  # fmt: skip
    return Page(open_list=open_list, columns=columns, rows=built, total=total, page=page, pages=pages, sort=sort,
                descending=descending)  # fmt: skip
