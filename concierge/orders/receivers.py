"""Signing out closes the CSR's open orders (seed 004: "CSR closes Elastic Path Commerce ... the
system automatically unlocks each order")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from concierge.core import lease_tokens
from concierge.core.context import ActingContext
from concierge.orders.locks import order_locks_release_all


@receiver(user_logged_out, dispatch_uid="orders.release_locks_on_sign_out")
def release_order_locks(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return
    ctx = getattr(request, "ctx", None)
    if ctx is None or ctx.user is None or ctx.user.pk != user.pk:
        ctx = ActingContext(user=user)
    order_locks_release_all(ctx, user=user)
    if request is not None and hasattr(request, "session"):
        lease_tokens.forget_all(request, "order")
