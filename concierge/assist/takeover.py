"""Cart takeover with an offline order (seed 001): Create New Order makes a draft order for a
customer — or for an anonymous shopper, recorded as a guest — View User's Cart associates it with a
cart and locks it, each item the agent adds re-prices the draft, and Add Items to Cart hands the cart
back. The shopper's checkout of that cart places the draft, same number. An anonymous shopper picks
the prepared cart up, signed in, by its cart code or by the checkout link the agent sends."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, CartTakeover, SessionVerification
from concierge.assist.services import (
    R,
    assisting,
    session_end,
    session_reason_checked,
    session_resolve,
    session_start,
)
from concierge.audit.services import record
from concierge.carts.binding import move_lines
from concierge.carts.errors import CartError
from concierge.carts.models import CODE_ALPHABET, CODE_LENGTH, Cart
from concierge.carts.services import bump, cart_add, cart_lock, cart_open, cart_remove, cart_unlock, close
from concierge.checkout.drafts import draft_attach, draft_cancel, draft_create, draft_mirror, draft_reassign
from concierge.core import clock, leases
from concierge.core.errors import CommonError, DomainError
from concierge.customers.guests import clean_guest, guest_create
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

# The checkout link an agent sends an anonymous shopper: signed, single-use, and valid this long.
LINK_MAX_AGE = dt.timedelta(hours=24)
LINK_SALT = "concierge.assist.takeover.pickup"


# --- Cart takeover with an offline order (seed 001) ----------------------------------------------


def _require_takeover_privilege(ctx: ActingContext) -> None:
    if not ctx.has_perm(Priv.UPDATE_CUSTOMER):
        raise DomainError(
            CommonError.PERMISSION_DENIED, "Cart takeover needs the customer update privilege.", status=403
        )


def takeover_create(
    ctx: ActingContext,
    *,
    customer_id: object,
    reason: str = "",
    ticket: str = "",
    verification: SessionVerification | None = None,
) -> CartTakeover:
    """Create New Order: a draft order for a customer, worked in an assisted session of its own
    (any other open session of the agent ends), started with its reason and case reference — and,
    where the store requires it, the customer's confirmed code (``assist/verification.py``)."""
    _require_takeover_privilege(ctx)
    session = session_start(
        ctx, customer_id=customer_id, reason=reason, ticket=ticket, channel=AssistedSession.Channel.CONSOLE,
        verification=verification,
    )  # fmt: skip
    acting = assisting(ctx, session)
    with transaction.atomic():
        order = draft_create(acting, customer=session.customer)
        takeover = CartTakeover.objects.create(
            number=order.number, order=order, agent=ctx.signed_in_user, customer=session.customer, session=session
        )
        record(acting, action=AssistAction.TAKEOVER_CREATED, subject_kind="customer", subject_id=session.customer_id,
               data={"takeover": takeover.number, "order": order.number})  # fmt: skip
    return takeover


def takeover_create_guest(
    ctx: ActingContext,
    *,
    first_name: str,
    last_name: str,
    email: str,
    store_id: object,
    reason: str = "",
    ticket: str = "",
) -> CartTakeover:
    """Create New Order for an anonymous shopper: a guest order. The agent enters the shopper's name
    and email, kept on a guest customer record (single session user) the draft belongs to until the
    shopper picks the cart up."""
    _require_takeover_privilege(ctx)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    try:
        values = clean_guest(first_name=first_name, last_name=last_name, email=email, whose="the shopper's")
    except DomainError as exc:
        errors.update(exc.fields)
    try:
        store_pk = int(str(store_id))
    except ValueError:
        store_pk = 0
    store = ctx.user.stores.filter(pk=store_pk).first() if ctx.user is not None else None
    if store is None:
        errors["store"] = ["Choose one of your stores."]
    else:
        try:
            session_reason_checked(store, reason=reason, ticket=ticket)
        except DomainError as exc:
            errors.update(exc.fields)
    if errors or store is None:  # no store is one of the errors
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", status=422, fields=errors)
    with transaction.atomic():  # no guest record without its order
        guest = guest_create(ctx, store=store, values=values)
        return takeover_create(ctx, customer_id=guest.pk, reason=reason, ticket=ticket)


def takeover_for(ctx: ActingContext, number: str) -> CartTakeover:
    """The agent's own takeover ``number`` (another agent's is not found), while they hold the
    customer update privilege the takeover needs."""
    _require_takeover_privilege(ctx)
    takeover = (
        CartTakeover.objects.select_related(
            "customer__store", "customer__user", "cart", "session", "order__placed_by", "agent"
        )
        .filter(number=number[:20], agent=ctx.user)
        .first()
    )
    if takeover is None:
        raise DomainError(AssistError.TAKEOVER_NOT_FOUND, "No such order of yours.", status=404)
    return takeover


def takeover_context(ctx: ActingContext, takeover: CartTakeover, *, restart: bool = False) -> ActingContext:
    """The agent acting for the takeover's customer, in its session. Once that session has ended
    (idle, time limit, another session started) only View User's Cart (``restart``) starts a new
    one: an action on the order is refused and says so."""
    session = session_resolve(ctx, takeover.session_id) if takeover.session_id else None
    if session is None:
        if not takeover.is_open:
            raise DomainError(AssistError.TAKEOVER_CLOSED, "This order was already handed back.", status=409)
        if not restart:
            raise DomainError(
                AssistError.SESSION_ENDED,
                "Your session for this order has ended (idle, time limit, or you assisted someone else). "
                "Choose View User's Cart to continue.",
                status=409,
            )
        session = session_start(ctx, customer_id=takeover.customer_id, channel=AssistedSession.Channel.CONSOLE)
        CartTakeover.objects.filter(pk=takeover.pk).update(session=session)
        takeover.session = session
    return assisting(ctx, session)


def takeover_view_cart(ctx: ActingContext, takeover: CartTakeover, *, take_lock_over: bool = False) -> leases.Grant:
    """View User's Cart: associate the order with the customer's online cart (an anonymous
    shopper's order: a new, empty cart) and lock it for the agent, so the shopper's own changes wait
    until the items are handed back. The draft order now mirrors that cart."""
    _require_takeover_privilege(ctx)
    if not takeover.is_open:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "This order was already handed back.", status=409)
    _require_draft(takeover)
    acting = takeover_context(ctx, takeover, restart=True)
    cart, _ = cart_open(acting, anonymous_token=None)
    grant = cart_lock(acting, cart=cart, takeover=take_lock_over)
    with transaction.atomic():
        CartTakeover.objects.filter(pk=takeover.pk).update(cart=cart, status=CartTakeover.Status.IN_CART)
        if takeover.order is not None:
            takeover.order = draft_attach(acting, order=takeover.order, cart=cart)
        record(acting, action=AssistAction.TAKEOVER_CART_VIEWED, subject_kind="cart", subject_id=cart.pk,
               data={"takeover": takeover.number})  # fmt: skip
    takeover.cart, takeover.status = cart, CartTakeover.Status.IN_CART
    return grant


def _require_draft(takeover: CartTakeover) -> None:
    """The order is still a draft: not cancelled (by Cancel, or replaced by another agent's order
    for the same cart) nor placed."""
    order = takeover.order
    if order is not None and not order.is_draft:
        message = f"Order {order.number} is {order.get_status_display().lower()}: it is no longer a draft."
        raise DomainError(AssistError.TAKEOVER_CLOSED, message, status=409)


def viewed_cart(takeover: CartTakeover) -> Cart:
    """The user's cart of a takeover, once View User's Cart has set it; before, a refusal that says
    to view it first."""
    if takeover.cart is None:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "View the user's cart first.", status=409)
    return takeover.cart


def _editing(ctx: ActingContext, takeover: CartTakeover) -> ActingContext:
    if takeover.cart is None or takeover.status != CartTakeover.Status.IN_CART:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "View the user's cart first.", status=409)
    _require_draft(takeover)
    return takeover_context(ctx, takeover)


def takeover_add_item(
    ctx: ActingContext, takeover: CartTakeover, *, sku_id: int, quantity: int, lease_token: str | None
) -> CartTakeover:
    """Add to Cart from the item details view: the item joins the user's cart and the draft order
    is re-priced with it, in one transaction."""
    acting = _editing(ctx, takeover)
    with transaction.atomic():
        cart_add(acting, cart=viewed_cart(takeover), sku_id=sku_id, quantity=quantity, lease_token=lease_token)
        if takeover.order is not None:
            takeover.order = draft_mirror(acting, order=takeover.order)
    return takeover


def takeover_remove_item(
    ctx: ActingContext, takeover: CartTakeover, *, line_id: int, lease_token: str | None
) -> CartTakeover:
    acting = _editing(ctx, takeover)
    with transaction.atomic():
        cart_remove(acting, cart=viewed_cart(takeover), line_id=line_id, lease_token=lease_token)
        if takeover.order is not None:
            takeover.order = draft_mirror(acting, order=takeover.order)
    return takeover


def takeover_hand_back(ctx: ActingContext, takeover: CartTakeover, *, lease_token: str | None) -> CartTakeover:
    """Add Items to Cart: end the takeover; the cart is unlocked and the shopper checks out. The
    draft order keeps the cart's items until then."""
    if takeover.status != CartTakeover.Status.IN_CART or takeover.cart is None:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "View the user's cart before adding items to it.", status=409)
    acting = takeover_context(ctx, takeover)
    cart_unlock(acting, cart=takeover.cart, lease_token=lease_token)
    with transaction.atomic():
        if takeover.order is not None:
            draft_mirror(acting, order=takeover.order)
        CartTakeover.objects.filter(pk=takeover.pk).update(status=CartTakeover.Status.HANDED_BACK, ended_at=clock.now())
        record(acting, action=AssistAction.TAKEOVER_HANDED_BACK, subject_kind="cart", subject_id=takeover.cart_id,
               data={"takeover": takeover.number, "lines": takeover.cart.lines.count()})  # fmt: skip
    session_end(acting, reason=R.HANDED_BACK)
    takeover.refresh_from_db()
    return takeover


def takeover_cancel(ctx: ActingContext, takeover: CartTakeover) -> CartTakeover:
    """Cancel the offline order: open, or handed back and never checked out (abandoned). The draft
    order is cancelled; the cart keeps what it has and is unlocked."""
    _require_takeover_privilege(ctx)
    order = takeover.order
    if takeover.status == CartTakeover.Status.CANCELLED or (
        not takeover.is_open and (order is None or not order.is_draft)
    ):
        message = (
            "This order was already placed or cancelled."
            if order is not None
            else "This order was already handed back."
        )
        raise DomainError(AssistError.TAKEOVER_CLOSED, message, status=409)
    session = session_resolve(ctx, takeover.session_id) if takeover.session_id and takeover.is_open else None
    # In its session if it is still open (ending it below lets go of the cart lock); else for the
    # customer, whose cart lock ended with that session.
    acting = (
        assisting(ctx, session) if session else ctx.evolve(customer=takeover.customer, store=takeover.customer.store)
    )
    with transaction.atomic():
        if order is not None:
            draft_cancel(acting, order=order, reason="cancelled by customer service")
        CartTakeover.objects.filter(pk=takeover.pk).update(
            status=CartTakeover.Status.CANCELLED, ended_at=takeover.ended_at or clock.now(), link_nonce=""
        )
        record(acting, action=AssistAction.TAKEOVER_CANCELLED, subject_kind="customer", subject_id=takeover.customer_id,
               data={"takeover": takeover.number})  # fmt: skip
    if session is not None:
        session_end(acting, reason=R.SIGNED_IN_AS_SELF)
    takeover.refresh_from_db()
    return takeover


# --- An anonymous shopper picks up the cart prepared for them -------------------------------------


def takeover_checkout_link(ctx: ActingContext, takeover: CartTakeover) -> str:
    """A new checkout link for an anonymous shopper's handed-back cart: the signed value the link
    carries. Single-use, valid for ``LINK_MAX_AGE``; a new link replaces the previous one."""
    _require_takeover_privilege(ctx)
    if not takeover.awaits_pickup:
        raise DomainError(
            AssistError.TAKEOVER_CLOSED, "Only an anonymous shopper's handed-back cart has a checkout link.", status=409
        )
    nonce = secrets.token_hex(16)
    with transaction.atomic():
        CartTakeover.objects.filter(pk=takeover.pk).update(link_nonce=nonce)
        record(ctx.evolve(customer=takeover.customer, store=takeover.customer.store),
               action=AssistAction.TAKEOVER_LINK_SENT, subject_kind="order", subject_id=takeover.order_id,
               data={"takeover": takeover.number})  # fmt: skip
    takeover.link_nonce = nonce
    issued = int(clock.now().timestamp())
    return signing.dumps({"t": takeover.pk, "n": nonce, "at": issued}, salt=LINK_SALT, compress=True)


def _pickup_invalid(message: str) -> DomainError:
    return DomainError(AssistError.PICKUP_INVALID, message, status=404, fields={"code": [message]})


def takeover_awaiting_pickup(*, code: str = "", link: str = "") -> CartTakeover:
    """The anonymous shopper's prepared cart named by its cart code or checkout link (read only)."""
    rows = CartTakeover.objects.select_related("order", "cart__store", "customer", "agent")
    if link:
        try:
            value = signing.loads(link, salt=LINK_SALT)
        except signing.BadSignature:
            raise _pickup_invalid("This checkout link is not valid.") from None
        issued = value.get("at") if isinstance(value, dict) else None
        if not isinstance(issued, int):
            raise _pickup_invalid("This checkout link is not valid.")
        if clock.now().timestamp() - issued > LINK_MAX_AGE.total_seconds():
            raise _pickup_invalid("This checkout link has expired. Ask customer service for a new one.")
        takeover = rows.filter(pk=value.get("t"), link_nonce=str(value.get("n", "")) or "-").first()
        if takeover is None or not takeover.awaits_pickup:
            raise _pickup_invalid(
                "This checkout link was already used or replaced. Ask customer service for a new one."
            )
        return takeover
    code = "".join(ch for ch in (code or "").upper() if not ch.isspace() and ch != "-")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        message = f"Enter the {CODE_LENGTH}-character cart code customer service gave you."
        raise DomainError(AssistError.PICKUP_INVALID, message, status=422, fields={"code": [message]})
    takeover = rows.filter(cart__code=code, status=CartTakeover.Status.HANDED_BACK, picked_up_at=None).first()
    if takeover is None or not takeover.awaits_pickup:
        raise _pickup_invalid("No cart prepared by customer service has this code. Check it with them.")
    return takeover


def takeover_pick_up(ctx: ActingContext, *, code: str = "", link: str = "") -> CartTakeover:
    """A signed-in shopper picks up the cart customer service prepared for them anonymously: its
    items join the shopper's cart, and the draft order becomes theirs (checking out places it)."""
    if ctx.customer is None or ctx.is_assisting or (ctx.user is not None and ctx.customer.user_id != ctx.user.pk):
        raise DomainError(CommonError.PERMISSION_DENIED, "Sign in as the shopper to pick up this cart.", status=403)
    found = takeover_awaiting_pickup(code=code, link=link)
    if found.cart is None or found.cart.store_id != ctx.customer.store_id:
        raise _pickup_invalid("No cart prepared by customer service has this code. Check it with them.")
    target, _ = cart_open(ctx, anonymous_token=None)
    with transaction.atomic():
        takeover = CartTakeover.objects.select_for_update(of=("self",)).select_related("order").get(pk=found.pk)
        if takeover.cart_id is None or takeover.order is None:  # as found: it awaits pickup, with both
            raise _pickup_invalid("No cart prepared by customer service has this code. Check it with them.")
        carts = {c.pk: c for c in Cart.objects.select_for_update(of=("self",)).select_related("store")
                 .filter(pk__in=[takeover.cart_id, target.pk]).order_by("pk")}  # fmt: skip
        source, target = carts[takeover.cart_id], carts[target.pk]
        if takeover.picked_up_at is not None or not source.is_active or not target.is_active:
            raise _pickup_invalid("This cart was already picked up.")
        if target.lease_is_live():
            raise DomainError(CartError.LOCKED, f"Your cart is locked by {target.lease_holder_name()} of customer "
                              "service; pick this cart up when they unlock it.", status=409)  # fmt: skip
        moved, skipped = move_lines(ctx, source, target)
        close(source, Cart.Status.MERGED)
        bump(target)
        draft_reassign(ctx, order=takeover.order, customer=ctx.customer, cart=target)
        CartTakeover.objects.filter(pk=takeover.pk).update(picked_up_at=clock.now(), link_nonce="")
        record(ctx, action=AssistAction.TAKEOVER_PICKED_UP, subject_kind="cart", subject_id=target.pk,
               data={"takeover": takeover.number, "from_cart": source.code, "lines": moved, "skipped": skipped,
                     "by": "link" if link else "code"})  # fmt: skip
    takeover.refresh_from_db()
    return takeover
