from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.customers import search
from concierge.customers.errors import CustomerError
from concierge.customers.models import AccountAssociate, Customer, SellerAssignment
from concierge.customers.policies import ROLE_ALLOWS, AssociateAct, check_may_transact, is_seller_for, may_purchase
from concierge.identity.policies import can_find_customers, stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.identity.models import User

FIND_REFUSED = "Find customer is for customer service. Warehouse staff find returns by their RMA code."


def find_customers(
    ctx: ActingContext, criteria: search.Criteria, *, limit: int = search.RESULT_LIMIT
) -> search.FindResult:
    """Find customer (seed 000 step 3) for ``ctx``: customer service only, over the stores they
    serve (``identity.policies.stores_served``), never a store the caller names."""
    if not can_find_customers(ctx):
        raise PermissionDenied(FIND_REFUSED)
    return search.find_customers(criteria, store_ids=stores_served(ctx), limit=limit)


def access_customer(ctx: ActingContext, pk: object) -> Customer:
    """A customer (or organization) record for the console: customer service of its store only.
    Missing and another store's are both "not found" (bar 9)."""
    try:
        customer_pk = int(str(pk))
    except ValueError:
        customer_pk = 0
    if not can_find_customers(ctx) or not 1 <= customer_pk < 2**63:
        raise NotFound("No such customer.")
    customer = (
        Customer.objects.select_related("store", "user")
        .prefetch_related("addresses", "segments")
        .filter(pk=customer_pk, store_id__in=stores_served(ctx))
        .first()
    )
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def customer_for_user(user: User) -> Customer | None:
    """The customer record a signed-in user shops as (none for staff). The session's user comes
    with it already (``EmailBackend.get_user``), so a request resolves it without a query."""
    if getattr(user, "customer_loaded", False):
        try:
            return user.customer
        except Customer.DoesNotExist:
            return None
    return Customer.objects.select_related("store").filter(user=user).first()


def organizations_for_seller(user: User) -> QuerySet[SellerAssignment]:
    """The organizations assigned to ``user`` with their contract numbers, by name."""
    return (
        SellerAssignment.objects.filter(seller=user, organization__kind=Customer.Kind.ACCOUNT)
        .select_related("organization", "organization__store")
        .order_by("organization__organization_name", "organization_id")
    )


SELLER = "SELLER"  # how a seller acts for an assigned organization, beside the associates' roles


@dataclass(frozen=True)
class ActableAccount:
    """An account a user may act for, and how: as its assigned seller, or as an associate in a role."""

    account: Customer
    role: str  # SELLER, or an ``AccountAssociate.Role``

    @property
    def role_label(self) -> str:
        return "Seller" if self.role == SELLER else AccountAssociate.Role(self.role).label

    @property
    def may_purchase(self) -> bool:
        return may_purchase(self.account) and (self.role == SELLER or AssociateAct.PURCHASE in ROLE_ALLOWS[self.role])


def accounts_for_user(user: User) -> list[ActableAccount]:
    """Every account ``user`` may act for now, by name: the organizations assigned to them while
    they hold the seller privilege, and the accounts they are an associate of. Disabled accounts are
    left out (nobody transacts for them); a suspended one is listed (it is browsed and carted for)."""
    found: dict[int, ActableAccount] = {}
    if user.is_active and user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        for assignment in organizations_for_seller(user).exclude(organization__status=Customer.Status.DISABLED):
            found[assignment.organization_id] = ActableAccount(assignment.organization, SELLER)
    associations = (
        AccountAssociate.objects.filter(user=user, account__kind=Customer.Kind.ACCOUNT)
        .exclude(account__status=Customer.Status.DISABLED)
        .select_related("account", "account__store", "account__parent")
    )
    for association in associations:
        found.setdefault(association.account_id, ActableAccount(association.account, association.role))
    return sorted(found.values(), key=lambda a: (a.account.display_name.casefold(), a.account.pk))


def _account_pk(account_id: object) -> int | None:
    try:
        account_pk = int(str(account_id))
    except (TypeError, ValueError):
        return None
    return account_pk if 1 <= account_pk < 2**63 else None


def account_to_act_for(user: User, account_id: object) -> ActableAccount:
    """The account ``account_id`` and how ``user`` may act for it (seller assignment with the
    privilege, or association), or a refusal: one that is not theirs is "not found" whatever it is
    (bar 9), one that is theirs but disabled says so (``customer.disabled``)."""
    account_pk = _account_pk(account_id)
    mine = None
    if account_pk is not None:
        accounts = Customer.objects.select_related("store", "parent")
        account = accounts.filter(pk=account_pk, kind=Customer.Kind.ACCOUNT).first()
        if account is not None:
            if is_seller_for(user, account):
                mine = ActableAccount(account, SELLER)
            elif (role := account.associates.filter(user=user).values_list("role", flat=True).first()) is not None:
                mine = ActableAccount(account, role)
    if mine is None or not user.is_active:
        raise DomainError(CustomerError.ACCOUNT_UNAVAILABLE, "No such account is available to you.", status=404)
    check_may_transact(mine.account)
    return mine


def account_for_user(user: User, account_id: object) -> Customer | None:
    """The account ``account_id`` if ``user`` may act for it now, else ``None`` (the acting context
    drops a selection that no longer holds: an association removed, an assignment or privilege
    lost, the account disabled)."""
    try:
        return account_to_act_for(user, account_id).account
    except DomainError:
        return None


def account_for_seller(user: User, account_id: object) -> Customer | None:
    """The organization ``account_id`` if it is assigned to ``user`` (who still holds the
    privilege) and not disabled, else ``None`` — an unassigned id gives nothing, never data. A
    suspended organization is still acted for: only its purchases are refused."""
    account_pk = _account_pk(account_id)
    if account_pk is None or not user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        return None
    assignment = (
        organizations_for_seller(user)
        .filter(organization_id=account_pk)
        .exclude(organization__status=Customer.Status.DISABLED)
        .first()
    )
    return assignment.organization if assignment else None
