"""Returns and exchanges (seed 004 "Returns, Exchanges and Refunds"): a return of some of an order's
lines under a unique RMA code, each line with its quantity, reason and comments; whether the goods
must be received in the warehouse first; the refund chosen for it or, for an exchange, the order
that sends the replacement. Both kinds share one table of allowed transitions (``Return``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from concierge.core import clock
from concierge.core.errors import DomainError
from concierge.core.states import StateMachine
from concierge.payments.models import Refund
from concierge.returns.errors import ReturnError

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal(0)}
RMA_LENGTH = 12  # "RMA-" and 8 characters; payments.Refund.rma holds up to 20


class ReturnReason(models.Model):
    """Why an item comes back: the system's reasons (a data migration) and custom ones (the admin)."""

    name = models.CharField(max_length=80, unique=True)
    is_system = models.BooleanField(default=False, help_text="One of Concierge's own reasons.")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


def _key(expression: models.Expression, max_length: int) -> models.GeneratedField:
    """A lowercase copy kept by the database itself, for prefix search by index."""
    return models.GeneratedField(
        expression=expression, output_field=models.CharField(max_length=max_length), db_persist=True
    )


def _prefix_index(*fields: str, name: str) -> models.Index:
    # PostgreSQL answers LIKE 'abc%' from a B-tree only with the pattern operator class.
    return models.Index(fields=list(fields), name=name, opclasses=["varchar_pattern_ops"] * len(fields))


class Return(StateMachine, models.Model):
    """A return or an exchange, under its RMA code. Its states, one table for both kinds
    (``ALLOWED_TRANSITIONS``), as the warehouse and customer service read them:

    - **Awaiting Receipt**: the goods are to come back to the warehouse; nothing is refunded or sent
      yet. It may be cancelled while nothing of it has been received.
    - **Received**: the goods are back in full (or none had to come back: digital assets, or no
      receipt asked for) and its refund is opened — an exchange's order is released to the warehouse
      at the same moment — but the refund is not issued yet: it awaits approval by a second person
      (above the store's threshold), its gateway call is still being made, or it was rejected,
      declined or failed. After a rejection, decline or failure the return stays Received, with the
      refusal shown beside it, until customer service issues another refund for it (another amount,
      another card or a Manual Refund: ``returns.services.return_refund``), or records that nothing
      more is refunded.
    - **Completed**: received, and refunds of its RMA are issued for its whole refund amount (at once
      when it refunds nothing, as an exchange for the same SKU). An approval that issues the refund,
      or a successful retry, completes it.
    - **Cancelled**: before anything was received (an exchange's order is cancelled with it).
    """

    class Kind(models.TextChoices):
        RETURN = "RETURN", "Return"
        EXCHANGE = "EXCHANGE", "Exchange"

    class Status(models.TextChoices):
        AWAITING_RECEIPT = "AWAITING_RECEIPT", "Awaiting Receipt"
        RECEIVED = "RECEIVED", "Received"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    # Where the refund it opens goes: the refund's own choices (original source, another, Manual Refund).
    Destination = Refund.Destination

    S = Status
    # The one state table of returns and exchanges, both kinds: what each state means is above.
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.AWAITING_RECEIPT: frozenset({S.RECEIVED, S.CANCELLED}),
        S.RECEIVED: frozenset({S.COMPLETED}),
        S.COMPLETED: frozenset(),
        S.CANCELLED: frozenset(),
    }
    TRANSITION_ERROR = ReturnError.ILLEGAL_TRANSITION
    NOUN = "A return"
    OPEN: ClassVar[frozenset[str]] = frozenset({S.AWAITING_RECEIPT, S.RECEIVED})

    rma = models.CharField("RMA", max_length=RMA_LENGTH, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RETURN)
    status = models.CharField(max_length=20, choices=Status.choices)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    # Copies of the order's number and customer, so the warehouse's search reads one table by index.
    order_number = models.CharField(max_length=20)
    customer_first_name = models.CharField(max_length=80, blank=True)
    customer_last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True)
    receipt_required = models.BooleanField(
        default=True, help_text="The goods must be received in the warehouse before the return completes."
    )
    currency = models.CharField(max_length=3)
    # What the goods are worth back (the suggestion, to the cent) and the refund chosen (at most that).
    value = models.DecimalField(**MONEY)
    refund_amount = models.DecimalField(**MONEY)
    refund_destination = models.CharField(max_length=12, choices=Destination.choices, blank=True)
    refund_source = models.ForeignKey(
        "payments.PaymentSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # An exchange: the order that sends the replacement, and what the customer pays more (charge).
    exchange_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_for"
    )
    exchange_charge = models.DecimalField(**MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    received_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    customer_last_name_key = _key(Lower("customer_last_name"), 80)
    customer_first_name_key = _key(Lower("customer_first_name"), 80)
    email_key = _key(Lower("email"), 254)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The warehouse's Returns search (returns.selectors.search_returns): each term has an
            # index that leads with it and carries the store, so the store scope is checked in it.
            models.Index(fields=["order_number", "store"], name="returns_by_order_number"),
            models.Index(fields=["status", "created_at", "store"], name="returns_by_status_date"),
            models.Index(fields=["created_at", "store"], name="returns_by_date"),
            _prefix_index("customer_last_name_key", "customer_first_name_key", name="returns_by_name"),
            _prefix_index("customer_first_name_key", name="returns_by_first_name"),
            _prefix_index("email_key", name="returns_by_email"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(refund_amount__gte=0), name="returns_refund_not_negative"),
            models.CheckConstraint(
                condition=models.Q(refund_amount__lte=models.F("value")), name="returns_refund_at_most_value"
            ),
        ]

    def __str__(self) -> str:
        return self.rma

    @property
    def is_exchange(self) -> bool:
        return self.kind == self.Kind.EXCHANGE

    def transitions(self) -> dict[str, frozenset[str]]:
        return self.ALLOWED_TRANSITIONS

    def can_transition_to(self, status: str) -> bool:
        return status in self.transitions()[self.status]

    def transition_to(self, status: str) -> None:
        """As every state machine, with the kind named: "An exchange that is Completed cannot …"."""
        if not self.can_transition_to(status):
            noun = "An exchange" if self.is_exchange else "A return"
            raise DomainError(
                self.TRANSITION_ERROR,
                f"{noun} that is {self.Status(self.status).label} cannot become {self.Status(status).label}.",
                status=409,
            )
        self.status = status

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def customer_name(self) -> str:
        return f"{self.customer_first_name} {self.customer_last_name}".strip()

    def why_not_receivable(self) -> str:
        if not self.receipt_required:
            return f"{self.rma} needs no receipt."
        if self.status != self.Status.AWAITING_RECEIPT:
            return f"{self.rma} is {self.get_status_display().lower()}: there is nothing left to receive."
        return ""

    def refund_wait(self) -> str:
        """Why a Received return is not completed yet, from its refunds: ``APPROVAL`` (one awaits a
        second person's approval), ``ISSUING`` (one is pending: the gateway call is being made) or
        ``REFUSED`` (none in flight: the last was rejected, declined or failed; another refund
        completes it). Blank for a return in any other state."""
        if self.status != self.Status.RECEIVED:
            return ""
        statuses = set(Refund.objects.filter(order_id=self.order_id, rma=self.rma).values_list("status", flat=True))
        if Refund.Status.AWAITING_APPROVAL in statuses:
            return "APPROVAL"
        if Refund.Status.PENDING in statuses:
            return "ISSUING"
        return "REFUSED"

    def why_not_cancellable(self) -> str:
        if self.status != self.Status.AWAITING_RECEIPT:
            return f"{self.rma} is {self.get_status_display().lower()}: it can no longer be cancelled."
        if self.lines.filter(received_quantity__gt=0).exists():
            return f"Items of {self.rma} have been received: it can no longer be cancelled."
        return ""


class ReturnLine(models.Model):
    """One order line coming back: how many, why, the CSR's comments and how many have arrived."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines", db_column="return_id")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="+")
    comments = models.CharField(max_length=500, blank=True)
    received_quantity = models.PositiveIntegerField(default=0)
    is_digital = models.BooleanField(default=False)
    # What the returned units are worth: their price less the line's discounts (its own promotion and
    # its share of the cart's), plus their tax, prorated per unit to the cent (returns.suggest).
    price = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    value = models.DecimalField(**MONEY)
    # An exchange: the SKU sent instead (default: the same SKU).
    exchange_sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="returns_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")),
                name="returns_received_at_most_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"

    @property
    def to_receive(self) -> int:
        return 0 if self.is_digital else self.quantity - self.received_quantity
