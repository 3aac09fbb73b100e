"""Demo returns and exchanges: past orders with returns in each state the Returns and exchanges tab
and the Warehouse show — awaiting receipt, partly received, received in full but resting as Received
because its large refund awaits a second person's approval, completed with the refund issued,
cancelled, a digital return with a Manual Refund, and exchanges awaiting receipt and completed —
made as customer service and the warehouse make them, through the returns services."""

from __future__ import annotations

from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.demo.refunds import DEMO_APPROVAL_THRESHOLD
from concierge.identity.models import User
from concierge.orders import locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.models import Order
from concierge.orders.services import shipment_release, shipment_ship
from concierge.payments.services import payment_source_add_card
from concierge.returns import services
from concierge.returns.models import Return, ReturnReason
from concierge.returns.services import ItemIn, RefundIn, ReturnIn
from concierge.stores.models import Store

CSR_EMAIL = "ann.agent@concierge.test"
LARGE = 3  # the plan whose refund is above the store's threshold (DEMO_APPROVAL_THRESHOLD)
# The other plans' goods cost at most this a unit, so their refunds (two units and tax) stay below it.
EVERYDAY_PRICE = DEMO_APPROVAL_THRESHOLD * 2 / 5
WAREHOUSE_EMAIL = "will.warehouse@concierge.test"
# kind, receipt required, what happens next, the refund's destination, the reason, a comment
PLANS = [
    ("RETURN", True, "", "ORIGINAL", "Wrong Size", "Customer will post it back this week"),
    ("RETURN", True, "partial", "ORIGINAL", "Damaged", "Box crushed in transit"),
    ("RETURN", True, "receive", "ORIGINAL", "Defective", "Stitching came apart"),
    # Its refund is above the store's approval threshold: received, it waits as Received.
    ("RETURN", True, "receive", "ORIGINAL", "Damaged", "Both arrived with torn seams; photos on file"),
    ("RETURN", True, "cancel", "ORIGINAL", "Unwanted Gift", "Customer decided to keep it"),
    ("EXCHANGE", True, "", "ORIGINAL", "Wrong Size", "Send the same again"),
    ("EXCHANGE", True, "receive", "ORIGINAL", "Defective", ""),
    ("RETURN", False, "", "MANUAL", "Unwanted Gift", "Cheque posted; no need to send it back"),
]


def _create(csr: User, order: Order, plan: tuple[str, bool, str, str, str, str]) -> Return | None:
    kind, receipt, _then, destination, reason_name, comment = plan
    ctx = ActingContext(user=csr)
    returnable = [r for r in services.returnable_lines(order) if r.available and (kind == "RETURN" or not r.is_digital)]
    if not returnable:
        return None
    line = returnable[0]
    quantity = line.available if kind == "RETURN" else 1
    reason = ReturnReason.objects.get(name=reason_name)
    grant = locks.order_lock(ctx, order_id=order.pk)
    try:
        guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token)
        request = ReturnIn(kind=kind, items=(ItemIn(line.line.pk, quantity, reason.pk, comment),),
                           receipt_required=receipt, refund=RefundIn(destination=destination))  # fmt: skip
        return services.return_create(ctx, order_id=order.pk, guard=guard, request=request)
    finally:
        locks.order_unlock(ctx, order_id=order.pk, lease_token=grant.token, reason="demo data")


def _delivered(customer: Customer, skus: list[Sku]) -> Order | None:
    """A past order of ``customer`` for ``skus`` (two of each shippable one), placed through checkout
    as the customer, then released and shipped by the warehouse."""
    ctx = ActingContext(user=customer.user, customer=customer, store=customer.store)
    address = customer.addresses.order_by("-is_default_shipping", "id").first()
    if address is None:
        return None
    source = customer.payment_sources.filter(is_active=True).first() or payment_source_add_card(
        ctx, customer=customer, number="4242424242424242", exp_month=12, exp_year=clock.now().year + 3, cvc="123",
        holder_name=customer.display_name,
    )  # fmt: skip
    cart, _ = cart_open(ctx, anonymous_token=None)
    for sku in skus:
        cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1 if sku.is_digital else 2)
    cart.refresh_from_db()
    physical = tuple(line.pk for line in cart.lines.select_related("sku") if not line.sku.is_digital)
    shipments = (ShipmentPlan(kind="SHIP", line_ids=physical, address_id=address.pk,
                              shipping_method_code="standard"),) if physical else ()  # fmt: skip
    plan = CheckoutPlan(billing_address_id=address.pk, payment_source_id=source.pk, shipments=shipments)
    order = checkout_submit(ctx, cart=cart, plan=plan)
    warehouse = ActingContext.system("demo data", store=order.store)
    for shipment in order.shipments.order_by("number"):
        if order.status == Order.Status.ON_HOLD:
            return None  # a hold rule caught it: it is no past, delivered order
        shipment_release(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
        shipment_ship(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


def seed_returns() -> int:
    """Past orders of the US store's customers, delivered, with their returns (once: nothing when
    any return exists)."""
    if Return.objects.exists():
        return 0
    csr = User.objects.filter(email=CSR_EMAIL).first()
    warehouse = User.objects.filter(email=WAREHOUSE_EMAIL).first()
    if csr is None or warehouse is None:
        return 0
    store = Store.objects.filter(code="us").first()
    if store is None:
        return 0
    # The demo's four-eyes threshold (demo/refunds.py sets the same), so one return waits for approval.
    store.refund_approval_threshold = DEMO_APPROVAL_THRESHOLD
    store.save(update_fields=["refund_approval_threshold"])
    us = {"prices__price_list__store": store, "prices__price_list__segment": None,
          "prices__price_list__account": None, "is_active": True}  # fmt: skip
    everyday = Sku.objects.filter(**us, prices__amount__lte=EVERYDAY_PRICE, kind=Sku.Kind.SHIPPABLE,
                                  stock_on_hand__gt=20).distinct().order_by("id")  # fmt: skip
    shippable = list(everyday[: len(PLANS)])
    large = (Sku.objects.filter(**us, prices__amount__gt=DEMO_APPROVAL_THRESHOLD, kind=Sku.Kind.SHIPPABLE,
                                stock_on_hand__gt=20).distinct().order_by("id").first())  # fmt: skip
    if large is None or len(shippable) < len(PLANS):
        return 0
    shippable[LARGE] = large
    digital = (Sku.objects.filter(**us, prices__amount__lte=EVERYDAY_PRICE, kind=Sku.Kind.DIGITAL)
               .distinct().order_by("id").first())  # fmt: skip
    customers = list(Customer.objects.filter(store__code="us", kind=Customer.Kind.REGISTERED_USER,
                                             user__isnull=False).order_by("shared_id")[:len(PLANS)])  # fmt: skip
    if not customers:
        return 0
    made = 0
    for n, plan in enumerate(PLANS):
        wants_digital = not plan[1] and digital is not None
        order = _delivered(customers[n % len(customers)], [digital] if wants_digital and digital else [shippable[n]])
        if order is None:
            continue
        ret = _create(csr, order, plan)
        if ret is None:
            continue
        made += 1
        then = plan[2]
        lines = list(ret.lines.all())
        if then in {"partial", "receive"}:
            quantities = {line.pk: 1 if then == "partial" else line.to_receive for line in lines if line.to_receive}
            if then == "partial" and sum(line.to_receive for line in lines) < 2:
                continue  # one item only: it stays awaiting receipt
            services.return_receive(ActingContext(user=warehouse), rma=ret.rma, version=ret.version,
                                    quantities=quantities)  # fmt: skip
        elif then == "cancel":
            ctx = ActingContext(user=csr)
            grant = locks.order_lock(ctx, order_id=order.pk)
            try:
                guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=grant.token)
                services.return_cancel(ctx, order_id=order.pk, rma=ret.rma, guard=guard)
            finally:
                locks.order_unlock(ctx, order_id=order.pk, lease_token=grant.token, reason="demo data")
    return made
