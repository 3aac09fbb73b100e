"""The storefront header's account switcher ("Buying for: Myself ▾") and the notice of a suspended
account, rendered from the acting context: ``{% load buying_for %}{% account_switcher %}``."""

from __future__ import annotations

from typing import Any

from django import template

from concierge.customers.policies import associate_role, purchase_blocked_message
from concierge.customers.selectors import SELLER, accounts_for_user

register = template.Library()


@register.inclusion_tag("storefront/_account_switcher.html", takes_context=True)
def account_switcher(context: template.Context) -> dict[str, Any]:
    """A shopper who is an associate of an account chooses whom they buy for; a seller keeps the
    badge of their organization (chosen on Customer Organizations). Nothing while assisting."""
    ctx = context.get("ctx")
    request = context.get("request")
    shown: dict[str, Any] = {"ctx": ctx, "csrf_token": context.get("csrf_token"), "entries": [], "switcher": False,
                             "next": request.get_full_path() if request is not None else "/"}  # fmt: skip
    if ctx is None or ctx.user is None or ctx.is_assisting:
        return shown
    entries = accounts_for_user(ctx.user)
    shown["entries"] = entries
    shown["switcher"] = any(entry.role != SELLER for entry in entries)
    shown["is_admin"] = associate_role(ctx) == "ADMIN"
    return shown


@register.inclusion_tag("storefront/_account_notice.html", takes_context=True)
def account_notice(context: template.Context) -> dict[str, Any]:
    """While buying for a suspended or pending account, every page says so, in the words Place Order
    refuses with (``account.suspended``, ``account.pending``)."""
    ctx = context.get("ctx")
    account = getattr(ctx, "account", None)
    message = purchase_blocked_message(account) if account is not None else ""
    # Where a purchase was just refused, the page's own message says it already: not twice.
    if message and any(str(shown) == message for shown in context.get("messages") or ()):
        message = ""
    return {"message": message}
