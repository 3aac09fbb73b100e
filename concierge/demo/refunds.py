"""Demo refunds, made through the console's own service as the staff who would make them: an issued
refund to the original card, a Manual Refund (a cheque), and a large refund awaiting approval that
the demo supervisor can approve from the Customer Service home (four-eyes)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max

from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.identity.models import User
from concierge.orders import locks
from concierge.orders.editing import EditGuard
from concierge.orders.models import Order
from concierge.orders.refunds import largest_refund, order_refund_create
from concierge.payments.models import PaymentTransaction, Refund
from concierge.stores.models import Store

# In the demo store refunds above this wait for approval, so an everyday order shows four-eyes.
DEMO_APPROVAL_THRESHOLD = Decimal("100.00")
# The requester of each demo refund, its order (by the size of its capture) and what it is.
SUPERVISOR = "sam.supervisor@concierge.test"
ADMINISTRATOR = "admin@concierge.test"


def _refund(user: User, order: Order, *, amount: Decimal, destination: str, note: str) -> Refund:
    ctx = ActingContext(user=user)
    grant = locks.order_lock(ctx, order_id=order.pk)
    guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token)
    return order_refund_create(ctx, order_id=order.pk, guard=guard, amount=Money(amount, order.currency),
                               destination=destination, source_id=None, note=note)  # fmt: skip


def seed_refunds(store_code: str = "us") -> int:
    """The three demo refunds on the store's captured orders without refunds (none when refunds
    outside a return exist already: the demo is loaded)."""
    if Refund.objects.filter(rma="").exists():
        return 0
    store = Store.objects.filter(code=store_code).first()
    sam = User.objects.filter(email=SUPERVISOR).first()
    ada = User.objects.filter(email=ADMINISTRATOR).first()
    if store is None or sam is None or ada is None:
        return 0
    store.refund_approval_threshold = DEMO_APPROVAL_THRESHOLD
    store.save(update_fields=["refund_approval_threshold"])
    captured = (
        PaymentTransaction.objects.filter(
            order__store=store, kind="CAPTURE", status="SUCCEEDED", order__refunds__isnull=True
        )
        .values("order_id")
        .annotate(largest=Max("amount"))
        .order_by("-largest", "order_id")
    )
    orders = [Order.objects.get(pk=row["order_id"]) for row in captured[:3]]
    if len(orders) < 3:
        return 0
    large, issued, manual = orders
    made = 0
    most = largest_refund(large).amount
    if most > DEMO_APPROVAL_THRESHOLD:
        _refund(ada, large, amount=min(most, DEMO_APPROVAL_THRESHOLD * 2), destination="ORIGINAL",
                note="The whole delivery arrived damaged; the customer sent photos.")  # fmt: skip
        made += 1
    for order, amount, destination, note in (
        (issued, Decimal("10.00"), "ORIGINAL", "Goodwill: the parcel arrived two days late."),
        (manual, Decimal("15.00"), "MANUAL", "Cheque 2041 mailed to the customer's billing address."),
    ):
        amount = min(amount, largest_refund(order).amount)
        if amount > 0:
            _refund(sam, order, amount=amount, destination=destination, note=note)
            made += 1
    return made
