"""Refunds at the payments layer: what a capture can still give back, reserving it and giving it
back (conditional UPDATEs the database's constraint backs), and the gateway call that pays a refund,
keyed per refund (RELIABILITY bars 17 and 18).

The order's side — what the whole order can give back, the four-eyes approval and the audit on the
order's timeline — is ``orders/refunds.py``, which calls these.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import F

from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.payments.errors import PaymentError
from concierge.payments.gateway import GatewayResult
from concierge.payments.models import PaymentSource, PaymentTransaction, Refund
from concierge.payments.services import _credit_release, _gift_release, _idempotent, gateway

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

_K, _S = PaymentTransaction.Kind, PaymentTransaction.Status


def refundable_captures(order_id: int) -> list[PaymentTransaction]:
    """The order's successful captures, oldest first (each with its ``refund_reserved``)."""
    return list(
        PaymentTransaction.objects.filter(order_id=order_id, kind=_K.CAPTURE, status=_S.SUCCEEDED).order_by("id")
    )


def capture_refundable(capture: PaymentTransaction) -> Decimal:
    """What ``capture`` can still give back: captured - refunded - pending refunds."""
    return capture.amount - capture.refund_reserved


def capture_reserve(capture_id: int, amount: Decimal) -> bool:
    """Reserve ``amount`` on the capture if it still holds that much, in one conditional UPDATE
    (two concurrent reservations cannot both pass: the second re-reads the row the first wrote).
    The ``payments_refunds_within_capture`` constraint refuses any write that would exceed it."""
    if amount <= 0:
        return False
    reserved = PaymentTransaction.objects.filter(
        pk=capture_id, kind=_K.CAPTURE, status=_S.SUCCEEDED, refund_reserved__lte=F("amount") - amount
    ).update(refund_reserved=F("refund_reserved") + amount)
    return reserved == 1


def capture_release(capture_id: int, amount: Decimal) -> None:
    """Give back a reservation of a refund that will not be paid (declined, failed, rejected)."""
    PaymentTransaction.objects.filter(pk=capture_id, refund_reserved__gte=amount).update(
        refund_reserved=F("refund_reserved") - amount
    )


def refund_sources(customer_id: int) -> list[PaymentSource]:
    """The customer's cards on file a refund can be sent to (Refund Options: another source)."""
    return list(PaymentSource.objects.filter(customer_id=customer_id, is_active=True, kind=PaymentSource.Kind.CARD))


def refund_key(refund: Refund) -> str:
    """The idempotency key of a refund's gateway call: one per refund, however often it is issued."""
    return f"refund-{refund.pk}"


def payment_refund(ctx: ActingContext, *, refund: Refund) -> PaymentTransaction:
    """Make the gateway call that pays a pending refund — a refund of its capture (original payment
    source) or a credit to another card — once per refund (the key ``refund-<id>``): calling again
    answers the first call's transaction. A gateway that does not answer leaves it FAILED (503)."""
    if refund.destination == Refund.Destination.MANUAL:
        raise DomainError(PaymentError.REFUND_INVALID, "A manual refund is recorded, not sent.", status=409)
    capture = refund.capture
    amount = Money(refund.amount, refund.currency)
    if refund.destination == Refund.Destination.ORIGINAL:
        source = capture.source
        if source is not None and source.kind == PaymentSource.Kind.ON_ACCOUNT:
            account_id = source.pk

            def call() -> GatewayResult:  # the organization's credit is available again
                return _credit_release(account_id, amount.amount)
        elif source is not None and (certificate_id := source.gift_certificate_id) is not None:

            def call() -> GatewayResult:  # back to the gift certificate's balance
                return _gift_release(certificate_id, amount.amount)
        else:

            def call() -> GatewayResult:
                return gateway.refund(capture.gateway_reference, amount.amount)
    else:
        source = refund.source
        if source is None or not source.is_active or source.kind != PaymentSource.Kind.CARD:
            raise DomainError(PaymentError.SOURCE_NOT_FOUND, "This payment method is no longer on file.", status=404)
        token = source.gateway_token

        def call() -> GatewayResult:
            return gateway.credit(token, amount.amount)

    return _idempotent(ctx, key=refund_key(refund), kind=_K.REFUND, amount=amount, order=refund.order,
                       source=source, parent=capture, call=call)  # fmt: skip
