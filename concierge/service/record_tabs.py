"""What the record's Customer Profile, Addresses, Orders and Customer Segments tabs show (their
``Tab.context`` functions in ``customer_tabs.py``). A refused POST shows the record again over the
same request: these read the posted values back, so the person's typing is kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from concierge.customers.models import Address, Customer
from concierge.customers.records import (
    ACCOUNT_FIELDS,
    PROFILE_WORDS,
    USER_FIELDS,
    locale_choices,
    locale_name,
    price_preview,
    segments_of,
    segments_to_add,
)
from concierge.customers.services import ADDRESS_FIELDS, REQUIRED_ADDRESS_FIELDS, statuses_for
from concierge.identity.roles import Priv
from concierge.orders.models import Order

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest

# Seed 004 "Disabling a User record", "Disabling or Suspending an Account record".
STATUS_WORDS: dict[str, dict[str, str]] = {
    "user": {
        Customer.Status.ACTIVE: "The user is able to sign in to the store and purchase products.",
        Customer.Status.DISABLED: "The user is not able to sign in to the store to purchase products. From the "
        "user's perspective this is the equivalent of deleting them; you can set the status back to Active later.",
    },
    "account": {
        Customer.Status.ACTIVE: "Associated users are able to transact on behalf of the account and make purchases.",
        Customer.Status.SUSPENDED: "Associated users are able to transact on behalf of the account, but are not "
        "permitted to make purchases.",
        Customer.Status.DISABLED: "Associated users are not able to transact on behalf of the account. This is the "
        "equivalent of deleting the account; you can set the status back to Active later.",
    },
}
ADDRESS_WORDS = {
    "label": "Label",
    "first_name": "First Name",
    "last_name": "Last Name",
    "line1": "Address Line 1",
    "line2": "Address Line 2",
    "city": "City",
    "region": "State / Region",
    "postal_code": "Postal Code",
    "country": "Country",
    "phone": "Telephone #",
}
ORDERS_SHOWN = 50


def _posted(request: ConciergeRequest, name: str, default: str) -> str:
    return request.POST.get(name, default) if request.method == "POST" else default


def profile(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Customer Profile: the attributes, preferred locale with its price preview, registration
    information and Customer Status (with what each status means)."""
    kind = "account" if customer.kind == Customer.Kind.ACCOUNT else "user"
    names = ACCOUNT_FIELDS if kind == "account" else USER_FIELDS
    locale = _posted(request, "preferred_locale", customer.preferred_locale or customer.store.locale)
    status = _posted(request, "status", customer.status)
    user = customer.user
    return {
        "profile_fields": [
            {
                "name": n,
                "label": PROFILE_WORDS[n],
                "value": _posted(request, n, getattr(customer, n)),
                "maxlength": getattr(Customer._meta.get_field(n), "max_length", None),
                "type": "email" if n == "email" else "tel" if n == "phone" else "text",
            }
            for n in names
        ],
        "locale_choices": locale_choices(customer.store, customer.preferred_locale),
        "chosen_locale": locale,
        "locale_label": locale_name(customer.preferred_locale) if customer.preferred_locale else "",
        "price_preview": price_preview(customer.store, locale),
        "statuses": [(s, Customer.Status(s).label, STATUS_WORDS[kind][s]) for s in statuses_for(customer)],
        "chosen_status": status,
        "status_words": STATUS_WORDS[kind].get(customer.status, ""),
        "sign_in_email": user.email if user is not None else "",
        "last_sign_in": user.last_login if user is not None else None,
        "can_update": request.ctx.has_perm(Priv.UPDATE_CUSTOMER),
    }


def _address_fields(request: ConciergeRequest, address: Address | None, posted: bool) -> list[dict[str, Any]]:
    return [
        {"name": f, "label": ADDRESS_WORDS[f], "required": f in REQUIRED_ADDRESS_FIELDS,
         "value": request.POST.get(f, "") if posted else (getattr(address, f) if address else ""),
         "maxlength": getattr(Address._meta.get_field(f), "max_length", None)}
        for f in ADDRESS_FIELDS
    ]  # fmt: skip


def addresses(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Addresses: each with Edit, Remove, and Set as default billing / shipping; Add Address. After
    a refused save, the form that was sent stays open with what was typed."""
    posted_for = request.POST.get("address", "") if request.method == "POST" else ""
    rows = sorted(customer.addresses.all(), key=lambda a: (not a.is_default_billing, not a.is_default_shipping, a.pk))
    return {
        "address_rows": [{"address": a, "open": posted_for == str(a.pk),
                          "fields": _address_fields(request, a, posted_for == str(a.pk))} for a in rows],
        "new_address_open": posted_for == "new",
        "new_address_fields": _address_fields(request, None, posted_for == "new"),
        "can_update": request.ctx.has_perm(Priv.UPDATE_CUSTOMER),
    }  # fmt: skip


def orders(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Orders: the customer's (or account's) orders by date, newest first unless asked otherwise,
    and Create Order for the customer (the cart takeover)."""
    oldest_first = request.GET.get("sort") == "oldest"
    found = (
        Order.objects.filter(Q(customer=customer) | Q(account=customer))
        .select_related("store")
        .order_by(*(("placed_at", "id") if oldest_first else ("-placed_at", "-id")))[: ORDERS_SHOWN + 1]
    )
    rows = list(found)
    return {
        "orders": rows[:ORDERS_SHOWN],
        "more_orders": len(rows) > ORDERS_SHOWN,
        "oldest_first": oldest_first,
        "can_create_order": (
            request.ctx.has_perm(Priv.CREATE_ORDER_FOR_CUSTOMER)
            and customer.kind == Customer.Kind.REGISTERED_USER
            and customer.is_active
        ),
    }


def segments(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """Customer Segments: PUBLIC (everyone's, never removed) and the customer's own; the segments the
    Add Customer Segment Membership dialog offers."""
    return {
        "customer_segments": segments_of(customer),
        "segments_to_add": segments_to_add(customer),
        "can_update": request.ctx.has_perm(Priv.UPDATE_CUSTOMER),
    }
