"""The customer record's tabs (seed 004 "Editing a User record", "Editing an Account record").

Each tab is one entry here: its key, the seed's label, which records it applies to, its template
partial (``service/customers/_tab_<key>.html``) and the function that adds what the partial needs to
the page's context. The record page (``customer_views.py``) renders the tab bar from this list and
includes the chosen tab's partial; a tab's own POSTs live in its domain's views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from concierge.service import account_tabs, record_tabs
from concierge.service.privacy_tabs import policies_tab

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest
    from concierge.customers.models import Customer

Context = Callable[["ConciergeRequest", "Customer", bool], dict[str, Any]]


def _nothing(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Tab:
    key: str
    label: str
    users: bool  # shown on user records (REGISTERED_USER, SINGLE_SESSION_USER)
    accounts: bool  # shown on account records
    context: Context = _nothing

    @property
    def template(self) -> str:
        return f"service/customers/_tab_{self.key}.html"

    def applies_to(self, customer: Customer) -> bool:
        return self.accounts if customer.kind == customer.Kind.ACCOUNT else self.users


TABS: list[Tab] = [
    Tab("profile", "Customer Profile", users=True, accounts=True, context=record_tabs.profile),
    Tab("addresses", "Addresses", users=True, accounts=True, context=record_tabs.addresses),
    Tab("orders", "Orders", users=True, accounts=True, context=record_tabs.orders),
    Tab("segments", "Customer Segments", users=True, accounts=True, context=record_tabs.segments),
    Tab("children", "Child Accounts", users=False, accounts=True, context=account_tabs.children_context),
    Tab("associates", "Associates", users=False, accounts=True, context=account_tabs.associates_context),
    Tab("policies", "Customer Data Policies", users=True, accounts=False, context=policies_tab),
]


def tabs_for(customer: Customer) -> list[Tab]:
    return [tab for tab in TABS if tab.applies_to(customer)]


def tab_named(customer: Customer, key: str | None) -> Tab:
    """The tab ``key`` if it applies to the record, else the first (Customer Profile)."""
    shown = tabs_for(customer)
    return next((tab for tab in shown if tab.key == key), shown[0])
