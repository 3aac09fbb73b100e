"""Writes on customer records: registration and a seller's choice of organization."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from concierge.audit.services import record
from concierge.core.errors import CommonError, DomainError
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.customers.selectors import account_for_seller
from concierge.identity.models import User
from concierge.identity.roles import Role

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.stores.models import Store


def new_shared_id() -> str:
    """A customer ID that is short enough to read out on the phone: C + 9 digits."""
    while True:
        candidate = f"C{secrets.randbelow(10**9):09d}"
        if not Customer.objects.filter(shared_id=candidate).exists():
            return candidate


def customer_register(
    ctx: ActingContext,
    *,
    store: Store,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
) -> Customer:
    """A shopper registers: a sign-in (in the Shopper role) and their customer record in ``store``."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not first_name.strip():
        errors["first_name"] = ["Enter your first name."]
    if not last_name.strip():
        errors["last_name"] = ["Enter your last name."]
    try:
        validate_password(password, User(email=email, first_name=first_name, last_name=last_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", fields=errors)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            message = "An account with this email address already exists. Sign in instead."
            raise DomainError(CustomerError.EMAIL_TAKEN, message, status=409, fields={"email": [message]})
        user = User.objects.create_user(email, password, first_name=first_name.strip(), last_name=last_name.strip())
        user.groups.add(Group.objects.get(name=Role.SHOPPER.value))
        customer = Customer.objects.create(
            shared_id=new_shared_id(),
            kind=Customer.Kind.REGISTERED_USER,
            store=store,
            user=user,
            first_name=user.first_name,
            last_name=user.last_name,
            email=email,
            preferred_locale=store.locale,
        )
        # From here on the new shopper acts for themself.
        acting = ctx.as_user(user, customer=customer, store=store)
        record(acting, action="customer.registered", subject_kind="customer", subject_id=customer.pk)
    return customer


def organization_select(ctx: ActingContext, *, account_id: object) -> Customer:
    """A seller chooses the organization to act for (seed 003). Organizations not assigned to the
    seller are refused as not found."""
    if ctx.user is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    account = account_for_seller(ctx.user, account_id)
    if account is None:
        raise DomainError(
            CustomerError.ORGANIZATION_NOT_ASSIGNED, "No such organization is assigned to you.", status=404
        )
    with transaction.atomic():
        record(
            ctx.with_account(account),
            action="seller.organization_selected",
            subject_kind="customer",
            subject_id=account.pk,
        )
    return account
