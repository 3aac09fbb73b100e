"""The one idempotency check of checkout, for both faces (RELIABILITY.md bar 18, Stripe's rules).

A checkout attempt is named by a key: the API's ``Idempotency-Key`` header, or the token of a
checkout page shown once. The first request with a key claims it with a digest of the request
(the API's method, path and canonical body; a checkout page's token is made by the server for that
one page, so it binds no digest and a double submit of the page, even one that entered a new card
twice, answers the order it placed); then the same key

- with the same request answers the order it placed (the same 201 over the API), or runs again
  if the first one was refused (a declined card, a changed total: nothing was placed);
- with another request is refused: 422 ``checkout.idempotency_mismatch``;
- while the first request is still running is refused: 409 ``checkout.idempotency_in_flight``.

A claim left in flight by a process that died is taken over after
``CONCIERGE_CHECKOUT_ATTEMPT_STALE_SECONDS``; the gateway call is keyed by the attempt too, so the
retry never charges twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from concierge.carts.errors import CartError
from concierge.checkout.errors import CheckoutError
from concierge.checkout.models import CheckoutAttempt
from concierge.checkout.plan import CheckoutPlan
from concierge.core import clock
from concierge.core.errors import DomainError
from concierge.orders.models import Order

if TYPE_CHECKING:
    from concierge.carts.models import Cart
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer


def request_digest(*, method: str, path: str, body: Any) -> str:
    """SHA-256 of a request: its method, its path and its body as canonical JSON (keys sorted, no
    whitespace), so two bodies that differ only in key order or spacing are the same request."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stale_before() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.CONCIERGE_CHECKOUT_ATTEMPT_STALE_SECONDS)


def attempt_claim(*, customer: Customer, plan: CheckoutPlan) -> CheckoutAttempt | Order:
    """Claim ``plan.attempt`` for this request, or answer the order the same request placed.

    Raises 422 for the key sent with another request, 409 while the first is still running."""
    digest = plan.request_digest
    now = clock.now()
    with transaction.atomic():
        attempt, created = CheckoutAttempt.objects.select_for_update().get_or_create(
            customer=customer, key=plan.attempt, defaults={"digest": digest, "created_at": now, "updated_at": now}
        )
        if created:
            return attempt
        if attempt.digest != digest:
            raise DomainError(
                CheckoutError.IDEMPOTENCY_MISMATCH,
                "This Idempotency-Key was already used for a different checkout request. "
                "Use a new key for a new request.",
                status=422,
            )
        placed = Order.objects.filter(customer=customer, checkout_key=plan.attempt).first()
        if placed is not None:
            if attempt.state != CheckoutAttempt.State.PLACED:
                attempt.state, attempt.order, attempt.updated_at = CheckoutAttempt.State.PLACED, placed, now
                attempt.save(update_fields=["state", "order", "updated_at"])
            return placed
        if attempt.state == CheckoutAttempt.State.IN_FLIGHT and attempt.updated_at > _stale_before():
            raise DomainError(
                CheckoutError.IDEMPOTENCY_IN_FLIGHT,
                "This checkout is still being placed. Wait a moment, then send the same request again.",
                status=409,
            )
        attempt.state, attempt.updated_at = CheckoutAttempt.State.IN_FLIGHT, now
        attempt.save(update_fields=["state", "updated_at"])
        return attempt


def _attempt_end(attempt: CheckoutAttempt, order: Order | None) -> None:
    state = CheckoutAttempt.State.PLACED if order is not None else CheckoutAttempt.State.FAILED
    CheckoutAttempt.objects.filter(pk=attempt.pk).update(state=state, order=order, updated_at=clock.now())


def idempotent_checkout(submit: Callable[..., Order]) -> Callable[..., Order]:
    """Wraps ``checkout_submit``: the key is checked before anything else (before the cart: the
    cart of a placed order is no longer active), and its outcome is recorded after."""

    @functools.wraps(submit)
    def checkout(ctx: ActingContext, *, cart: Cart | None, plan: CheckoutPlan, lease_token: str | None = None) -> Order:
        customer = ctx.customer
        claimed = attempt_claim(customer=customer, plan=plan) if customer is not None and plan.attempt else None
        if isinstance(claimed, Order):
            return claimed
        order: Order | None = None
        try:
            if cart is None:
                raise DomainError(CartError.EMPTY, "Your cart is empty.", status=409)
            order = submit(ctx, cart=cart, plan=plan, lease_token=lease_token)
            return order
        finally:
            if claimed is not None:
                _attempt_end(claimed, order)

    return checkout
