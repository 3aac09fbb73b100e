"""Cart locks (seed 000 step 7, seed 001), as leases of the one mechanism in ``core/leases.py``.

Customer service locks a customer's cart while they change it for them: the shopper's own changes
and checkout wait until the agent unlocks it, their assisted session ends, or the lease expires
after ``cart_lease_ttl()`` without being renewed. Every change an agent makes names the lease's
token. Mirrors ``orders/locks.py``: the row lock, the lease moves, and their audit events.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.actions import CartAction
from concierge.carts.errors import CartError
from concierge.carts.models import Cart, CartLine
from concierge.carts.policies import check_may_purchase, check_may_transact, owns_cart
from concierge.carts.sharing import tell_shopper_handed_back
from concierge.core import clock, leases
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.prepared import PreparedUpdate
from concierge.identity.policies import serves_store
from concierge.identity.roles import Priv
from concierge.stores.models import Store
from concierge.stores.selectors import stores_named

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer
    from concierge.identity.models import User

CART_LEASE = leases.LeaseCodes(held=CartError.LOCKED, lost=CartError.LOCK_LOST, noun="cart")


def cart_lease_ttl() -> dt.timedelta:
    """How long an agent's cart lock lasts without being renewed (the one place it is defined)."""
    return dt.timedelta(minutes=settings.CONCIERGE_CART_LEASE_MINUTES)


def locked_by_staff_error(cart: Cart, *, then: str) -> DomainError:
    """What the shopper is told while customer service holds their cart's lock; ``then`` says what
    they can do once it is unlocked."""
    name = cart.lease_holder_name()
    return DomainError(
        CartError.LOCKED,
        f"Your cart is locked by {name} of customer service while they help you. {then}",
        status=409,
        data={"locked_by": name},
    )


def locked_cart(
    ctx: ActingContext, cart_id: int, *, anonymous_token: str | None, expected_version: int | None = None
) -> Cart:
    """The active cart row ``ctx`` may change, locked for the rest of the caller's transaction."""
    check_may_transact(ctx)
    # of=("self",): lock the cart row only, not the store row the join reads (locking the shared
    # store row serialized every cart change and deadlocked against the audit chain head).
    cart = Cart.objects.select_for_update(of=("self",)).select_related("store").filter(pk=cart_id).first()
    if cart is None or not owns_cart(ctx, cart, anonymous_token=anonymous_token):
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    if not cart.is_active:
        raise DomainError(CartError.NOT_ACTIVE, "This cart has already been checked out or merged.", status=409)
    if expected_version is not None and cart.version != expected_version:
        raise DomainError(
            CartError.STALE, "The cart has changed since it was loaded. Reload it and try again.", status=412
        )
    return cart


# The statement every change of a cart starts with, by the cart's id, the customer served or the
# visitor's token: compiled once per process (core/prepared.py), as each change would compile it.
_VERSION_MOVED = {"version": F("version") + 1, "updated_at": dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)}
_CHANGING_BY_ID = PreparedUpdate(lambda cart_id: Cart.objects.filter(pk=cart_id), sets=_VERSION_MOVED,
                                 cart_id=-7_000_000_001)  # fmt: skip
_CHANGING_CUSTOMERS = PreparedUpdate(
    lambda customer_id: Cart.objects.filter(customer_id=customer_id, status=Cart.Status.ACTIVE),
    sets=_VERSION_MOVED,
    customer_id=-7_000_000_001,
)
_CHANGING_VISITORS = PreparedUpdate(
    lambda digest: Cart.objects.filter(anonymous_digest=digest, customer__isnull=True, status=Cart.Status.ACTIVE),
    sets=_VERSION_MOVED,
    digest="\x00visitor-digest",
)


def changing_cart(
    ctx: ActingContext, *, cart_id: int | None, anonymous_token: str | None, expected_version: int | None = None
) -> Cart | None:
    """The active cart ``ctx`` may change, locked for the rest of the caller's transaction with its
    version moved on, in one statement: an ``UPDATE … RETURNING`` locks the row as
    ``select_for_update`` does (every other writer of a cart locks it first, so they wait for this
    transaction). The checks are ``locked_cart``'s, on the version the row had; a refusal raises,
    and the caller's transaction rolls the version back with the rest. ``cart_id`` None: the active
    cart of the customer served, or of the anonymous visitor's token — None when there is none."""
    if not connection.in_atomic_block:
        raise RuntimeError("changing_cart moves the version inside the caller's transaction")
    check_may_transact(ctx)
    now = clock.now()
    if cart_id is not None:
        rows = _CHANGING_BY_ID.run(cart_id=cart_id, updated_at=now)
    elif ctx.customer is not None:
        rows = _CHANGING_CUSTOMERS.run(customer_id=ctx.customer.pk, updated_at=now)
    elif ctx.user is None and anonymous_token:
        rows = _CHANGING_VISITORS.run(digest=Cart.digest_of(anonymous_token), updated_at=now)
    else:
        return None
    if not rows:
        if cart_id is None:
            return None
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    cart = rows[0]
    cart.store = _store(ctx, cart.store_id)
    if not owns_cart(ctx, cart, anonymous_token=anonymous_token):
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    if not cart.is_active:
        raise DomainError(CartError.NOT_ACTIVE, "This cart has already been checked out or merged.", status=409)
    if expected_version is not None and cart.version - 1 != expected_version:
        raise DomainError(
            CartError.STALE, "The cart has changed since it was loaded. Reload it and try again.", status=412
        )
    return cart


def _store(ctx: ActingContext, store_id: int) -> Store:
    """A cart's store: the one the request resolved, or the kept one (stores change rarely)."""
    if ctx.store is not None and ctx.store.pk == store_id:
        return ctx.store
    kept = stores_named([store_id])
    return kept[0] if kept else Store.objects.get(pk=store_id)


def guard_write(ctx: ActingContext, cart: Cart, lease_token: str | None) -> None:
    """Who may change a cart (locked by the caller) now.

    The shopper: only while no one from customer service holds its lock. An agent assisting the
    customer: under their live lease (named by its token, renewed by the change), or without one
    while the cart is still empty — their first item locks it for them.
    """
    now = clock.now()
    if not ctx.is_assisting:
        if cart.lease_is_live(now):
            raise locked_by_staff_error(cart, then="It can be changed again when they unlock it.")
        return
    if lease_token:
        leases.check(cart, lease_token, codes=CART_LEASE, ttl=cart_lease_ttl())
        return
    if cart.lease_is_live(now) and cart.lease_holder_id != ctx.signed_in_user.pk:
        raise leases.held_error(cart, CART_LEASE)
    if cart.lease_is_live(now):
        raise leases.lost_error(cart, CART_LEASE, now=now)  # theirs, but from another session
    if CartLine.objects.filter(cart=cart).exists():
        raise DomainError(
            CartError.LOCK_REQUIRED,
            "The customer's cart already has items: Lock it from the mini cart before changing it.",
            status=409,
        )
    grant = leases.acquire(cart, holder=ctx.signed_in_user, ttl=cart_lease_ttl(), codes=CART_LEASE)
    record(ctx, action=CartAction.LOCKED, subject_kind="cart", subject_id=cart.pk,
           data={"expires_at": grant.expires_at.isoformat(), "automatic": True})  # fmt: skip


def check_checkout_allowed(ctx: ActingContext, cart: Cart, lease_token: str | None = None) -> None:
    """Checkout turns the cart into an order: not for a disabled customer or organization, not
    while someone else holds its lock, and by an assisting agent only under their own live lock,
    named by its token (as every change they make). A suspended account is refused here:
    ``account.suspended``."""
    check_may_purchase(ctx)
    if ctx.is_assisting:
        if lease_token:
            leases.check(cart, lease_token, codes=CART_LEASE)
            return
        if cart.lease_is_live():
            raise leases.held_error(cart, CART_LEASE)
        raise DomainError(
            CartError.LOCK_REQUIRED, "Lock the customer's cart from the mini cart before checking out.", status=409
        )
    if cart.lease_is_live():
        raise locked_by_staff_error(cart, then="You can check out when they unlock it.")


def _require_assisting(ctx: ActingContext, cart: Cart) -> None:
    if not ctx.is_assisting or ctx.customer is None or cart.customer_id != ctx.customer.pk:
        raise DomainError(
            CartError.NOT_ASSISTING, "Only customer service assisting this customer can lock their cart.", status=403
        )


def cart_lock(ctx: ActingContext, *, cart: Cart, takeover: bool = False) -> leases.Grant:
    """Lock the customer's cart for the assisting agent ("Lock"), or take the lock over from
    another agent. The grant's token names the lock in every later change."""
    _require_assisting(ctx, cart)
    with transaction.atomic():
        row = locked_cart(ctx, cart.pk, anonymous_token=None)
        previous = row.lease_holder_name() if row.lease_is_live() else None
        grant = leases.acquire(
            row, holder=ctx.signed_in_user, ttl=cart_lease_ttl(), codes=CART_LEASE, takeover=takeover
        )
        if grant.previous_holder_id is not None:
            record(ctx, action=CartAction.LOCK_TAKEN_OVER, subject_kind="cart", subject_id=row.pk,
                   data={"previous_holder": previous, "previous_holder_id": grant.previous_holder_id,
                         "expires_at": grant.expires_at.isoformat()})  # fmt: skip
        else:
            record(ctx, action=CartAction.LOCKED, subject_kind="cart", subject_id=row.pk,
                   data={"expires_at": grant.expires_at.isoformat()})  # fmt: skip
    return grant


def cart_unlock(ctx: ActingContext, *, cart: Cart, lease_token: str | None) -> Cart:
    """The holder lets go ("Unlock"); the shopper may change the cart again."""
    _require_assisting(ctx, cart)
    with transaction.atomic():
        row = locked_cart(ctx, cart.pk, anonymous_token=None)
        leases.release(row, lease_token, codes=CART_LEASE)
        record(ctx, action=CartAction.UNLOCKED, subject_kind="cart", subject_id=row.pk)
        tell_shopper_handed_back(ctx, row)
    return row


UNLOCK_REASON_MAX = 500


def cart_force_unlock(ctx: ActingContext, *, cart_id: int, reason: str) -> int | None:
    """A supervisor's Unlock of a customer's cart that someone in customer service holds: needs the
    Unlock Order privilege and a reason (at most ``UNLOCK_REASON_MAX`` characters, refused not cut);
    audited with the previous holder; the shopper may change the cart again. Another store's cart
    is "not found". Returns the previous holder's id (None when the cart was not locked)."""
    if not ctx.has_perm(Priv.UNLOCK_ORDER):
        raise PermissionDenied("Unlocking a cart needs the Unlock Order privilege.")
    reason = (reason or "").strip()
    if not reason:
        message = "Give a reason for unlocking the cart."
        raise DomainError(CartError.UNLOCK_REASON_REQUIRED, message, status=422, fields={"reason": [message]})
    if problem := text_problem(reason, limit=UNLOCK_REASON_MAX):
        raise DomainError(CartError.UNLOCK_REASON_REQUIRED, problem, status=422, fields={"reason": [problem]})
    with transaction.atomic():
        row = Cart.objects.select_for_update(of=("self",)).select_related("store").filter(pk=cart_id).first()
        if row is None or not serves_store(ctx, row.store_id):
            raise NotFound("No such cart.")
        if not row.is_active or not row.lease_is_live():
            return None
        holder = row.lease_holder_name()
        previous = leases.clear(row)
        record(ctx, action=CartAction.FORCE_UNLOCKED, subject_kind="cart", subject_id=row.pk,
               changes={"locked_by": (holder, None)},
               data={"reason": reason, "previous_holder_id": previous})  # fmt: skip
        tell_shopper_handed_back(ctx, row)
    return previous


def cart_leases_release_for(ctx: ActingContext, *, agent: User, customer: Customer) -> None:
    """The end of an assisted session lets go of the carts its agent locked for the customer (inside
    the caller's transaction)."""
    for row in Cart.objects.select_for_update(of=("self",)).filter(
        customer=customer, lease_holder=agent, lease_expires_at__gt=clock.now()
    ):
        leases.clear(row)
        record(ctx, action=CartAction.UNLOCKED, subject_kind="cart", subject_id=row.pk, data={"session_ended": True})
        tell_shopper_handed_back(ctx, row)


def cart_leases_hand_over(ctx: ActingContext, *, agent: User, to: User, customer: Customer) -> dict[int, str]:
    """A warm transfer moves the live cart locks ``agent`` holds for the customer to ``to``, each
    under a new token (the first agent's no longer works), inside the caller's transaction; audited
    as a takeover by ``to``. Returns the new tokens by cart id, for the receiver's browser."""
    tokens: dict[int, str] = {}
    for row in Cart.objects.select_for_update(of=("self",)).filter(
        customer=customer, lease_holder=agent, lease_expires_at__gt=clock.now()
    ):
        grant = leases.acquire(row, holder=to, ttl=cart_lease_ttl(), codes=CART_LEASE, takeover=True)
        record(ctx, action=CartAction.LOCK_TAKEN_OVER, subject_kind="cart", subject_id=row.pk,
               data={"previous_holder": agent.pk, "transfer": True})  # fmt: skip
        tokens[row.pk] = grant.token
    return tokens


def cart_leases_renew_for(*, agent: User, customer: Customer) -> int:
    """An agent at work keeps their live cart locks for the customer."""
    now = clock.now()
    return Cart.objects.filter(customer=customer, lease_holder=agent, lease_expires_at__gt=now).update(
        lease_expires_at=now + cart_lease_ttl()
    )
