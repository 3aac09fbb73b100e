from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from concierge.core import clock
from concierge.core.display import format_amount
from concierge.core.states import StateMachine
from concierge.payments.errors import PaymentError


class PaymentSource(models.Model):
    """A way to pay on file: a card (brand and last 4 only, plus the gateway's token), a gift
    certificate, or on account (B2B). Never a full card number or a CVV."""

    class Kind(models.TextChoices):
        CARD = "CARD", "Card"
        GIFT_CERTIFICATE = "GIFT_CERTIFICATE", "Gift certificate"
        ON_ACCOUNT = "ON_ACCOUNT", "On account"

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="payment_sources")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    holder_name = models.CharField(max_length=120, blank=True)
    gateway_token = models.CharField(max_length=80, help_text="The gateway's opaque token for this source.")
    # On account (B2B): the organization is invoiced; authorizations hold credit up to the limit.
    credit_limit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    credit_used = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The currency of an on-account credit limit (an organization's account is in one currency: an
    # order in another is refused, never converted); blank for a card (it pays in any) or a gift
    # certificate (its certificate's currency counts).
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code of the credit limit, e.g. USD.")
    gift_certificate = models.ForeignKey(
        "payments.GiftCertificate", null=True, blank=True, on_delete=models.PROTECT, related_name="sources"
    )
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__isnull=True) | models.Q(credit_used__lte=models.F("credit_limit")),
                name="payments_credit_within_limit",
            ),
            models.CheckConstraint(condition=models.Q(credit_used__gte=0), name="payments_credit_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the source reads, amounts as money in the viewer's locale: "On account (€24,500.00 of
        €25,000.00 credit available)". Stored on each transaction as it was then (``source_label``)."""
        if self.kind == self.Kind.CARD:
            return f"{self.brand} ending in {self.last4}"
        if self.kind == self.Kind.GIFT_CERTIFICATE:
            certificate = self.gift_certificate
            balance = f" ({format_amount(certificate.balance, certificate.currency)} left)" if certificate else ""
            return f"Gift certificate ending in {self.last4}{balance}"
        if self.credit_limit is not None:
            currency = self.currency or self.customer.store.currency
            available = format_amount(self.credit_limit - self.credit_used, currency)
            return f"On account ({available} of {format_amount(self.credit_limit, currency)} credit available)"
        return "On account"


class PaymentTransaction(StateMachine, models.Model):
    """One call to the gateway, recorded before it is made (PENDING) and settled after, once: a
    settled transaction never changes status again."""

    class Kind(models.TextChoices):
        AUTHORIZE = "AUTHORIZE", "Authorize"
        CAPTURE = "CAPTURE", "Capture"
        REVERSE = "REVERSE", "Reverse authorization"
        REFUND = "REFUND", "Refund"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        SUCCEEDED = "SUCCEEDED", "Succeeded"
        DECLINED = "DECLINED", "Declined"
        FAILED = "FAILED", "Failed"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.PENDING: frozenset({S.SUCCEEDED, S.DECLINED, S.FAILED}),
        S.SUCCEEDED: frozenset(),
        S.DECLINED: frozenset(),
        S.FAILED: frozenset(),
    }
    TRANSITION_ERROR = PaymentError.ILLEGAL_TRANSITION
    NOUN = "A payment transaction"

    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    source = models.ForeignKey(PaymentSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    source_label = models.CharField(max_length=80, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    request_digest = models.CharField(max_length=64)
    gateway_reference = models.CharField(max_length=80, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    # A capture's refunded plus pending refunds: reserved by a conditional UPDATE when a refund is
    # opened, given back when it is declined or rejected, never above the capture (the constraint).
    refund_reserved = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, help_text="Refunded plus pending refunds of this capture."
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(refund_reserved__gte=0) & models.Q(refund_reserved__lte=models.F("amount")),
                name="payments_refunds_within_capture",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} {self.status}"


class GiftCertificate(models.Model):
    """A prepaid balance in one store's currency, redeemed by its code. Only the code's digest and
    last four characters are kept. The balance only changes by conditional UPDATE."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="gift_certificates")
    code_digest = models.CharField(max_length=64, unique=True)
    last4 = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    initial_amount = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="payments_gift_balance_not_negative"),
            models.CheckConstraint(
                condition=models.Q(balance__lte=models.F("initial_amount")),
                name="payments_gift_balance_at_most_initial",
            ),
        ]

    def __str__(self) -> str:
        return f"Gift certificate ending in {self.last4}"


class Refund(StateMachine, models.Model):
    """Money given back to the customer from one capture of an order: to the original payment
    source (a gateway refund of that capture), to another of the customer's cards (a gateway
    credit), or as a Manual Refund (a cheque, say), which is recorded and not sent. Inside a return
    it names the return's RMA; outside one (Create Refund) its ``rma`` is blank.

    Opening a refund reserves its amount on the capture (``refund_reserved``) and on the order; a
    declined, failed or rejected refund gives the reservation back. Above its store's approval
    threshold a refund waits as Awaiting Approval for a second person (RELIABILITY bar 20)."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "AWAITING_APPROVAL", "Awaiting Approval"
        PENDING = "PENDING", "Pending"
        ISSUED = "ISSUED", "Issued"
        REJECTED = "REJECTED", "Rejected"
        DECLINED = "DECLINED", "Declined"
        FAILED = "FAILED", "Failed"

    class Destination(models.TextChoices):
        ORIGINAL = "ORIGINAL", "Original payment source"
        OTHER_SOURCE = "OTHER_SOURCE", "Another payment source"
        MANUAL = "MANUAL", "Manual Refund"

    S = Status
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        S.AWAITING_APPROVAL: frozenset({S.PENDING, S.REJECTED}),
        S.PENDING: frozenset({S.ISSUED, S.DECLINED, S.FAILED}),
        S.ISSUED: frozenset(),
        S.REJECTED: frozenset(),
        S.DECLINED: frozenset(),
        S.FAILED: frozenset(),
    }
    TRANSITION_ERROR = PaymentError.REFUND_ILLEGAL_TRANSITION
    NOUN = "A refund"
    # The states that hold a reservation on the capture and the order.
    RESERVING: ClassVar[frozenset[str]] = frozenset({S.AWAITING_APPROVAL, S.PENDING, S.ISSUED})

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    capture = models.ForeignKey(PaymentTransaction, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    destination = models.CharField(max_length=12, choices=Destination.choices)
    # A card that was refunded to stays on record (sources are deactivated, not deleted).
    source = models.ForeignKey(PaymentSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_label = models.CharField(max_length=80, blank=True)
    note = models.CharField(max_length=500, blank=True)
    rma = models.CharField(max_length=20, blank=True, help_text="The return's RMA code; blank outside a return.")
    status = models.CharField(max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    transaction = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="payments_refunds_by_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_refund_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(destination="OTHER_SOURCE") | models.Q(source__isnull=False),
                name="payments_refund_other_source_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} {self.status}"

    @property
    def destination_label(self) -> str:
        if self.destination == self.Destination.MANUAL:
            return "Manual Refund"
        return self.source_label or self.get_destination_display()
