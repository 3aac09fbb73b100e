"""Signing out (here or everywhere) ends the agent's assisted sessions and lets go of the carts they
locked (bar 4)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from concierge.identity.signals import signed_out_everywhere


@receiver(user_logged_out, dispatch_uid="assist.end_on_sign_out")
@receiver(signed_out_everywhere, dispatch_uid="assist.end_on_sign_out_everywhere")
def end_on_sign_out(sender: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    if user is None:
        return
    from concierge.assist.services import agent_signed_out

    agent_signed_out(user)
