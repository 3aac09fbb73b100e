from __future__ import annotations

from typing import ClassVar

from django.db import models

from concierge.core import clock
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
        if self.kind == self.Kind.CARD:
            return f"{self.brand} ending in {self.last4}"
        if self.kind == self.Kind.GIFT_CERTIFICATE:
            certificate = self.gift_certificate
            balance = f" ({certificate.balance} {certificate.currency} left)" if certificate is not None else ""
            return f"Gift certificate ending in {self.last4}{balance}"
        if self.credit_limit is not None:
            return f"On account ({self.credit_limit - self.credit_used} of {self.credit_limit} credit available)"
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

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_amount_positive")]

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
