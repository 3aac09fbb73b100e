"""Guest customer records: seed 004's SINGLE_SESSION_USER, "a shopper who ... made a purchase but
did not register or login".

A guest record is made in two places: customer service's Create New Order for an anonymous
shopper (``assist/takeover.py``) and the storefront's **Check out as guest**
(``assist/guest_checkout.py``, which also moves carts and orders — domains above this one). Here
are the parts about the customer record itself: creating one (a shared ID, indexed for Find
customer, audited), the browser session's guest, the signed links Concierge emails to guests (no
table: a link carries what it names, with the time it was issued), and merging guest records into
a registered customer (addresses moved, the guest disabled with a note — never deleted).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db.models import F, QuerySet

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.core.forms import text_errors
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.models import Address, Customer
from concierge.customers.search import index_customers
from concierge.customers.services import new_shared_id, refresh_billing_summary

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from concierge.core.context import ActingContext
    from concierge.stores.models import Store

GUEST_LIMITS = {"first_name": 80, "last_name": 80, "email": 254, "phone": 32}
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The browser session's guest (a customer id): the acting context serves it to an anonymous
# visitor (``assist/context.py``) until they sign in, register or end guest checkout.
SESSION_KEY = "guest_customer_id"

LINK_REFUSALS: dict[str, tuple[int, str]] = {
    CustomerError.GUEST_LINK_INVALID: (404, "This link is not valid. Copy the whole link from the email."),
    CustomerError.GUEST_LINK_EXPIRED: (410, "This link has expired."),
    CustomerError.GUEST_LINK_USED: (409, "This link has already been used: those orders are attached."),
    CustomerError.GUEST_LINK_OTHER_USER: (
        403, "This link was sent to another account. Sign in with the account that asked for it.",
    ),
}  # fmt: skip


def clean_guest(*, first_name: str, last_name: str, email: str, phone: str = "", whose: str = "your") -> dict[str, str]:
    """The guest's name, email and phone as typed (stripped, email lower-cased), or a refusal with a
    field error for each problem; an over-long value is refused naming its limit, never cut.
    ``whose`` words the messages for who types them: "your" (the shopper) or "the shopper's"."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email.strip().lower(),
        "phone": phone.strip(),
    }
    errors = text_errors(values, GUEST_LIMITS)
    if not values["first_name"] and "first_name" not in errors:
        errors["first_name"] = [f"Enter {whose} first name."]
    if not values["last_name"] and "last_name" not in errors:
        errors["last_name"] = [f"Enter {whose} last name."]
    if "email" not in errors and not EMAIL_PATTERN.match(values["email"]):
        errors["email"] = [f"Enter {whose} email address."]
    if errors:
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", status=422, fields=errors)
    return values


def guest_create(
    ctx: ActingContext, *, store: Store, values: dict[str, str], data: dict[str, Any] | None = None
) -> Customer:
    """A guest customer record (single session user) in ``store`` from :func:`clean_guest`'s values:
    a shared ID, indexed for Find customer, audited as GUEST_CREATED (with ``data``). Runs inside
    the caller's transaction."""
    guest = Customer.objects.create(
        shared_id=new_shared_id(), kind=Customer.Kind.SINGLE_SESSION_USER, store=store,
        preferred_locale=store.locale, **values,
    )  # fmt: skip
    index_customers([guest])
    record(ctx.evolve(customer=guest, store=store), action=CustomerAction.GUEST_CREATED, subject_kind="customer",
           subject_id=guest.pk, data={"shared_id": guest.shared_id, **(data or {})})  # fmt: skip
    return guest


def guest_for_session(session: SessionBase) -> Customer | None:
    """The active guest this browser session checks out as, if any (reads only)."""
    guest_id = session.get(SESSION_KEY)
    if not isinstance(guest_id, int):
        return None
    return (
        Customer.objects.select_related("store")
        .filter(pk=guest_id, kind=Customer.Kind.SINGLE_SESSION_USER, user__isnull=True, status=Customer.Status.ACTIVE)
        .first()
    )


# --- Signed links ------------------------------------------------------------------------------------


def issued_now() -> int:
    """The issue time a link carries (the injected clock, so tests move it instead of sleeping)."""
    return int(clock.now().timestamp())


def link_sign(payload: dict[str, Any], *, salt: str) -> str:
    return signing.dumps({**payload, "at": issued_now()}, salt=salt)


def link_open(token: str, *, salt: str, max_age: dt.timedelta, then: str = "") -> dict[str, Any]:
    """The payload of a link Concierge signed with ``salt``, or a refusal: damaged (or not ours),
    or issued more than ``max_age`` ago."""
    try:
        payload = signing.loads((token or "")[:2000], salt=salt)
    except signing.BadSignature as exc:
        raise link_error(CustomerError.GUEST_LINK_INVALID) from exc
    if not isinstance(payload, dict):
        raise link_error(CustomerError.GUEST_LINK_INVALID)
    issued = payload.get("at")
    if not isinstance(issued, int) or not 0 <= issued_now() - issued <= max_age.total_seconds():
        raise link_error(CustomerError.GUEST_LINK_EXPIRED, then)
    return payload


def link_error(code: CustomerError, then: str = "") -> DomainError:
    status, message = LINK_REFUSALS[code]
    return DomainError(code, f"{message} {then}".strip(), status=status, fields={"token": [message]})


# --- Merging guest records into a registered customer -------------------------------------------


def registered_self(ctx: ActingContext) -> Customer:
    """The registered shopper, signed in as themself (never on behalf, never staff)."""
    customer = ctx.customer
    if ctx.user is None or customer is None or customer.user_id != ctx.user.pk or ctx.acts_on_behalf:
        raise DomainError(
            CommonError.PERMISSION_DENIED, "Only the shopper, signed in as themself, can attach their guest orders.",
            status=403,
        )  # fmt: skip
    return customer


def guests_of_email(customer: Customer) -> QuerySet[Customer]:
    """The active guest records of ``customer``'s store with ``customer``'s email address."""
    if not customer.email:
        return Customer.objects.none()
    return Customer.objects.filter(
        kind=Customer.Kind.SINGLE_SESSION_USER, user__isnull=True, status=Customer.Status.ACTIVE,
        store_id=customer.store_id, email__iexact=customer.email,
    ).order_by("pk")  # fmt: skip


def mergeable(guest: Customer, customer: Customer) -> bool:
    """Still an active guest record of the customer's store and email (once merged, it is not)."""
    return (
        guest.kind == Customer.Kind.SINGLE_SESSION_USER
        and guest.user_id is None
        and guest.status == Customer.Status.ACTIVE
        and guest.store_id == customer.store_id
        and guest.email.lower() == customer.email.lower()
    )


def guests_merge(ctx: ActingContext, *, customer: Customer, guests: list[Customer], with_addresses: bool) -> int:
    """The guest records (locked by the caller) are merged into ``customer``: their addresses join
    its address book if wanted (its defaults stay), and each is disabled with a note in the audit
    log. Returns how many addresses moved. Inside the caller's transaction."""
    moved = _move_addresses(customer, guests) if with_addresses else 0
    for guest in guests:
        Customer.objects.filter(pk=guest.pk).update(
            status=Customer.Status.DISABLED, version=F("version") + 1, updated_at=clock.now()
        )
        record(ctx, action=CustomerAction.STATUS_CHANGED, subject_kind="customer", subject_id=guest.pk,
               changes={"status": (guest.status, Customer.Status.DISABLED)},
               data={"note": f"Guest record merged into {customer.shared_id}."})  # fmt: skip
    index_customers([customer, *guests])
    return moved


def _move_addresses(customer: Customer, guests: list[Customer]) -> int:
    moved = Address.objects.filter(customer__in=guests).update(
        customer=customer, is_default_billing=False, is_default_shipping=False
    )
    if moved:
        first = customer.addresses.order_by("pk").first()
        if first is not None and not customer.addresses.filter(is_default_billing=True).exists():
            Address.objects.filter(pk=first.pk).update(is_default_billing=True)
        if first is not None and not customer.addresses.filter(is_default_shipping=True).exists():
            Address.objects.filter(pk=first.pk).update(is_default_shipping=True)
    for who in (customer, *guests):
        refresh_billing_summary(who)
    return moved
