"""Guest shoppers in the storefront: **Check out as guest**, their order by email, and attaching
guest orders to a registered customer (verified by an emailed link).

An anonymous shopper gives their name, email address and an address; Concierge creates a guest
record (``customers/guests.py``), their anonymous cart becomes the guest's, and the browser session
acts as that guest (``customers.guests.SESSION_KEY``, read by ``assist/context.py``) through the
same checkout as everyone. The placed order is emailed with a signed link to view it, valid for
``ORDER_LINK_MAX_AGE``; the session that placed it sees it too. Signing in or registering ends the
guest: a cart they had not checked out joins the signed-in customer's.

A registered shopper whose sign-in email has guest orders in their store asks to attach them; the
link Concierge emails is bound to the user, the email and the guest records found then, valid for
``ATTACH_LINK_MAX_AGE``. Followed while signed in as that user it moves the orders (and, if wanted,
the addresses) to them; the guest records are merged (disabled), so the link works once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.dispatch import receiver
from django.views.decorators.debug import sensitive_variables

from concierge.assist.errors import AssistError
from concierge.audit.services import record
from concierge.carts.actions import CartAction
from concierge.carts.binding import move_lines
from concierge.carts.errors import CartError
from concierge.carts.models import Cart
from concierge.carts.services import bump, cart_open, close
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.core.mail import send_templated
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.guests import (
    SESSION_KEY,
    clean_guest,
    guest_create,
    guests_merge,
    guests_of_email,
    link_error,
    link_open,
    link_sign,
    mergeable,
    registered_self,
)
from concierge.customers.models import Address, Customer
from concierge.customers.selectors import customer_for_user
from concierge.customers.services import ADDRESS_FIELDS, address_add
from concierge.customers.services import _clean_address as clean_address
from concierge.orders.models import Order
from concierge.orders.selectors import placed_orders
from concierge.payments.services import payment_source_add_card

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


# The orders this browser session placed as its guest (numbers): only it sees their pages.
ORDERS_SESSION_KEY = "guest_orders"
ORDER_LINK_SALT = "concierge.guests.order"
ORDER_LINK_MAX_AGE = dt.timedelta(days=30)
ATTACH_LINK_SALT = "concierge.guests.attach"
ATTACH_LINK_MAX_AGE = dt.timedelta(hours=24)

Link = Callable[[str], str]  # a signed value → the absolute URL that carries it


# --- Check out as guest ----------------------------------------------------------------------------


def guest_checkout_start(
    ctx: ActingContext, *, anonymous_token: str | None, guest: dict[str, str], address: dict[str, object]
) -> Customer:
    """Check out as guest: the anonymous shopper's name, email and address make a guest record in
    their cart's store, and the cart becomes the guest's. Nothing is written unless all is valid."""
    _refuse_signed_in(ctx, "You are already checking out as yourself or a guest.", code=CommonError.PERMISSION_DENIED,
                      status=403)  # fmt: skip
    values, _ = _clean_guest_details(guest, {"address": address})
    cart = _anonymous_cart(anonymous_token)
    with transaction.atomic():
        locked = _locked_cart(cart)
        if locked.customer_id is not None:
            raise DomainError(CartError.NOT_ACTIVE, "Your cart was just checked out. Start a new one.", status=409)
        made = _guest_of_cart(ctx, locked, values)
        address_add(ctx.evolve(customer=made, store=locked.store), customer=made, data=address, default_billing=True,
                    default_shipping=True)  # fmt: skip
    return made


def _refuse_signed_in(ctx: ActingContext, message: str, *, code: str, status: int) -> None:
    if ctx.user is not None or ctx.customer is not None:
        raise DomainError(code, message, status=status)


def _clean_guest_details(
    guest: dict[str, str], addresses: dict[str, dict[str, object] | None]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The guest's details and each address given, cleaned, or one refusal with every field error
    (an address's under ``<name>_<field>``)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    cleaned: dict[str, dict[str, str]] = {}
    try:
        values = clean_guest(**guest)
    except DomainError as exc:
        errors.update(exc.fields)
    for name, address in addresses.items():
        if address is None:
            continue
        try:
            cleaned[name] = clean_address(address)
        except DomainError as exc:
            errors.update({f"{name}_{k}": v for k, v in exc.fields.items()})
    if errors:
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", status=422, fields=errors)
    return values, cleaned


def _locked_cart(cart: Cart) -> Cart:
    """The cart, locked for this transaction; refused if it was checked out meanwhile."""
    locked = Cart.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=cart.pk)
    if not locked.is_active:
        raise DomainError(CartError.NOT_ACTIVE, "Your cart was just checked out. Start a new one.", status=409)
    return locked


def _guest_of_cart(ctx: ActingContext, locked: Cart, values: dict[str, str]) -> Customer:
    """A new guest record for the (locked) cart's shopper; the cart becomes the guest's."""
    made = guest_create(ctx, store=locked.store, values=values, data={"cart": locked.code})
    # The cart keeps its token's digest; with a customer, nothing finds it by the token.
    Cart.objects.filter(pk=locked.pk).update(customer=made, version=F("version") + 1, updated_at=clock.now())
    record(ctx.evolve(customer=made, store=locked.store), action=CustomerAction.GUEST_CHECKOUT_STARTED,
           subject_kind="cart", subject_id=locked.pk, data={"guest": made.shared_id})  # fmt: skip
    return made


def _anonymous_cart(token: str | None) -> Cart:
    carts = Cart.objects.filter(customer__isnull=True, status=Cart.Status.ACTIVE)
    cart = carts.filter(anonymous_digest=Cart.digest_of(token)).first() if token else None
    if cart is None or not cart.lines.exists():
        raise DomainError(CartError.EMPTY, "Your cart is empty.", status=409)
    return cart


def remember_guest(session: SessionBase, guest: Customer) -> None:
    """The session acts as ``guest`` from now on, under a new session key (bar 2)."""
    session.cycle_key()
    session[SESSION_KEY] = guest.pk
    session[ORDERS_SESSION_KEY] = []


def guest_end(ctx: ActingContext, *, session: SessionBase) -> str | None:
    """The session stops acting as its guest (sign-in, registration, End guest checkout), under a
    new session key. A cart the guest had not checked out joins the signed-in customer's cart; with
    no one signed in it is the browser's anonymous cart again, under a new token that is returned
    (for the cart cookie: the browser may no longer hold the first one)."""
    guest_id = session.pop(SESSION_KEY, None)
    session.pop(ORDERS_SESSION_KEY, None)
    if not isinstance(guest_id, int):
        return None
    session.cycle_key()
    cart = Cart.objects.filter(customer_id=guest_id, status=Cart.Status.ACTIVE).first()
    if cart is None:
        return None
    if ctx.customer is not None and ctx.customer.pk != guest_id:
        _merge_guest_cart(ctx, cart)
        return None
    token = Cart.new_token()
    with transaction.atomic():
        given_back = Cart.objects.filter(pk=cart.pk, status=Cart.Status.ACTIVE).update(
            customer=None, anonymous_digest=Cart.digest_of(token), version=F("version") + 1, updated_at=clock.now()
        )
        if given_back:
            record(ctx, action=CustomerAction.GUEST_CHECKOUT_ENDED, subject_kind="cart", subject_id=cart.pk, data={})
    return token if given_back else None


def _merge_guest_cart(ctx: ActingContext, source: Cart) -> None:
    """The guest's cart joins the signed-in customer's (not while staff lock that one)."""
    target, _ = cart_open(ctx, anonymous_token=None)
    with transaction.atomic():
        carts = {c.pk: c for c in Cart.objects.select_for_update(of=("self",)).select_related("store")
                 .filter(pk__in=[source.pk, target.pk]).order_by("pk")}  # fmt: skip
        source, target = carts[source.pk], carts[target.pk]
        if not source.is_active or not target.is_active or target.lease_is_live():
            return
        merged, skipped = move_lines(ctx, source, target)
        close(source, Cart.Status.MERGED)
        bump(target)
        record(
            ctx,
            action=CartAction.MERGED,
            subject_kind="cart",
            subject_id=target.pk,
            data={"from_cart": source.code, "lines": merged, "skipped": skipped, "version": target.version},
        )
        record(ctx, action=CartAction.MERGED_AWAY, subject_kind="cart", subject_id=source.pk,
               data={"into_cart": target.code})  # fmt: skip


@receiver(user_logged_in, dispatch_uid="assist.guest_end_on_sign_in")
def end_guest_on_sign_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Signing in or registering ends the session's guest checkout (before the anonymous cart's
    merge, which then finds nothing of the guest's)."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return
    customer = customer_for_user(user)
    store = customer.store if customer is not None else None
    request_id = getattr(getattr(request, "ctx", None), "request_id", "") or uuid.uuid4().hex
    guest_end(ActingContext(user=user, customer=customer, store=store, request_id=request_id), session=session)


# --- The guest's order ------------------------------------------------------------------------------


def remember_guest_order(session: SessionBase, order: Order) -> bool:
    """The session may show ``order``'s page; False when it already could (the same checkout
    attempt answered again), so its email is sent once."""
    numbers = list(session.get(ORDERS_SESSION_KEY) or [])
    if order.number in numbers:
        return False
    session[ORDERS_SESSION_KEY] = [*numbers, order.number][-20:]
    return True


def session_guest_order(session: SessionBase, guest: Customer | None, number: str) -> Order | None:
    """One of the orders this session placed as its guest, or None."""
    if guest is None or number not in (session.get(ORDERS_SESSION_KEY) or []):
        return None
    return _order_page(placed_orders(Order.objects.filter(customer=guest, number=number[:20]))).first()


def _order_page(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("store", "customer").prefetch_related("shipments__lines", "transactions")


def guest_order_for_answer(order: Order) -> Order:
    """A just placed guest order with what its answer shows (shipments and their lines)."""
    return _order_page(Order.objects.filter(pk=order.pk)).get()


def order_link_token(order: Order) -> str:
    """The signed value of the emailed link to a guest's order (read-only)."""
    return link_sign({"o": order.number}, salt=ORDER_LINK_SALT)


def order_from_link(token: str) -> Order:
    """The order an emailed link names, or a refusal saying why (damaged, expired)."""
    payload = link_open(token, salt=ORDER_LINK_SALT, max_age=ORDER_LINK_MAX_AGE)
    number = payload.get("o")
    order = _order_page(placed_orders(Order.objects.filter(number=number))).first() if isinstance(number, str) else None
    if order is None:
        raise link_error(CustomerError.GUEST_LINK_INVALID)
    return order


def guest_order_mail(*, order: Order, link: Link) -> None:
    """Email the guest their order with a link to view it, once the order has committed."""
    context = {"order": order, "customer": order.customer, "url": link(order_link_token(order)),
               "days": ORDER_LINK_MAX_AGE.days}  # fmt: skip
    to = order.email or order.customer.email
    transaction.on_commit(lambda: send_templated(to, "customers/email/guest_order_placed", context))


# --- Check out as guest over the API -----------------------------------------------------------------


@dataclass(frozen=True)
class GuestCard:
    """The card a guest pays with: exchanged for the gateway's token at once, never kept."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder_name: str


@dataclass(frozen=True)
class GuestCheckout:
    """One anonymous API checkout: who the guest is, where it goes, how it is paid, and the attempt
    (the Idempotency-Key) with the digest of the request that carries it."""

    guest: dict[str, str]
    shipping_address: dict[str, object]
    billing_address: dict[str, object] | None
    shipping_method: str
    card: GuestCard = field(repr=False)
    attempt: str
    request_digest: str


def _carts_of_token(token: str) -> QuerySet[Cart]:
    """The carts a token named: anonymous, or made a guest's by checking out as guest (a cart keeps
    its token's digest when it becomes the guest's)."""
    return Cart.objects.filter(anonymous_digest=Cart.digest_of(token)).filter(
        Q(customer__isnull=True) | Q(customer__kind=Customer.Kind.SINGLE_SESSION_USER, customer__user__isnull=True)
    )


def _same_guest(guest: Customer, values: dict[str, str]) -> bool:
    return guest.status == Customer.Status.ACTIVE and all(getattr(guest, k) == v for k, v in values.items())


def _address_for(
    ctx: ActingContext, guest: Customer, address: dict[str, str], *, default_billing: bool, default_shipping: bool
) -> Address:
    """The guest's address with exactly these fields (an earlier attempt's), else a new one."""
    same = guest.addresses.filter(**{f: address[f] for f in ADDRESS_FIELDS}).order_by("pk").first()
    if same is not None:
        return same
    return address_add(ctx, customer=guest, data=dict(address), default_billing=default_billing,
                       default_shipping=default_shipping)  # fmt: skip


def _replayed(ctx: ActingContext, token: str, checkout: GuestCheckout) -> Order | None:
    """The order an earlier request with this cart token and Idempotency-Key placed (answered by
    checkout's own idempotency check, which also refuses the key sent with another request)."""
    guest_ids = _carts_of_token(token).filter(customer__isnull=False).values("customer_id")
    placed = Order.objects.filter(customer__in=guest_ids, checkout_key=checkout.attempt).select_related("customer")
    order = placed.first()
    if order is None:
        return None
    acting = ctx.evolve(customer=order.customer, store=order.store)
    replay = CheckoutPlan(billing_address_id=0, payment_source_id=None, attempt=checkout.attempt,
                          request_digest=checkout.request_digest)  # fmt: skip
    return checkout_submit(acting, cart=None, plan=replay)


@sensitive_variables("checkout", "card")
def guest_checkout_place(ctx: ActingContext, *, anonymous_token: str, checkout: GuestCheckout, link: Link) -> Order:
    """Check out as guest over the API, in one call: the anonymous cart the token names becomes a
    guest record's (the same :func:`guest_create` as the storefront), with the shipping and billing
    addresses and the card on file, and the order is placed by ``checkout_submit`` under the
    request's Idempotency-Key; the guest is emailed the order with its signed link.

    The same key with the same request answers the order it placed (nothing is made twice); with
    another request it is refused (422). A refused attempt (a declined card, an unknown shipping
    method) leaves the cart the guest's: the next attempt with the same token goes on with that
    guest, or with a new guest record if the name, email or phone changed. A signed-in caller is
    told to use ``POST /api/v1/checkout`` (409 ``guest.signed_in``).
    """
    _refuse_signed_in(ctx, "You are signed in: check out with POST /api/v1/checkout instead.",
                      code=AssistError.GUEST_SIGNED_IN, status=409)  # fmt: skip
    if (order := _replayed(ctx, anonymous_token, checkout)) is not None:
        return order
    values, addresses = _clean_guest_details(
        checkout.guest, {"shipping_address": checkout.shipping_address, "billing_address": checkout.billing_address}
    )
    carts = _carts_of_token(anonymous_token)
    cart = carts.filter(status=Cart.Status.ACTIVE).first()
    if cart is None and carts.exists():
        raise DomainError(CartError.NOT_ACTIVE, "This cart has already been checked out.", status=409)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "No cart has this token: add an item first.", status=404)
    if not cart.lines.exists():
        raise DomainError(CartError.EMPTY, "Your cart is empty.", status=409)
    card = checkout.card
    with transaction.atomic():
        locked = _locked_cart(cart)
        earlier = locked.customer  # the guest of an earlier attempt with this cart
        guest = earlier if earlier is not None and _same_guest(earlier, values) else _guest_of_cart(ctx, locked, values)
        acting = ctx.evolve(customer=guest, store=locked.store)
        billing_given = "billing_address" in addresses
        shipping = _address_for(acting, guest, addresses["shipping_address"], default_shipping=True,
                                default_billing=not billing_given)  # fmt: skip
        billing = _address_for(acting, guest, addresses["billing_address"], default_billing=True,
                                                default_shipping=False) if billing_given \
            else shipping  # fmt: skip
        try:
            source = payment_source_add_card(
                acting, customer=guest, number=card.number, exp_month=card.exp_month, exp_year=card.exp_year,
                cvc=card.cvc, holder_name=card.holder_name or f"{values['first_name']} {values['last_name']}",
                default_if_first=False,
            )  # fmt: skip
        except DomainError as exc:
            raise DomainError(exc.code, exc.message, status=exc.status,
                              fields={f"card_{k}": v for k, v in exc.fields.items()}) from exc  # fmt: skip
    physical = tuple(line.pk for line in locked.lines.select_related("sku") if not line.sku.is_digital)
    plan = CheckoutPlan(
        billing_address_id=billing.pk, payment_source_id=source.pk, email=values["email"], attempt=checkout.attempt,
        request_digest=checkout.request_digest,
        shipments=(ShipmentPlan(kind="SHIP", line_ids=physical, address_id=shipping.pk,
                                shipping_method_code=checkout.shipping_method),) if physical else (),
    )  # fmt: skip
    order = checkout_submit(acting, cart=Cart.objects.select_related("store").get(pk=locked.pk), plan=plan)
    guest_order_mail(order=order, link=link)
    return order


# --- Attach my guest orders --------------------------------------------------------------------------


def guests_with_orders(customer: Customer) -> list[Customer]:
    """The guest records of the customer's store and email that placed orders."""
    placed = placed_orders(Order.objects.all()).values("customer_id")
    return list(guests_of_email(customer).filter(pk__in=placed))


def guest_order_count(customer: Customer) -> int:
    """How many guest orders wait to be attached (My Account's offer shows a count, never the orders)."""
    return placed_orders(Order.objects.filter(customer__in=guests_with_orders(customer))).count()


def guest_orders_claim(ctx: ActingContext, *, link: Link) -> int:
    """Attach my guest orders: email a one-time, expiring link to the shopper's sign-in address,
    bound to them, that address and the guest records found now. Returns how many orders it names."""
    customer = registered_self(ctx)
    user = ctx.signed_in_user
    guests = guests_with_orders(customer)
    count = guest_order_count(customer)
    if not guests or not count:
        message = "There are no guest orders with your email address to attach."
        raise DomainError(CustomerError.GUEST_NO_ORDERS, message, status=404)
    token = link_sign({"u": user.pk, "e": user.email.lower(), "g": [g.pk for g in guests]}, salt=ATTACH_LINK_SALT)
    context = {"customer": customer, "url": link(token), "count": count,
               "hours": int(ATTACH_LINK_MAX_AGE.total_seconds() // 3600)}  # fmt: skip
    with transaction.atomic():
        record(ctx, action=CustomerAction.GUEST_ORDERS_LINK_SENT, subject_kind="customer", subject_id=customer.pk,
               data={"orders": count})  # fmt: skip
        transaction.on_commit(lambda: send_templated(user.email, "customers/email/guest_orders_attach", context))
    return count


def attach_link_check(ctx: ActingContext, token: str) -> list[int]:
    """The guest records an attach link names, checked against the signed-in shopper (reads only):
    a damaged, expired, used or another account's link is refused."""
    customer = registered_self(ctx)
    payload = link_open(token, salt=ATTACH_LINK_SALT, max_age=ATTACH_LINK_MAX_AGE,
                        then="Ask for a new one on My Account.")  # fmt: skip
    guest_ids = payload.get("g")
    if not isinstance(guest_ids, list) or not guest_ids or not all(isinstance(g, int) for g in guest_ids):
        raise link_error(CustomerError.GUEST_LINK_INVALID)
    user = ctx.signed_in_user
    if payload.get("u") != user.pk or payload.get("e") != user.email.lower():
        raise link_error(CustomerError.GUEST_LINK_OTHER_USER)
    guests = list(Customer.objects.filter(pk__in=guest_ids))
    if len(guests) != len(guest_ids) or not all(mergeable(g, customer) for g in guests):
        raise link_error(CustomerError.GUEST_LINK_USED)
    return guest_ids


def guest_orders_attach(ctx: ActingContext, *, token: str, with_addresses: bool = True) -> list[str]:
    """Follow the attach link: the guest records it names move their placed orders (and, if
    wanted, their addresses) to the signed-in registered customer; each order gets an audit event,
    the customer GUEST_ORDERS_ATTACHED, and each guest record is merged (disabled, never deleted),
    so the link is spent. Returns the attached order numbers."""
    guest_ids = attach_link_check(ctx, token)
    customer = registered_self(ctx)
    with transaction.atomic():
        guests = list(Customer.objects.select_for_update().filter(pk__in=guest_ids).order_by("pk"))
        if len(guests) != len(guest_ids) or not all(mergeable(g, customer) for g in guests):
            raise link_error(CustomerError.GUEST_LINK_USED)  # followed twice at once: the first one won
        orders = list(placed_orders(Order.objects.select_for_update().filter(customer__in=guests)).order_by("pk"))
        shared = {g.pk: g.shared_id for g in guests}
        for order in orders:
            Order.objects.filter(pk=order.pk).update(
                customer=customer, version=F("version") + 1, updated_at=clock.now()
            )
            record(
                ctx,
                action=CustomerAction.GUEST_ORDER_MOVED,
                subject_kind="order",
                subject_id=order.pk,
                data={"number": order.number, "from": shared[order.customer_id], "to": customer.shared_id},
            )
        moved = guests_merge(ctx, customer=customer, guests=guests, with_addresses=with_addresses)
        numbers = [o.number for o in orders]
        record(ctx, action=CustomerAction.GUEST_ORDERS_ATTACHED, subject_kind="customer", subject_id=customer.pk,
               data={"orders": numbers, "guests": list(shared.values()), "addresses": moved})  # fmt: skip
    return numbers
