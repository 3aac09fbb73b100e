"""Signing out ends the agent's assisted session and lets go of the carts they locked (bar 4)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out, dispatch_uid="assist.end_on_sign_out")
def end_on_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    from concierge.assist.services import agent_signed_out

    agent_signed_out(user)
