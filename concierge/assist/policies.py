"""The guard rails of acting for a customer, in one place (RELIABILITY.md bars 5 and 6).

Who may be assisted, by whom, and what an agent may never do while assisting. Views of the deny
list are tagged with :func:`not_on_behalf`; a test walks every route and fails when a route whose
name looks sensitive carries no tag and is not listed in ``REVIEWED_ALLOWED`` with its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.assist.errors import AssistError
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf, refuse_on_behalf
from concierge.customers.policies import may_transact
from concierge.identity.policies import is_staff_member, serves_store
from concierge.identity.roles import Priv

__all__ = [
    "REVIEWED_ALLOWED",
    "OnBehalfDenied",
    "check_can_assist",
    "may_assist",
    "not_on_behalf",
    "refuse_on_behalf",
    "still_assistable",
]

if TYPE_CHECKING:
    from concierge.customers.models import Customer
    from concierge.identity.models import User


# Routes whose names look sensitive but that are safe while assisting, with the reason.
REVIEWED_ALLOWED: dict[str, str] = {
    "storefront:payment_methods": (
        "lists saved payment sources masked (brand and last four digits) only; a card an agent adds "
        "for the customer over the phone is tokenized and never shown back in full"
    ),
    "storefront:sign_out_everywhere": "signs out the agent themself (their sessions and tokens), never the customer",
    "api:token_revoke": "revokes a token of the caller (the agent), never the customer's",
}


def may_assist(agent: User) -> bool:
    return agent.is_active and agent.has_perm(Priv.ACCESS_CUSTOMER_ACCOUNT)


def check_can_assist(ctx: ActingContext, customer: Customer | None) -> Customer:
    """The rules for starting a session for ``customer``; returns it, or raises with a clear reason.

    A customer of a store the agent does not serve is "not found" (no existence oracle, bar 9).
    """
    agent = ctx.user
    if agent is None or not may_assist(agent):
        raise DomainError(
            CommonError.PERMISSION_DENIED, "You do not have permission to access customer accounts.", status=403
        )
    if ctx.is_assisting:
        raise DomainError(
            AssistError.ALREADY_ASSISTING,
            f"You are assisting {ctx.customer.display_name if ctx.customer else 'a customer'}. "
            "Sign in as Yourself before accessing another customer's account.",
            status=409,
        )
    if customer is None or not serves_store(ctx, customer.store_id):
        raise NotFound("No such customer.")
    if customer.user_id is not None and is_staff_member(customer.user):
        raise DomainError(
            AssistError.STAFF_CUSTOMER, "Staff members' accounts cannot be accessed on their behalf.", status=403
        )
    if customer.user_id is not None and customer.user_id == agent.pk:
        raise DomainError(AssistError.STAFF_CUSTOMER, "You cannot assist yourself.", status=403)
    if not may_transact(customer) or (customer.user is not None and not customer.user.is_active):
        noun = "organization" if customer.kind == customer.Kind.ACCOUNT else "customer's account"
        raise DomainError(
            AssistError.CUSTOMER_INACTIVE,
            f"This {noun} ({customer.display_name}) is disabled, so it cannot be accessed on their behalf.",
            status=409,
        )
    if customer.assistance_opt_out:
        raise DomainError(
            AssistError.OPTED_OUT,
            f"{customer.display_name} has asked that customer service not access their account. "
            "Help them by phone or ask them to change this in My Account.",
            status=403,
        )
    return customer


def still_assistable(agent: User, customer: Customer) -> bool:
    """What starting a session checked about the pair, checked again on every request: the agent
    still serves the customer's store, and the customer (and their sign-in) is active and has not
    opted out."""
    user = customer.user
    return (
        may_transact(customer)  # a suspended account is still served; only its purchases are refused
        and not customer.assistance_opt_out
        and (user is None or user.is_active)
        and serves_store(ActingContext(user=agent), customer.store_id)
    )
