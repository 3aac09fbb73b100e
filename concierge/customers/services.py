"""Writes on customer records: registration and a seller's choice of organization."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core.edits import Guard, SystemChange, Then
from concierge.core.errors import CommonError, DomainError
from concierge.core.forms import text_errors
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import CustomerEdit, customer_edit, moved_on_outside_console
from concierge.customers.errors import CustomerError
from concierge.customers.locks import locked_by_other_error
from concierge.customers.models import Address, Customer
from concierge.customers.policies import AssociateAct, check_associate_may
from concierge.customers.search import index_customers, looks_like_phone
from concierge.customers.selectors import account_for_seller
from concierge.identity.models import User
from concierge.identity.roles import Priv, Role
from concierge.identity.services import user_change_email, user_create_row

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
    store: Store | None,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
) -> Customer:
    """A shopper registers: a sign-in (in the Shopper role) and their customer record in ``store``."""
    if store is None:
        raise DomainError(CommonError.REQUEST_INVALID, "The store is not open yet.", status=503)
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
    message = "An account with this email address already exists. Sign in instead."
    taken = DomainError(CustomerError.EMAIL_TAKEN, message, status=409, fields={"email": [message]})
    with transaction.atomic():
        user = user_create_row(email=email, password=password, taken=taken, first_name=first_name.strip(),
                               last_name=last_name.strip())  # fmt: skip
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
        record(acting, action=CustomerAction.REGISTERED, subject_kind="customer", subject_id=customer.pk)
        index_customers([customer])
    return customer


def customer_change_sign_in_email(ctx: ActingContext, *, password: str, email: str) -> User:
    """The signed-in person changes their sign-in email; their customer record (where Concierge
    writes to them, and Find customer looks) follows in the same transaction. The record's version
    moves on, so a console editor who loaded it before cannot save the old email back (412)."""
    with transaction.atomic():
        user = user_change_email(ctx, password=password, email=email)
        customer = Customer.objects.select_for_update().filter(user=user).first()
        if customer is not None and customer.email != user.email:
            customer.email = user.email
            customer.save(update_fields=["email"])
            moved_on_outside_console(customer.pk)
            index_customers([customer])
    return user


STATUS_CHOICES: dict[str, tuple[str, ...]] = {
    # Seed 004 "Disabling a User record" / "Disabling or Suspending an Account record".
    "user": (Customer.Status.ACTIVE, Customer.Status.DISABLED),
    "account": (Customer.Status.ACTIVE, Customer.Status.SUSPENDED, Customer.Status.DISABLED),
}


def statuses_for(customer: Customer) -> tuple[str, ...]:
    """The Customer Status values a record may take: users are Active or Disabled; accounts may also
    be Suspended."""
    if customer.kind != Customer.Kind.ACCOUNT:
        return STATUS_CHOICES["user"]
    if customer.status == Customer.Status.PENDING:  # a new organization: activated (or disabled) from here
        return (Customer.Status.PENDING, *STATUS_CHOICES["account"])
    return STATUS_CHOICES["account"]


def require_update_privilege(ctx: ActingContext) -> None:
    """Console edits of a customer record need the customer update privilege (CSRs, supervisors)."""
    if not ctx.has_perm(Priv.UPDATE_CUSTOMER):
        raise DomainError(CommonError.PERMISSION_DENIED, "Changing a customer record needs the customer "
                          "update privilege.", status=403)  # fmt: skip


def status_change(edit: CustomerEdit, status: str) -> bool:
    """Set the record's Customer Status inside a console edit (audited as a status change); refuses
    a status the kind does not have. Returns whether it changed."""
    customer = edit.customer
    allowed = statuses_for(customer)
    if status not in allowed:
        words = " or ".join(Customer.Status(s).label for s in allowed)
        message = f"Choose {words}."
        raise DomainError(CustomerError.INVALID, message, status=422, fields={"status": [message]})
    before = customer.status
    if before == status:
        return False
    customer.status = status
    customer.save(update_fields=["status"])
    edit.record(CustomerAction.STATUS_CHANGED, changes={"status": (before, status)})
    return True


def customer_set_status(
    ctx: ActingContext, *, customer_id: int, status: str, guard: Guard, then: Then = Then.RELEASE
) -> Customer:
    """Change the Customer Status of a record under its lock and version (seed 004: Active /
    Disabled for users, Active / Suspended / Disabled for accounts). A disabled shopper cannot sign
    in, and their sessions and API tokens stop working on the next request (``identity.policies.
    may_sign_in`` reads the record's status); nobody transacts for a disabled record (bar 28).
    "From a user's perspective, disabling the record is the equivalent of deleting them", with the
    benefit of being able to change the status back to Active later."""
    if not isinstance(guard, SystemChange):
        require_update_privilege(ctx)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=then) as edit:
        status_change(edit, status)
    return edit.customer


def customer_set_assistance(ctx: ActingContext, *, allowed: bool) -> Customer:
    """The customer decides whether customer service may access their account (My Account).

    Only the customer, signed in as themself: never an agent on their behalf (bar 6).
    """
    refuse_on_behalf(ctx, OnBehalfDenied.ASSISTANCE_CONSENT)
    customer = ctx.customer
    if ctx.user is None or customer is None or customer.user_id != ctx.user.pk:
        raise DomainError(CommonError.PERMISSION_DENIED, "Only the customer can change this.", status=403)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        before = not locked.assistance_opt_out
        if before != allowed:
            locked.assistance_opt_out = not allowed
            locked.save(update_fields=["assistance_opt_out"])
            record(ctx, action=CustomerAction.ASSISTANCE_CHANGED, subject_kind="customer", subject_id=locked.pk,
                   changes={"assistance_allowed": (before, allowed)})  # fmt: skip
    return locked


OWN_PROFILE_FIELDS = ("first_name", "last_name", "phone")


def customer_profile_change(ctx: ActingContext, *, data: Mapping[str, object]) -> Customer:
    """The customer served changes their name and phone in My Account (themself, or an agent in an
    assisted session for them: audited with before and after, in the session). Not an account's
    (its profile is edited in the console), never the sign-in email. Refused while customer service
    has the record open for editing; the version moves on, so a console editor who loaded it before
    cannot save over it. The sign-in's name follows."""
    customer = ctx.served_customer
    if customer.kind == Customer.Kind.ACCOUNT:
        raise DomainError(CommonError.PERMISSION_DENIED, "An organization's profile is edited by customer service.",
                          status=403)  # fmt: skip
    cleaned = {f: str(data.get(f) or "").strip() for f in OWN_PROFILE_FIELDS}
    errors = text_errors(cleaned, {f: getattr(Customer._meta.get_field(f), "max_length", None) for f in cleaned})
    for name, words in (("first_name", "Enter a first name."), ("last_name", "Enter a last name.")):
        if not cleaned[name] and name not in errors:
            errors[name] = [words]
    if cleaned["phone"] and "phone" not in errors and not looks_like_phone(cleaned["phone"]):
        errors["phone"] = ["Enter a telephone number: digits, spaces and + ( ) - . only."]
    if errors:
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the profile.", fields=errors)
    with transaction.atomic():
        locked = Customer.objects.select_for_update(of=("self",)).select_related("lease_holder").get(pk=customer.pk)
        if locked.lease_is_live() and (ctx.user is None or locked.lease_holder_id != ctx.user.pk):
            raise locked_by_other_error(locked)
        changes = {f: (getattr(locked, f), v) for f, v in cleaned.items() if getattr(locked, f) != v}
        if not changes:
            return locked
        for name, (_, value) in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        names = {f: getattr(locked, f) for f in ("first_name", "last_name") if f in changes}
        if names and locked.user_id is not None:
            User.objects.filter(pk=locked.user_id).update(**names)
        moved_on_outside_console(locked.pk)
        index_customers([locked])
        record(ctx, action=CustomerAction.UPDATED, subject_kind="customer", subject_id=locked.pk, changes=changes)
    return locked


def organization_clear(ctx: ActingContext) -> None:
    """A seller stops acting for the organization in use."""
    if ctx.account is None:
        return
    with transaction.atomic():
        record(
            ctx, action=CustomerAction.SELLER_ORGANIZATION_CLEARED, subject_kind="customer", subject_id=ctx.account.pk
        )


def organization_select(ctx: ActingContext, *, account_id: object, reason: str = "", ticket: str = "") -> Customer:
    """A seller chooses the organization to act for (seed 003), with the reason and case reference
    of this organization session (checked by ``assist/organization_sessions.py``), recorded on the
    event that starts it. Organizations not assigned to the seller are refused as not found."""
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
            action=CustomerAction.SELLER_ORGANIZATION_SELECTED,
            subject_kind="customer",
            subject_id=account.pk,
            data={k: v for k, v in (("reason", reason), ("case", ticket)) if v},
        )
    return account


def organization_session(*, seller_id: int, account_id: int, before: int | None = None) -> tuple[str, str]:
    """The reason and case reference of the seller's organization session for ``account_id`` (as
    of the event ``before``, else now): those its start recorded, unless the seller stopped acting
    for the organization since. ("", "") outside one."""
    events = Event.objects.filter(
        actor_id=seller_id,
        action__in=[CustomerAction.SELLER_ORGANIZATION_SELECTED, CustomerAction.SELLER_ORGANIZATION_CLEARED],
        subject_kind="customer",
    )
    if before is not None:
        events = events.filter(pk__lt=before)
    last = events.order_by("-pk").only("action", "subject_id", "data").first()
    if last is None or last.action != CustomerAction.SELLER_ORGANIZATION_SELECTED or last.subject_id != str(account_id):
        return "", ""
    data = last.data or {}
    return str(data.get("reason", "")), str(data.get("case", ""))


ADDRESS_FIELDS = (
    "label",
    "first_name",
    "last_name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
REQUIRED_ADDRESS_FIELDS = {
    "first_name": "Enter a first name.",
    "last_name": "Enter a last name.",
    "line1": "Enter the street address.",
    "city": "Enter the city.",
    "postal_code": "Enter the postal code.",
    "country": "Enter the two-letter country code (e.g. US).",
}


def billing_summary(address: Address | None) -> str:
    """The default billing address on one line, as Users and Accounts show and sort it (the same
    words as ``customers/migrations/0007``)."""
    if address is None:
        return ""
    street = ", ".join(p for p in (address.line1, address.line2) if p)
    place = " ".join(p for p in (address.postal_code, address.country) if p)
    return ", ".join(p for p in (street, address.city, place) if p)[:300]


def refresh_billing_summary(customer: Customer) -> None:
    """Keep ``Customer.billing_summary`` the default billing address's (inside the caller's
    transaction, after any address change)."""
    summary = billing_summary(customer.addresses.filter(is_default_billing=True).first())
    if summary != customer.billing_summary:
        customer.billing_summary = summary
        Customer.objects.filter(pk=customer.pk).update(billing_summary=summary)


def _address_event(
    ctx: ActingContext,
    edit: CustomerEdit | None,
    action: str,
    customer: Customer,
    *,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """An address change's audit event. Inside a console edit of the record (``edit``) it joins the
    edit's events, which bump the record's version and are written for the customer; the customer's
    own address book records it at once."""
    if edit is not None:
        edit.record(action, changes=dict(changes or {}), data=data)
    else:
        record(ctx, action=action, subject_kind="customer", subject_id=customer.pk, changes=changes, data=data)


def address_values(address: Address) -> dict[str, str]:
    """An address's fields as its audit events record them (``ADDRESS_FIELDS``)."""
    return {f: str(getattr(address, f) or "") for f in ADDRESS_FIELDS}


def _clean_address(data: dict[str, object]) -> dict[str, str]:
    cleaned = {f: str(data.get(f) or "").strip() for f in ADDRESS_FIELDS}
    cleaned["country"] = cleaned["country"].upper()
    errors = {f: [message] for f, message in REQUIRED_ADDRESS_FIELDS.items() if not cleaned[f]}
    if cleaned["country"] and (len(cleaned["country"]) != 2 or not cleaned["country"].isalpha()):
        errors["country"] = [REQUIRED_ADDRESS_FIELDS["country"]]
    errors.update(
        text_errors(cleaned, {f: getattr(Address._meta.get_field(f), "max_length", None) for f in ADDRESS_FIELDS})
    )
    if errors:
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the address.", fields=errors)
    return cleaned


def address_add(
    ctx: ActingContext,
    *,
    customer: Customer,
    data: dict[str, object],
    default_billing: bool = False,
    default_shipping: bool = False,
    edit: CustomerEdit | None = None,
) -> Address:
    """Save an address to the customer's address book (``edit``: inside a console edit of the record,
    ``records.py``). An associate of the account in use needs a role that may change its details."""
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    fields = _clean_address(data)
    with transaction.atomic():
        first = not customer.addresses.exists()
        if default_billing:
            customer.addresses.filter(is_default_billing=True).update(is_default_billing=False)
        if default_shipping:
            customer.addresses.filter(is_default_shipping=True).update(is_default_shipping=False)
        address = Address.objects.create(
            customer=customer,
            is_default_billing=default_billing or first,
            is_default_shipping=default_shipping or first,
            **fields,
        )
        refresh_billing_summary(customer)
        index_customers([customer])
        # The values it was added with: what an undo compares the address with before removing it.
        _address_event(ctx, edit, CustomerAction.ADDRESS_ADDED, customer,
                       data={"address": address.pk, "fields": address_values(address)})  # fmt: skip
    return address


def address_update(
    ctx: ActingContext,
    *,
    customer: Customer,
    address_id: int,
    data: dict[str, object],
    edit: CustomerEdit | None = None,
) -> Address:
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    fields = _clean_address(data)
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(pk=address_id, customer=customer).first()
        if address is None:
            raise DomainError(CommonError.NOT_FOUND, "No such address.", status=404)
        changes = {f: (getattr(address, f), v) for f, v in fields.items() if getattr(address, f) != v}
        for field, (_, value) in changes.items():
            setattr(address, field, value)
        address.save(update_fields=list(changes) or None)
        refresh_billing_summary(customer)
        index_customers([customer])
        _address_event(ctx, edit, CustomerAction.ADDRESS_UPDATED, customer, changes=changes,
                       data={"address": address.pk})  # fmt: skip
    return address


def address_remove(
    ctx: ActingContext, *, customer: Customer, address_id: int, edit: CustomerEdit | None = None
) -> None:
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(pk=address_id, customer=customer).first()
        if address is None:
            raise DomainError(CommonError.NOT_FOUND, "No such address.", status=404)
        # What the address was, so that an undo can put it back (erasure redacts these values too).
        data = {"address": address_id, "fields": address_values(address), "default_billing":
                address.is_default_billing, "default_shipping": address.is_default_shipping}  # fmt: skip
        address.delete()
        refresh_billing_summary(customer)
        index_customers([customer])
        _address_event(ctx, edit, CustomerAction.ADDRESS_REMOVED, customer, data=data)


def address_make_default(
    ctx: ActingContext, *, customer: Customer, address_id: int, use: str, edit: CustomerEdit | None = None
) -> Address:
    """Make an address the default for ``use`` ("billing" or "shipping")."""
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    if use not in {"billing", "shipping"}:
        raise DomainError(CommonError.REQUEST_INVALID, "Choose billing or shipping.", fields={"use": ["Invalid."]})
    flag = f"is_default_{use}"
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(pk=address_id, customer=customer).first()
        if address is None:
            raise DomainError(CommonError.NOT_FOUND, "No such address.", status=404)
        customer.addresses.filter(**{flag: True}).exclude(pk=address.pk).update(**{flag: False})
        setattr(address, flag, True)
        address.save(update_fields=[flag])
        refresh_billing_summary(customer)
        chosen = CustomerAction.ADDRESS_DEFAULT_BILLING if use == "billing" else CustomerAction.ADDRESS_DEFAULT_SHIPPING
        _address_event(ctx, edit, chosen, customer, data={"address": address.pk})
    return address
