"""Background work of payments. Tasks take ids, are idempotent and call services."""

from __future__ import annotations

from django.tasks import task

from concierge.core.context import ActingContext
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_reverse


@task()
def reverse_if_orphaned(transaction_id: int) -> str:
    """Reverse an authorization that no order claimed (a checkout that crashed after authorizing)."""
    authorization = PaymentTransaction.objects.filter(pk=transaction_id, kind=PaymentTransaction.Kind.AUTHORIZE).first()
    if authorization is None or authorization.status != PaymentTransaction.Status.SUCCEEDED:
        return "nothing to reverse"
    if authorization.order_id is not None:
        return "claimed by an order"
    if authorization.children.filter(
        kind=PaymentTransaction.Kind.REVERSE, status=PaymentTransaction.Status.SUCCEEDED
    ).exists():
        return "already reversed"
    payment_reverse(
        ActingContext.system("payments"),
        authorization=authorization,
        idempotency_key=f"{authorization.idempotency_key}-reverse",
    )
    return "reversed"
