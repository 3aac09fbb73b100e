"""Orders, their shipments, lines, data values and holds. State machines are explicit tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Replace

from concierge.core import clock
from concierge.core.leases import Leased
from concierge.core.states import StateMachine
from concierge.identity.roles import Priv
from concierge.orders.actions import OrderAction
from concierge.orders.errors import OrderError

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal(0)}


def _search_key(expression: models.Expression, max_length: int) -> models.GeneratedField:
    """A lowercase copy of a billing field kept by the database itself (every writer, bulk inserts
    included, fills it), for prefix search by index on SQLite and PostgreSQL alike."""
    return models.GeneratedField(
        expression=expression, output_field=models.CharField(max_length=max_length), db_persist=True
    )


def _without(expression: models.Expression | models.F, *characters: str) -> models.Expression:
    for character in characters:
        expression = Replace(expression, models.Value(character), models.Value(""))
    return cast("models.Expression", expression)  # a Replace: every caller names characters


# Prefix indexes: PostgreSQL answers LIKE 'abc%' from a B-tree only with the pattern operator class;
# SQLite ignores the operator class (its query uses a range on the BINARY column instead).
def _prefix_index(*fields: str, name: str) -> models.Index:
    return models.Index(fields=list(fields), name=name, opclasses=["varchar_pattern_ops"] * len(fields))


class Order(StateMachine, Leased):
    class Status(models.TextChoices):
        # An offline order customer service prepares (seed 001): it mirrors the cart it was
        # associated with, holds no stock and no payment, and becomes CREATED (or ON_HOLD) with the
        # same number when the shopper checks that cart out; CANCELLED when it is abandoned.
        DRAFT = "DRAFT", "Draft"
        CREATED = "CREATED", "Created"
        ON_HOLD = "ON_HOLD", "On Hold"
        IN_PROGRESS = "IN_PROGRESS", "In Progress"
        PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED", "Partially Shipped"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"
        AWAITING_EXCHANGE = "AWAITING_EXCHANGE", "Awaiting Exchange"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.DRAFT: frozenset({S.CREATED, S.ON_HOLD, S.CANCELLED}),
        S.CREATED: frozenset({S.ON_HOLD, S.IN_PROGRESS, S.CANCELLED}),
        # Off hold when its holds are resolved: In Progress, or Completed when nothing is left to ship.
        S.ON_HOLD: frozenset({S.CREATED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
        S.IN_PROGRESS: frozenset({S.ON_HOLD, S.PARTIALLY_SHIPPED, S.COMPLETED, S.CANCELLED}),
        S.PARTIALLY_SHIPPED: frozenset({S.COMPLETED}),
        S.COMPLETED: frozenset(),
        # An exchange order (returns): released once its return is received, or cancelled with it.
        S.AWAITING_EXCHANGE: frozenset({S.COMPLETED, S.IN_PROGRESS, S.CANCELLED}),
        S.CANCELLED: frozenset(),
    }
    TRANSITION_ERROR = OrderError.ILLEGAL_TRANSITION
    NOUN = "An order"
    UNLOCKED_ACTION = OrderAction.UNLOCKED

    number = models.CharField(max_length=20, unique=True)
    # No index of their own: the store's and the customer's orders are found by the indexes that
    # begin with them (orders_sort_store, orders_store_status; orders_customer_placed), and the
    # account's (a B2B order's organization; empty on most orders) by a partial one.
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="orders", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders", db_index=False)
    account = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_orders",
        db_index=False,
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_on_behalf = models.BooleanField(default=False, help_text="Placed by staff for the customer.")
    # The assisted session's reason and case reference, as the agent who placed or prepared the
    # order gave them when the session started (issue 17: "placed by Ann Agent for Jane Shopper —
    # case 4711").
    assist_reason = models.CharField(max_length=80, blank=True, default="", db_default="")
    assist_case = models.CharField(max_length=40, blank=True, default="", db_default="")
    from_draft = models.BooleanField(
        default=False,
        help_text="Created by customer service as a draft for the customer (seed 001): placed_by created it; "
        "the shopper places it at checkout.",
    )
    cart = models.OneToOneField("carts.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="order")
    checkout_key = models.CharField(
        max_length=80, null=True, blank=True, help_text="The checkout attempt that placed the order."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    discount_total = models.DecimalField(**MONEY)
    shipping_total = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    promotions = models.JSONField(default=list, blank=True)
    email = models.EmailField(blank=True)
    # The buyer's own reference for an order billed to their account (an organization's PO number).
    purchase_order = models.CharField(max_length=40, blank=True, help_text="The buyer's purchase-order number.")
    billing_first_name = models.CharField(max_length=80)
    billing_last_name = models.CharField(max_length=80)
    billing_line1 = models.CharField(max_length=160)
    billing_line2 = models.CharField(max_length=160, blank=True)
    billing_city = models.CharField(max_length=80)
    billing_region = models.CharField(max_length=80, blank=True)
    billing_postal_code = models.CharField(max_length=20)
    billing_country = models.CharField(max_length=2)
    billing_phone = models.CharField(max_length=32, blank=True)
    placed_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)
    # Refunded plus pending refunds of the order (payments.Refund): reserved by a conditional UPDATE
    # against what its captures hold, given back when a refund is declined or rejected.
    refund_reserved = models.DecimalField(**MONEY, help_text="Refunded plus pending refunds of this order.")
    # Search keys (seed 004: customer terms are compared against the billing address).
    billing_last_name_key = _search_key(Lower("billing_last_name"), 80)
    billing_first_name_key = _search_key(Lower("billing_first_name"), 80)
    email_key = _search_key(Lower("email"), 254)
    billing_postal_code_key = _search_key(Lower(_without(models.F("billing_postal_code"), " ", "-")), 20)
    billing_phone_key = _search_key(_without(models.F("billing_phone"), " ", "-", "(", ")", "+", "."), 32)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="orders_customer_placed"),
            models.Index(fields=["account"], condition=models.Q(account__isnull=False), name="orders_account"),
            models.Index(fields=["store", "status"], name="orders_store_status"),
            # One per sort column of the order search: the column, the id that breaks ties (keyset
            # pages), then the store, so the store scope is checked in the index while walking it.
            models.Index(fields=["number", "store"], name="orders_sort_number"),
            models.Index(fields=["placed_at", "id", "store"], name="orders_sort_placed"),
            models.Index(fields=["total", "id", "store"], name="orders_sort_total"),
            models.Index(fields=["status", "id", "store"], name="orders_sort_status"),
            models.Index(fields=["store", "id"], name="orders_sort_store"),
            models.Index(
                fields=["billing_last_name_key", "billing_first_name_key", "id", "store"], name="orders_sort_name"
            ),
            # The customer-name search covers every filter and sort column, so a name prefix that
            # matches thousands of orders is filtered and sorted in the index alone.
            models.Index(
                fields=[
                    "billing_last_name_key",
                    "billing_first_name_key",
                    "status",
                    "store",
                    "total",
                    "placed_at",
                    "number",
                    "id",
                ],
                name="orders_find_name",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_ops",
                    "int8_ops",
                    "numeric_ops",
                    "timestamptz_ops",
                    "varchar_ops",
                    "int8_ops",
                ],
            ),
            _prefix_index("billing_first_name_key", name="orders_find_first_name"),
            _prefix_index("email_key", name="orders_find_email"),
            _prefix_index("billing_postal_code_key", name="orders_find_postal_code"),
            _prefix_index("billing_phone_key", name="orders_find_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refund_reserved__gte=0) & models.Q(refund_reserved__lte=models.F("total")),
                name="orders_refunds_within_total",
            ),
            models.UniqueConstraint(
                fields=["customer", "checkout_key"],
                condition=models.Q(checkout_key__isnull=False),
                name="orders_one_order_per_checkout_attempt",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_name(self) -> str:
        return f"{self.billing_first_name} {self.billing_last_name}".strip()

    # Each console action has a predicate the order view and the service share: "" when the action
    # is available, else the reason it is not, in words the page shows beside it (seed 004).

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def why_billing_not_editable(self) -> str:
        """Seed 004: the billing address is editable while the order is not completed (a draft's is
        chosen by the shopper at checkout)."""
        if self.is_draft:
            return "The shopper chooses the billing address of a draft order at checkout."
        if self.status in {self.Status.COMPLETED, self.Status.CANCELLED, self.Status.AWAITING_EXCHANGE}:
            return f"The billing address of a {self.get_status_display().lower()} order cannot be changed."
        return ""

    def can_edit_billing(self) -> bool:
        return not self.why_billing_not_editable()

    def why_not_cancellable(self, shipments: list[Shipment] | None = None) -> str:
        """Cancel Order: the transition table allows it, and no shipment has gone to the warehouse."""
        if self.status == self.Status.CANCELLED:
            return "The order is already cancelled."
        if self.is_draft:
            return "A draft order is cancelled from its cart takeover (Cancel order)."
        if not self.can_transition_to(self.Status.CANCELLED):
            return f"A {self.get_status_display().lower()} order cannot be cancelled."
        shipments = list(self.shipments.all()) if shipments is None else shipments
        sent = [s.number for s in shipments if s.status in {Shipment.Status.RELEASED, Shipment.Status.SHIPPED}]
        if sent:
            noun = "Shipment " + ", ".join(sent) + (" has" if len(sent) == 1 else " have")
            rest = "; cancel the shipments not yet released instead." if any(s.can_cancel() for s in shipments) else "."
            return f"{noun} been released to the warehouse, so the order can no longer be cancelled{rest}"
        return ""

    def can_cancel(self) -> bool:
        return not self.why_not_cancellable()


class Shipment(StateMachine, models.Model):
    class Kind(models.TextChoices):
        SHIP = "SHIP", "Ship to address"
        PICKUP = "PICKUP", "Pick up in store"
        DIGITAL = "DIGITAL", "Digital delivery"

    class Status(models.TextChoices):
        # The lines of a draft order, before the shopper chooses how to receive them: no stock is
        # assigned, and nothing moves it on (checkout replaces it with the shipments it plans).
        DRAFT = "DRAFT", "Draft"
        INVENTORY_ASSIGNED = "INVENTORY_ASSIGNED", "Inventory Assigned"
        ON_HOLD = "ON_HOLD", "On Hold"
        RELEASED = "RELEASED", "Released"
        SHIPPED = "SHIPPED", "Shipped"
        CANCELLED = "CANCELLED", "Cancelled"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.DRAFT: frozenset(),
        S.INVENTORY_ASSIGNED: frozenset({S.ON_HOLD, S.RELEASED, S.CANCELLED}),
        S.ON_HOLD: frozenset({S.INVENTORY_ASSIGNED, S.CANCELLED}),
        S.RELEASED: frozenset({S.SHIPPED, S.CANCELLED}),
        S.SHIPPED: frozenset(),
        S.CANCELLED: frozenset(),
    }
    TRANSITION_ERROR = OrderError.SHIPMENT_ILLEGAL_TRANSITION
    NOUN = "A shipment"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    number = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVENTORY_ASSIGNED)
    shipping_method = models.ForeignKey(
        "stores.ShippingMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipping_method_name = models.CharField(max_length=80, blank=True)
    shipping_price = models.DecimalField(**MONEY)
    # Ship-to address (SHIP), snapshot.
    ship_first_name = models.CharField(max_length=80, blank=True)
    ship_last_name = models.CharField(max_length=80, blank=True)
    ship_line1 = models.CharField(max_length=160, blank=True)
    ship_line2 = models.CharField(max_length=160, blank=True)
    ship_city = models.CharField(max_length=80, blank=True)
    ship_region = models.CharField(max_length=80, blank=True)
    ship_postal_code = models.CharField(max_length=20, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    # Pickup in store (PICKUP): the location and who may collect (seed 001).
    # Indexed by orders_shipment_pickup_open and orders_shipment_pickup_at (shipped ones have none).
    pickup_location = models.ForeignKey(
        "stores.PickupLocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    primary_first_name = models.CharField(max_length=80, blank=True)
    primary_last_name = models.CharField(max_length=80, blank=True)
    primary_email = models.EmailField(blank=True)
    primary_phone = models.CharField(max_length=32, blank=True)
    alternate_first_name = models.CharField(max_length=80, blank=True)
    alternate_last_name = models.CharField(max_length=80, blank=True)
    alternate_email = models.EmailField(blank=True)
    alternate_phone = models.CharField(max_length=32, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    # Pickup in store: customer service marked it ready for pickup (orders/pickup.py); picked up is
    # SHIPPED (``shipped_at``), the customer having collected it.
    ready_for_pickup_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(
                fields=["pickup_location", "status"],
                condition=models.Q(kind="PICKUP"),
                name="orders_shipment_pickup_open",
            ),
            models.Index(
                fields=["pickup_location"],
                condition=models.Q(pickup_location__isnull=False),
                name="orders_shipment_pickup_at",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def _is(self) -> str:
        return f"Shipment {self.number} is {self.get_status_display().lower()}"

    def why_shipping_not_editable(self) -> str:
        """Seed 004: shipping method and address are editable until the shipment is released."""
        if self.kind != self.Kind.SHIP:
            how = "picked up in store" if self.kind == self.Kind.PICKUP else "delivered digitally"
            return f"Shipment {self.number} is {how}: it has no shipping address."
        if self.status not in {self.Status.INVENTORY_ASSIGNED, self.Status.ON_HOLD}:
            return f"{self._is()}: its shipping can no longer be changed."
        return ""

    def can_edit_shipping(self) -> bool:
        return not self.why_shipping_not_editable()

    def why_not_cancellable(self) -> str:
        if self.status not in {self.Status.INVENTORY_ASSIGNED, self.Status.ON_HOLD}:
            return f"{self._is()}: it can no longer be cancelled here."
        return ""

    def can_cancel(self) -> bool:
        return not self.why_not_cancellable()

    def why_not_releasable(self, order: Order | None = None) -> str:
        if (order or self.order).status == Order.Status.ON_HOLD:
            return "Resolve the order's holds before releasing."
        if not self.can_transition_to(self.Status.RELEASED):
            return f"{self._is()}: it cannot be released."
        return ""

    def can_release(self) -> bool:
        return not self.why_not_releasable()

    @property
    def is_ready_for_pickup(self) -> bool:
        return self.ready_for_pickup_at is not None

    def pickup_state(self) -> str:
        """What a pickup shipment is, in the words of the shopper's order page and the Pick-Up list."""
        if self.status == self.Status.SHIPPED:
            return "Picked up"
        if self.status == self.Status.CANCELLED:
            return "Cancelled"
        return "Ready for pickup" if self.ready_for_pickup_at else "Not ready"

    @property
    def has_alternate_contact(self) -> bool:
        return bool(self.alternate_first_name or self.alternate_last_name or self.alternate_email)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(max_length=40)
    product_name = models.CharField(max_length=200)
    sku_name = models.CharField(max_length=120, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    promotions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_code}"


class OrderData(models.Model):
    """Free key/value data on an order (seed 004, "order data values")."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="data_values")
    key = models.CharField(max_length=80)
    value = models.CharField(max_length=500)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["order", "key"], name="orders_data_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


# The privileges a hold rule may require of whoever decides its holds (seed 004 "Order Holds"):
# ordinary holds by customer service, reviews (large orders, fraud) by a supervisor.
HOLD_PRIVILEGES = [
    (Priv.RESOLVE_HOLD.value, "Customer service (Can resolve order holds)"),
    (Priv.RESOLVE_REVIEW_HOLD.value, "Supervisors (Can resolve holds that need a supervisor's review)"),
]


class HoldRule(models.Model):
    """A rule evaluated when an order is submitted; a match puts the order On Hold (one hold per rule)."""

    class Kind(models.TextChoices):
        TOTAL_ABOVE = "TOTAL_ABOVE", "Order total above an amount"
        FIRST_ORDER = "FIRST_ORDER", "The customer's first order"
        COUNTRIES_DIFFER = "COUNTRIES_DIFFER", "Shipping and billing countries differ"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.CASCADE,
                              help_text="Empty: every store.")  # fmt: skip
    is_active = models.BooleanField(default=True)
    privilege = models.CharField(
        max_length=40, choices=HOLD_PRIVILEGES, default=HOLD_PRIVILEGES[0][0],
        help_text="Who may decide the holds this rule places (Mark Resolved / Mark Unresolvable).",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="TOTAL_ABOVE", amount__isnull=True), name="orders_holdrule_amount_needed"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Hold(StateMachine, models.Model):
    """A reason an order waits On Hold (seed 004 "Order Holds"). A person decides it — Mark Resolved
    or Mark Unresolvable, with a comment — which makes it pending; the worker then settles it, as the
    seed's Integration Server does, and the order follows its holds (``orders/holds.py``)."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        RESOLVE_PENDING = "RESOLVE_PENDING", "Resolve pending"
        UNRESOLVABLE_PENDING = "UNRESOLVABLE_PENDING", "Unresolvable pending"
        RESOLVED = "RESOLVED", "Resolved"
        UNRESOLVABLE = "UNRESOLVABLE", "Unresolvable"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.OPEN: frozenset({S.RESOLVE_PENDING, S.UNRESOLVABLE_PENDING}),
        S.RESOLVE_PENDING: frozenset({S.RESOLVED}),
        S.UNRESOLVABLE_PENDING: frozenset({S.UNRESOLVABLE}),
        S.RESOLVED: frozenset(),
        S.UNRESOLVABLE: frozenset(),
    }
    PENDING: ClassVar[frozenset[str]] = frozenset({S.RESOLVE_PENDING, S.UNRESOLVABLE_PENDING})
    TRANSITION_ERROR = OrderError.HOLD_ILLEGAL_TRANSITION
    NOUN = "A hold"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    rule = models.ForeignKey(HoldRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200)
    privilege = models.CharField(
        max_length=40, choices=HOLD_PRIVILEGES, default=HOLD_PRIVILEGES[0][0],
        help_text="Who may decide it: its rule's privilege when the hold was placed.",
    )  # fmt: skip
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=clock.now)
    comment = models.TextField(blank=True, help_text="Why it was marked resolved or unresolvable.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True, help_text="When the worker resolved it (or not).")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.reason

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    def why_not_decidable(self, order: Order) -> str:
        """Mark Resolved / Mark Unresolvable: "" when the hold can be decided now, else why not."""
        if self.status != self.Status.OPEN:
            return f"This hold is {self.get_status_display().lower()}: it has been decided."
        if order.status != Order.Status.ON_HOLD:
            return f"The order is {order.get_status_display().lower()}: its holds can no longer be decided."
        return ""


class Amendment(StateMachine, models.Model):
    """A change of a placed order that needs a new payment authorization before it is made (seed 004
    "Updating an Order"): Save proposes it with the totals the server priced, bound to the order
    version it was computed on; Authorize makes it, once the authorization succeeds, in one
    transaction; Back and discard drop it. Changes the payment already covers are made at once and
    recorded here as applied."""

    class Kind(models.TextChoices):
        QUANTITY = "QUANTITY", "Quantity change"
        SPLIT = "SPLIT", "Move Item"
        SHIPPING = "SHIPPING", "Shipping method change"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Awaiting payment authorization"
        APPLIED = "APPLIED", "Applied"
        DISCARDED = "DISCARDED", "Discarded"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.PENDING: frozenset({S.APPLIED, S.DISCARDED}),
        S.APPLIED: frozenset(),
        S.DISCARDED: frozenset(),
    }
    TRANSITION_ERROR = OrderError.AMENDMENT_ILLEGAL_TRANSITION
    NOUN = "An order change"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="amendments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    base_version = models.PositiveIntegerField(help_text="The order version the change was priced on.")
    change = models.JSONField(default=dict, help_text="What changes, as the server validated it.")
    summary = models.CharField(max_length=300)
    old_total = models.DecimalField(**MONEY)
    new_total = models.DecimalField(**MONEY)
    to_authorize = models.DecimalField(**MONEY)
    attempts = models.PositiveIntegerField(default=0)
    authorization = models.ForeignKey(
        "payments.PaymentTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_authorization = models.ForeignKey(
        "payments.PaymentTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary
