"""Cart takeover with an offline order (seed 001): Create New Order for a customer, View User's
Cart associates the order with their cart and locks it, Add Items to Cart hands it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, CartTakeover
from concierge.assist.services import R, assisting, session_end, session_resolve, session_start
from concierge.audit.services import record
from concierge.core import clock, leases
from concierge.core.errors import CommonError, DomainError

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


# --- Cart takeover with an offline order (seed 001) ----------------------------------------------


def _require_takeover_privilege(ctx: ActingContext) -> None:
    from concierge.identity.roles import Priv

    if not ctx.has_perm(Priv.UPDATE_CUSTOMER):
        raise DomainError(
            CommonError.PERMISSION_DENIED, "Cart takeover needs the customer update privilege.", status=403
        )


def takeover_create(ctx: ActingContext, *, customer_id: object) -> CartTakeover:
    """Create New Order: an offline order for a customer, worked in an assisted session of its own
    (any other open session of the agent ends)."""
    _require_takeover_privilege(ctx)
    session = session_start(ctx, customer_id=customer_id, channel=AssistedSession.Channel.CONSOLE)
    with transaction.atomic():
        takeover = CartTakeover.objects.create(
            number=_takeover_number(), agent=ctx.user, customer=session.customer, session=session
        )
        record(assisting(ctx, session), action="takeover.created", subject_kind="customer",
               subject_id=session.customer_id, data={"takeover": takeover.number})  # fmt: skip
    return takeover


def _takeover_number() -> str:
    import secrets

    return "OF-" + "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))


def takeover_for(ctx: ActingContext, number: str) -> CartTakeover:
    """The agent's own takeover ``number`` (another agent's is not found), while they hold the
    customer update privilege the takeover needs."""
    _require_takeover_privilege(ctx)
    takeover = (
        CartTakeover.objects.select_related("customer__store", "customer__user", "cart", "session")
        .filter(number=number, agent=ctx.user)
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
    """View User's Cart: associate the order with the customer's online cart and lock it for the
    agent, so the shopper's own changes wait until the items are handed back."""
    from concierge.carts.services import cart_lock, cart_open

    _require_takeover_privilege(ctx)
    if not takeover.is_open:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "This order was already handed back.", status=409)
    acting = takeover_context(ctx, takeover, restart=True)
    cart, _ = cart_open(acting, anonymous_token=None)
    grant = cart_lock(acting, cart=cart, takeover=take_lock_over)
    with transaction.atomic():
        CartTakeover.objects.filter(pk=takeover.pk).update(cart=cart, status=CartTakeover.Status.IN_CART)
        record(acting, action="takeover.cart_viewed", subject_kind="cart", subject_id=cart.pk,
               data={"takeover": takeover.number})  # fmt: skip
    takeover.cart, takeover.status = cart, CartTakeover.Status.IN_CART
    return grant


def takeover_hand_back(ctx: ActingContext, takeover: CartTakeover, *, lease_token: str | None) -> CartTakeover:
    """Add Items to Cart: end the takeover; the cart is unlocked and the shopper checks out."""
    from concierge.carts.services import cart_unlock

    if takeover.status != CartTakeover.Status.IN_CART or takeover.cart is None:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "View the user's cart before adding items to it.", status=409)
    acting = takeover_context(ctx, takeover)
    cart_unlock(acting, cart=takeover.cart, lease_token=lease_token)
    with transaction.atomic():
        CartTakeover.objects.filter(pk=takeover.pk).update(status=CartTakeover.Status.HANDED_BACK, ended_at=clock.now())
        record(acting, action="takeover.handed_back", subject_kind="cart", subject_id=takeover.cart_id,
               data={"takeover": takeover.number, "lines": takeover.cart.lines.count()})  # fmt: skip
    session_end(acting, reason=R.HANDED_BACK)
    takeover.refresh_from_db()
    return takeover


def takeover_cancel(ctx: ActingContext, takeover: CartTakeover) -> CartTakeover:
    """Cancel the offline order: the cart keeps what it has and is unlocked."""
    if not takeover.is_open:
        raise DomainError(AssistError.TAKEOVER_CLOSED, "This order was already handed back.", status=409)
    session = session_resolve(ctx, takeover.session_id) if takeover.session_id else None
    # In its session if it is still open (ending it below lets go of the cart lock); else for the
    # customer, whose cart lock ended with that session.
    acting = (
        assisting(ctx, session) if session else ctx.evolve(customer=takeover.customer, store=takeover.customer.store)
    )
    with transaction.atomic():
        CartTakeover.objects.filter(pk=takeover.pk).update(status=CartTakeover.Status.CANCELLED, ended_at=clock.now())
        record(acting, action="takeover.cancelled", subject_kind="customer", subject_id=takeover.customer_id,
               data={"takeover": takeover.number})  # fmt: skip
    if session is not None:
        session_end(acting, reason=R.SIGNED_IN_AS_SELF)
    takeover.refresh_from_db()
    return takeover
