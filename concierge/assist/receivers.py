"""Signing out (here or everywhere) ends what the user holds for their sessions: one service,
``user_signed_out``, for both signals (bar 4; seed 004's unlock on sign-out)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from concierge.assist.services import user_signed_out
from concierge.core.context import ActingContext
from concierge.identity.signals import signed_out_everywhere


@receiver(user_logged_out, dispatch_uid="assist.release_on_sign_out")
@receiver(signed_out_everywhere, dispatch_uid="assist.release_on_sign_out_everywhere")
def release_on_sign_out(sender: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return
    request_ctx = getattr(request, "ctx", None)
    # Attributed to the person signing out, as themself (not to a customer they were assisting).
    ctx = ActingContext(
        user=user,
        request_id=getattr(request_ctx, "request_id", "") or ActingContext(user=None).request_id,
        client_ip=getattr(request_ctx, "client_ip", ""),
    )
    user_signed_out(ctx, user=user)
