"""The Customer Service home's list of refunds awaiting approval, for approvers (four-eyes)."""

from __future__ import annotations

from typing import Any

from django import template

from concierge.identity.roles import Priv
from concierge.orders.refunds import refunds_awaiting_approval

register = template.Library()


@register.inclusion_tag("service/_refunds_awaiting.html", takes_context=True)
def refunds_awaiting(context: template.Context) -> dict[str, Any]:
    """The refunds of the viewer's stores waiting for a second person; nothing without Approve Refund."""
    request = context["request"]
    ctx = request.ctx
    return {"refunds": refunds_awaiting_approval(ctx), "viewer_id": ctx.user.pk if ctx.user is not None else None,
            "shown": ctx.has_perm(Priv.APPROVE_REFUND)}  # fmt: skip
