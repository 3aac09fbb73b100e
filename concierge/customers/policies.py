"""Rules about customer records that other domains ask.

What an account's status means (seed 004 "Disabling or Suspending an Account record"):

- **Active**: associated users transact on behalf of the account and make purchases.
- **Suspended**: they may still transact on behalf of it — browse at its prices, fill its cart —
  but a purchase is refused with ``account.suspended``.
- **Disabled**: nobody transacts on behalf of it at all (``customer.disabled``, bar 28).

So there are two questions, asked in two places: *may transact* (:func:`check_may_transact`:
carts, choosing the account, assisted sessions for it) and *may purchase* (:func:`check_may_purchase`:
checkout, by every face). An associate's role then limits what they may do for the account
(:func:`check_associate_may`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from concierge.core.errors import DomainError
from concierge.customers.errors import CustomerError
from concierge.customers.models import AccountAssociate, Customer, SellerAssignment
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.identity.models import User


def may_transact(customer: Customer) -> bool:
    """Anyone may act for a record that is not disabled: a suspended account is still browsed and
    carted for."""
    return customer.status != Customer.Status.DISABLED


def may_purchase(customer: Customer) -> bool:
    """Only an active record buys: a suspended account's purchases are blocked."""
    return customer.status == Customer.Status.ACTIVE


def check_may_transact(customer: Customer) -> None:
    """A disabled customer (or organization) transacts with no one: not themself, not customer
    service for them, not a seller or an associate for it (RELIABILITY.md bar 28)."""
    if not may_transact(customer):
        noun = "organization" if customer.kind == customer.Kind.ACCOUNT else "customer account"
        raise DomainError(
            CustomerError.DISABLED,
            f"This {noun} ({customer.display_name}) is disabled: nothing can be bought for it. "
            "Contact customer service.",
            status=403,
        )


# The name other domains have always called: "may this record be transacted for at all".
check_active = check_may_transact


def suspended_message(account: Customer) -> str:
    """The one sentence a suspended account's buyers read, at Place Order, in the API's answer and
    on every storefront page while they buy for it."""
    return (
        f"{account.display_name} is suspended: you can browse and add to its cart, but purchases "
        "are blocked until it is re-activated."
    )


def pending_message(account: Customer) -> str:
    """What a pending (not yet activated) organization's buyers read wherever purchase is refused."""
    return (
        f"{account.display_name} is pending activation: you can browse and add to its cart, but purchases "
        "are blocked until it is activated."
    )


def purchase_blocked_message(account: Customer) -> str:
    """Why nothing can be bought for ``account`` now ("" when it can): every storefront page says
    it while someone buys for a pending or suspended organization."""
    if account.status == Customer.Status.PENDING:
        return pending_message(account)
    return suspended_message(account) if not may_purchase(account) else ""


def check_may_purchase(customer: Customer) -> None:
    """Disabled: refused as for any transaction; suspended: ``account.suspended`` (seed 004);
    pending: ``account.pending`` (seed 003)."""
    check_may_transact(customer)
    if customer.status == Customer.Status.PENDING:
        raise DomainError(CustomerError.ACCOUNT_PENDING, pending_message(customer), status=403)
    if not may_purchase(customer):
        raise DomainError(CustomerError.ACCOUNT_SUSPENDED, suspended_message(customer), status=403)


class AssociateAct(StrEnum):
    """What an associate may be asked to do for the account, as the roles allow it."""

    CART = "cart"
    PURCHASE = "purchase"
    # The account's addresses and payment methods, which buying uses.
    ACCOUNT_DETAILS = "account_details"
    MANAGE_ASSOCIATES = "manage_associates"


ROLE_ALLOWS: dict[str, frozenset[AssociateAct]] = {
    AccountAssociate.Role.BUYER: frozenset({AssociateAct.CART, AssociateAct.PURCHASE, AssociateAct.ACCOUNT_DETAILS}),
    AccountAssociate.Role.CATALOG_BROWSER: frozenset(),
    AccountAssociate.Role.ADMIN: frozenset(AssociateAct),
}

ROLE_REFUSALS = {
    AssociateAct.CART: "add to the cart or change it",
    AssociateAct.PURCHASE: "place orders",
    AssociateAct.ACCOUNT_DETAILS: "change its addresses or payment methods",
    AssociateAct.MANAGE_ASSOCIATES: "manage the associates",
}


def is_seller_for(user: User, account: Customer) -> bool:
    """A seller assigned to the account who still holds the privilege acts for it fully (seed 003)."""
    return (
        user.is_active
        and user.has_perm(Priv.ACT_FOR_ORGANIZATION)
        and SellerAssignment.objects.filter(seller=user, organization=account).exists()
    )


def associate_role(ctx: ActingContext) -> str | None:
    """The role of the signed-in user as an associate of the account in use, when that is how they
    act for it: ``None`` for a seller assigned to it, an agent assisting, or nobody acting for an
    account. Read on every call, so a role changed or removed counts on the next request."""
    if ctx.account is None or ctx.user is None or ctx.is_assisting or is_seller_for(ctx.user, ctx.account):
        return None
    role = AccountAssociate.objects.filter(account=ctx.account, user=ctx.user).values_list("role", flat=True).first()
    # No association any more (removed during this request): the narrowest role.
    return role or AccountAssociate.Role.CATALOG_BROWSER


def check_associate_may(ctx: ActingContext, act: AssociateAct) -> None:
    """An associate's role limits what they do for the account (seed 004 "Managing Associates"): a
    Buyer carts and places orders, a Catalog browser only browses, an Account administrator may
    also manage the associates. Sellers and agents are not limited by it."""
    role = associate_role(ctx)
    if role is None or act in ROLE_ALLOWS.get(role, frozenset()):
        return
    account = ctx.account
    name = account.display_name if account is not None else "the account"
    words = AccountAssociate.Role(role).label
    raise DomainError(
        CustomerError.ASSOCIATE_ROLE_FORBIDS,
        f"As a {words.lower()} for {name} you can browse its catalog and prices, but not "
        f"{ROLE_REFUSALS[act]}. Ask an account administrator for the Buyer role.",
        status=403,
        data={"role": role},
    )


def check_may_cart(ctx: ActingContext) -> None:
    """Who may open or change a cart in ``ctx``: nobody for a disabled customer or account; an
    associate only in a role that carts."""
    for party in (ctx.customer, ctx.account):
        if party is not None:
            check_may_transact(party)
    check_associate_may(ctx, AssociateAct.CART)


def check_may_purchase_in(ctx: ActingContext) -> None:
    """Who may check out in ``ctx`` (every face, every kind of caller): the customer and the account
    must be active — a suspended account is refused with ``account.suspended`` — and an associate
    must be in a role that places orders."""
    for party in (ctx.customer, ctx.account):
        if party is not None:
            check_may_transact(party)
    for party in (ctx.customer, ctx.account):
        if party is not None:
            check_may_purchase(party)
    check_associate_may(ctx, AssociateAct.PURCHASE)
