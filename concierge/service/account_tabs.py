"""What the account record's Child Accounts and Associates tabs show (``customer_tabs.TABS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from concierge.customers import accounts
from concierge.customers.models import AccountAssociate

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest
    from concierge.customers.models import Customer


def children_context(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Child Accounts: the hierarchy below the account as a tree, and the accounts above it."""
    return {
        "tree": accounts.account_tree(customer),
        "ancestors": list(reversed(accounts.ancestors(customer))),
        "may_manage": accounts.may_manage_accounts(request.ctx),
    }


def associates_context(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Associates: the list, and the Add Associate / Remove Associate dialogs when asked for (a GET
    that only shows a dialog; Save and OK post)."""
    associates = accounts.associates_of(customer)
    chosen = request.GET.get("remove") or ""
    return {
        "associates": associates,
        "roles": AccountAssociate.Role.choices,
        "add_associate": request.GET.get("dialog") == "add",
        "removing": next((a for a in associates if str(a.pk) == chosen), None),
        "may_manage": accounts.may_manage_accounts(request.ctx),
    }
