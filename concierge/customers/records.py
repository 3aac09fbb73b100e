"""The console's edits of a user or account record (seed 004 "Editing a User record", "Editing an
Account record"): the Customer Profile with its Customer Status, the Addresses, the Customer
Segments. Each is one ``customer_edit`` — the record's lock and the version its page loaded, then the
change and its audit events, written for the customer — behind the customer update privilege.

The Customer Profile's Save releases the lock (seed 004: "On the toolbar, click Save"); an address or
segment change is one step of the open editor and keeps it (``Then.KEEP``) until Save or Close.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from concierge.audit.services import record
from concierge.core.display import locale_name
from concierge.core.edits import Guard, Then
from concierge.core.errors import CommonError, DomainError, NotFound
from concierge.core.forms import text_errors
from concierge.core.money import Money
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf
from concierge.customers import services
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import CustomerEdit, customer_edit
from concierge.customers.errors import CustomerError
from concierge.customers.models import Address, Customer, Segment
from concierge.customers.search import index_customers, looks_like_phone
from concierge.identity.actions import IdentityAction
from concierge.identity.models import User

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.stores.models import Store

# Preferred locale and language: the store's own locale, then this catalogue (Babel locale codes).
LOCALES = ("en_US", "en_GB", "en_CA", "fr_FR", "fr_CA", "de_DE", "es_ES", "es_MX", "it_IT", "nl_NL", "pt_BR", "ja_JP")
# Seed 004: "with the US locale, your price appears as $14.25".
PREVIEW_AMOUNT = Decimal("14.25")

USER_FIELDS = ("first_name", "last_name", "email", "phone")
ACCOUNT_FIELDS = ("organization_name", "business_number", "email", "phone")
PROFILE_WORDS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "organization_name": "Business Name",
    "business_number": "Business Number",
    "email": "Email Address",
    "phone": "Telephone #",
    "preferred_locale": "Preferred Locale and Language",
    "status": "Customer Status",
}


def locale_choices(store: Store, current: str = "") -> list[tuple[str, str]]:
    """The locales a customer of ``store`` may prefer, the store's first, with their names; a
    record's present choice stays on the list even if it is not in the catalogue."""
    codes = [store.locale, *LOCALES]
    if current:
        codes.append(current)
    return [(code, locale_name(code)) for code in dict.fromkeys(c for c in codes if c)]


def price_preview(store: Store, locale: str) -> str:
    """How the store's prices read for a customer preferring ``locale`` (seed 004: "$14.25")."""
    codes = {code for code, _ in locale_choices(store)}
    return Money(PREVIEW_AMOUNT, store.currency).format(locale if locale in codes else store.locale)


def _fields_of(customer: Customer) -> tuple[str, ...]:
    return ACCOUNT_FIELDS if customer.kind == Customer.Kind.ACCOUNT else USER_FIELDS


def _clean_profile(customer: Customer, data: Mapping[str, Any]) -> dict[str, str]:
    """The posted profile, stripped and checked: field errors for text that is too long (the limit
    named, never cut), a bad email or telephone number, a locale not offered, a status the kind does
    not have. Fields not posted keep their value (an API PATCH)."""
    names = (*_fields_of(customer), "preferred_locale", "status")
    cleaned = {n: str(data[n]).strip() if data.get(n) is not None else str(getattr(customer, n)) for n in names}
    cleaned["email"] = cleaned["email"].lower()
    limits = {n: getattr(Customer._meta.get_field(n), "max_length", None) for n in names}
    errors = text_errors(cleaned, limits)
    if "email" not in errors:
        if cleaned["email"]:
            try:
                validate_email(cleaned["email"])
            except ValidationError:
                errors["email"] = ["Enter a valid email address."]
        elif customer.user_id is not None:
            errors["email"] = ["A customer who signs in needs an email address."]
    if "phone" not in errors and cleaned["phone"] and not looks_like_phone(cleaned["phone"]):
        errors["phone"] = ["Enter a telephone number: digits, spaces and + ( ) - . only."]
    if (
        customer.kind == Customer.Kind.ACCOUNT
        and not errors.get("organization_name")
        and not cleaned["organization_name"]
    ):
        errors["organization_name"] = ["Enter the business name."]
    offered = {code for code, _ in locale_choices(customer.store, customer.preferred_locale)}
    if cleaned["preferred_locale"] and cleaned["preferred_locale"] not in offered:  # none yet: the store's
        errors["preferred_locale"] = ["Choose a locale from the list."]
    if cleaned["status"] not in services.statuses_for(customer):
        words = " or ".join(Customer.Status(s).label for s in services.statuses_for(customer))
        errors["status"] = [f"Choose {words}."]
    if errors:
        raise DomainError(CustomerError.INVALID, "Please correct the profile.", status=422, fields=errors)
    return cleaned


def _email_taken(field: str = "email") -> DomainError:
    message = "Another customer signs in with this email address."
    return DomainError(CustomerError.EMAIL_TAKEN, message, status=409, fields={field: [message]})


def _follow_sign_in(edit: CustomerEdit, changes: dict[str, tuple[Any, Any]]) -> None:
    """A registered user's sign-in follows the record (as ``customer_change_sign_in_email`` does
    for the customer's own change): their email (unique among sign-ins) and name. Never on the
    customer's behalf inside an assisted session (bar 6)."""
    customer = edit.customer
    if customer.user_id is None:
        return
    user = User.objects.select_for_update().get(pk=customer.user_id)
    updates: dict[str, str] = {}
    if "email" in changes and user.email != customer.email:
        refuse_on_behalf(edit.ctx, OnBehalfDenied.SIGN_IN_EMAIL)
        if User.objects.filter(email__iexact=customer.email).exclude(pk=user.pk).exists():
            raise _email_taken()
        updates["email"] = customer.email
    for name in ("first_name", "last_name"):
        if name in changes and getattr(user, name) != getattr(customer, name):
            updates[name] = getattr(customer, name)
    if not updates:
        return
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(**updates)
    except IntegrityError:
        raise _email_taken() from None
    if "email" in updates:
        record(edit.ctx, action=IdentityAction.EMAIL_CHANGED, subject_kind="user", subject_id=user.pk,
               changes={"email": (user.email, customer.email)}, data={"by": "customer service"})  # fmt: skip


def customer_profile_save(
    ctx: ActingContext, *, customer_id: int, guard: Guard, data: Mapping[str, Any], then: Then = Then.RELEASE
) -> Customer:
    """Save the Customer Profile: its attributes, preferred locale and language, and Customer Status
    (audited with before and after). The Find customer index follows; so does a registered user's
    sign-in email. Save unlocks the record."""
    services.require_update_privilege(ctx)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=then) as edit:
        customer = edit.customer
        cleaned = _clean_profile(customer, data)
        status = cleaned.pop("status")
        changes = {n: (getattr(customer, n), v) for n, v in cleaned.items() if getattr(customer, n) != v}
        if changes:
            for name, (_, value) in changes.items():
                setattr(customer, name, value)
            customer.save(update_fields=list(changes))
            _follow_sign_in(edit, changes)
            edit.record(CustomerAction.UPDATED, changes=changes)
        services.status_change(edit, status)
        if changes:
            index_customers([customer])
    return edit.customer


# --- Addresses -----------------------------------------------------------------------------------


def _address_id(value: object) -> int:
    try:
        pk = int(str(value))
    except ValueError:
        pk = 0
    if not 1 <= pk < 2**63:
        raise DomainError(CommonError.NOT_FOUND, "No such address.", status=404)
    return pk


def record_address_add(
    ctx: ActingContext,
    *,
    customer_id: int,
    guard: Guard,
    data: Mapping[str, object],
    default_billing: bool = False,
    default_shipping: bool = False,
) -> Address:
    """Add an address to the record's address book (the lock stays: one step of the open editor)."""
    services.require_update_privilege(ctx)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        return services.address_add(edit.ctx, customer=edit.customer, data=dict(data), edit=edit,
                                    default_billing=default_billing, default_shipping=default_shipping)  # fmt: skip


def record_address_update(
    ctx: ActingContext, *, customer_id: int, guard: Guard, address_id: object, data: Mapping[str, object]
) -> Address:
    services.require_update_privilege(ctx)
    pk = _address_id(address_id)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        return services.address_update(edit.ctx, customer=edit.customer, address_id=pk, data=dict(data), edit=edit)


def record_address_remove(ctx: ActingContext, *, customer_id: int, guard: Guard, address_id: object) -> None:
    services.require_update_privilege(ctx)
    pk = _address_id(address_id)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        services.address_remove(edit.ctx, customer=edit.customer, address_id=pk, edit=edit)


def record_address_make_default(
    ctx: ActingContext, *, customer_id: int, guard: Guard, address_id: object, use: str
) -> Address:
    """Make an address the default billing or default shipping address."""
    services.require_update_privilege(ctx)
    pk = _address_id(address_id)
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        return services.address_make_default(edit.ctx, customer=edit.customer, address_id=pk, use=use, edit=edit)


# --- Customer Segments ---------------------------------------------------------------------------


def public_segment() -> Segment:
    """PUBLIC: every customer's segment, implied and never stored (``Segment.PUBLIC_CODE``)."""
    found = Segment.objects.filter(code=Segment.PUBLIC_CODE).first()  # a read: pages call this on GET (bar 15)
    return found or Segment(code=Segment.PUBLIC_CODE, name="PUBLIC", description="Every customer.")


def segments_of(customer: Customer) -> list[Segment]:
    """The customer's segments, PUBLIC first (it is everyone's)."""
    stored = [s for s in customer.segments.all() if s.code != Segment.PUBLIC_CODE]
    return [public_segment(), *sorted(stored, key=lambda s: s.name.lower())]


def segments_to_add(customer: Customer) -> list[Segment]:
    """The segments the Add Customer Segment Membership dialog offers: those the customer is not in."""
    held = {s.pk for s in customer.segments.all()}
    return [s for s in Segment.objects.exclude(code=Segment.PUBLIC_CODE).order_by("name") if s.pk not in held]


def _public_refusal(verb: str) -> DomainError:
    return DomainError(
        CustomerError.PUBLIC_SEGMENT,
        f"Every customer belongs to the PUBLIC customer segment: it cannot be {verb}.",
        status=409,
    )


def _segment(segment_id: object) -> Segment:
    try:
        pk = int(str(segment_id))
    except ValueError:
        pk = 0
    segment = Segment.objects.filter(pk=pk).first() if 1 <= pk < 2**63 else None
    if segment is None:
        message = "Choose a Segment Name from the list."
        raise DomainError(CustomerError.INVALID, message, status=422, fields={"segment": [message]})
    return segment


def customer_segment_add(ctx: ActingContext, *, customer_id: int, guard: Guard, segment_id: object) -> Segment:
    """Add Customer Segment Membership (seed 004): the customer joins the segment chosen."""
    services.require_update_privilege(ctx)
    segment = _segment(segment_id)
    if segment.code == Segment.PUBLIC_CODE:
        raise _public_refusal("added again")
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        if not edit.customer.segments.filter(pk=segment.pk).exists():
            edit.customer.segments.add(segment)
            edit.record(CustomerAction.SEGMENT_ADDED, data={"segment": segment.code, "name": segment.name})
    return segment


def customer_segment_remove(ctx: ActingContext, *, customer_id: int, guard: Guard, segment_id: object) -> Segment:
    """Remove Customer Segment Membership (seed 004); PUBLIC is refused (``segment.public``)."""
    services.require_update_privilege(ctx)
    try:
        segment = _segment(segment_id)
    except DomainError as exc:
        raise NotFound("The customer is not in that segment.") from exc
    if segment.code == Segment.PUBLIC_CODE:
        raise _public_refusal("removed")
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.KEEP) as edit:
        if not edit.customer.segments.filter(pk=segment.pk).exists():
            raise NotFound(f"{edit.customer.display_name} is not in the {segment.name} segment.")
        edit.customer.segments.remove(segment)
        edit.record(CustomerAction.SEGMENT_REMOVED, data={"segment": segment.code, "name": segment.name})
    return segment
