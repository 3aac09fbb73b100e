"""Associates buying for an account, from the storefront (seed 004 "Managing Associates").

"Associates are users who are permitted to transact on behalf of the account. They can add to cart
or place orders with any account-specific pricing, but any purchases are associated to the account
rather than the user." A signed-in shopper chooses the account to buy for (the account switcher):
from then on the acting context's account — and the customer served — is that account, as a
seller's chosen organization is (``assist/context.py``), so its prices, its cart (one per account,
shared by everyone who buys for it) and its payment sources are used, and orders belong to it,
placed by the associate. Their role limits what they may do (``customers/policies.py``); an
Account administrator also manages the account's associates here. Every change is audited as the
associate acting for the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from concierge.audit.services import record
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.forms import text_problem
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import moved_on_outside_console
from concierge.customers.errors import CustomerError
from concierge.customers.models import AccountAssociate, Customer
from concierge.customers.policies import AssociateAct, associate_role, check_associate_may
from concierge.customers.selectors import SELLER, account_to_act_for
from concierge.identity.models import User

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

EMAIL_LIMIT = 254


def _signed_in_for_self(ctx: ActingContext) -> User:
    if ctx.user is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    if ctx.is_assisting:
        raise DomainError(
            CommonError.PERMISSION_DENIED,
            "While assisting a customer you act for them only. Sign in as Yourself first.",
            status=403,
        )
    return ctx.user


def account_select(ctx: ActingContext, *, account_id: object) -> Customer:
    """Buy for an account the signed-in person may act for (an associate's account, a seller's
    organization). Another id is "not found"; a disabled account is refused (``customer.disabled``);
    a suspended one is chosen — browsing and carting go on, purchases are refused."""
    user = _signed_in_for_self(ctx)
    chosen = account_to_act_for(user, account_id)
    account = chosen.account
    action = CustomerAction.ASSOCIATE_ACCOUNT_SELECTED
    if chosen.role == SELLER:
        action = CustomerAction.SELLER_ORGANIZATION_SELECTED
    with transaction.atomic():
        record(ctx.evolve(customer=account, account=account, store=account.store), action=action,
               subject_kind="customer", subject_id=account.pk, data={"role": chosen.role})  # fmt: skip
    return account


def account_clear(ctx: ActingContext) -> None:
    """Buy for yourself again ("Myself")."""
    if ctx.account is None or ctx.is_assisting:
        return
    with transaction.atomic():
        record(ctx, action=CustomerAction.ASSOCIATE_ACCOUNT_CLEARED, subject_kind="customer",
               subject_id=ctx.account.pk)  # fmt: skip


def _administered_account(ctx: ActingContext) -> Customer:
    """The account in use, where the signed-in person is its Account administrator."""
    _signed_in_for_self(ctx)
    account = ctx.account
    if account is None:
        raise DomainError(CommonError.PERMISSION_DENIED, "Choose the account you buy for first.", status=403)
    role = associate_role(ctx)
    if role != AccountAssociate.Role.ADMIN:
        if role is not None:  # an associate in another role: their role's refusal
            check_associate_may(ctx, AssociateAct.MANAGE_ASSOCIATES)
        raise DomainError(
            CustomerError.ASSOCIATE_ROLE_FORBIDS,
            f"Only an account administrator of {account.display_name} manages its associates.",
            status=403,
        )
    return account


def account_associates(ctx: ActingContext) -> list[AccountAssociate]:
    """The associates of the account in use, for its administrator, by name."""
    account = _administered_account(ctx)
    return list(
        AccountAssociate.objects.filter(account=account)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )


def _role(value: str) -> str:
    if value not in AccountAssociate.Role.values:
        message = "Select the Role from the list."
        raise DomainError(CommonError.REQUEST_INVALID, message, status=422, fields={"role": [message]})
    return value


def _shopper_by_email(email: str) -> User:
    """The registered shopper the administrator names by their sign-in email."""
    if problem := text_problem(email, limit=EMAIL_LIMIT, required="Enter the User Email."):
        raise DomainError(CommonError.REQUEST_INVALID, problem, status=422, fields={"email": [problem]})
    user = (
        User.objects.filter(email__iexact=email.strip(), is_active=True, customer__kind=Customer.Kind.REGISTERED_USER)
        .exclude(customer__status=Customer.Status.DISABLED)
        .first()
    )
    if user is None:
        message = "No registered shopper has this email address. They register in the store first."
        raise DomainError(CommonError.REQUEST_INVALID, message, status=422, fields={"email": [message]})
    return user


def account_associate_add(ctx: ActingContext, *, email: str, role: str) -> AccountAssociate:
    """Add Associate (User Email and Role, Save): the shopper may then buy for the account."""
    account = _administered_account(ctx)
    role = _role(role)
    user = _shopper_by_email(email)
    try:
        with transaction.atomic():
            associate = AccountAssociate.objects.create(account=account, user=user, role=role)
            moved_on_outside_console(account.pk)
            record(ctx, action=CustomerAction.ASSOCIATE_ADDED, subject_kind="customer", subject_id=account.pk,
                   data={"associate_user": user.pk, "role": role})  # fmt: skip
    except IntegrityError:
        message = f"{user.display_name} is already an associate of {account.display_name}."
        raise DomainError(CustomerError.ASSOCIATE_EXISTS, message, status=409, fields={"email": [message]}) from None
    return associate


def account_associate_remove(ctx: ActingContext, *, associate_id: object) -> None:
    """Remove Associate: the association goes, the user stays. Their next request no longer buys
    for the account. An administrator does not remove themself (another one, or customer service,
    does), so an account is never left with nobody to manage it by mistake."""
    account = _administered_account(ctx)
    try:
        pk = int(str(associate_id))
    except ValueError:
        pk = 0
    with transaction.atomic():
        associate = AccountAssociate.objects.select_for_update().filter(pk=pk, account=account).first()
        if associate is None:
            raise NotFound("No such associate.")
        if associate.user_id == ctx.signed_in_user.pk:
            raise DomainError(
                CustomerError.ASSOCIATE_SELF,
                "You cannot remove yourself. Another account administrator, or customer service, can.",
                status=409,
            )
        role = associate.role
        user_id = associate.user_id
        associate.delete()
        moved_on_outside_console(account.pk)
        record(ctx, action=CustomerAction.ASSOCIATE_REMOVED, subject_kind="customer", subject_id=account.pk,
               data={"associate_user": user_id, "role": role})  # fmt: skip
