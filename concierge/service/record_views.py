"""The user and account record's edits in the console (seed 004 "Editing a User record"): Save of
the Customer Profile, the Addresses, the Customer Segments, and Reset Customer Password. Each POST
parses, calls one service of ``customers/records.py`` (or ``password_reset.py``) with the version
the page showed and the lock this browser holds, and says what happened; ``record_action`` shows a
refusal (Reload / Cancel, or the field errors) over the record."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from concierge.core.forms import checks_text
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers import records
from concierge.customers.models import Customer
from concierge.customers.password_reset import customer_password_reset_send
from concierge.customers.services import ADDRESS_FIELDS
from concierge.service.customer_views import record_action, record_customer, record_guard
from concierge.service.views import staff_required


def _address_data(request: ConciergeRequest) -> dict[str, object]:
    return {f: request.POST.get(f, "") for f in ADDRESS_FIELDS}


@checks_text
@record_action("profile", ends_edit=True)
def customer_profile_save(request: ConciergeRequest, customer: Customer) -> str:
    """Save (the toolbar's): the Customer Profile's fields and Customer Status; the record unlocks."""
    saved = records.customer_profile_save(request.ctx, customer_id=customer.pk, guard=record_guard(request, customer),
                                          data=request.POST)  # fmt: skip
    return f"{saved.display_name} saved; the record is unlocked."


@require_GET
@staff_required
def customer_price_preview(request: ConciergeRequest, pk: int) -> HttpResponse:
    """The price preview for the locale chosen (the profile's select asks on change; a GET)."""
    customer = record_customer(request, pk)
    preview = records.price_preview(customer.store, request.GET.get("preferred_locale", ""))
    return HttpResponse(format_html("{}", preview))


@checks_text
@record_action("addresses")
def customer_address_add(request: ConciergeRequest, customer: Customer) -> str:
    records.record_address_add(
        request.ctx, customer_id=customer.pk, guard=record_guard(request, customer), data=_address_data(request),
        default_billing=request.POST.get("default_billing") == "1",
        default_shipping=request.POST.get("default_shipping") == "1",
    )  # fmt: skip
    return "Address added."


@checks_text
@record_action("addresses")
def customer_address_update(request: ConciergeRequest, customer: Customer, address_id: int) -> str:
    records.record_address_update(request.ctx, customer_id=customer.pk, guard=record_guard(request, customer),
                                  address_id=address_id, data=_address_data(request))  # fmt: skip
    return "Address saved."


@record_action("addresses")
def customer_address_remove(request: ConciergeRequest, customer: Customer, address_id: int) -> str:
    records.record_address_remove(request.ctx, customer_id=customer.pk, guard=record_guard(request, customer),
                                  address_id=address_id)  # fmt: skip
    return "Address removed."


@record_action("addresses")
def customer_address_default(request: ConciergeRequest, customer: Customer, address_id: int) -> str:
    use = request.POST.get("use", "")
    records.record_address_make_default(request.ctx, customer_id=customer.pk, guard=record_guard(request, customer),
                                        address_id=address_id, use=use)  # fmt: skip
    return f"Default {use} address chosen."


@record_action("segments")
def customer_segment_add(request: ConciergeRequest, customer: Customer) -> str:
    """Add Customer Segment Membership → Save."""
    segment = records.customer_segment_add(request.ctx, customer_id=customer.pk,
                                           guard=record_guard(request, customer),
                                           segment_id=request.POST.get("segment", ""))  # fmt: skip
    return f"{customer.display_name} added to the {segment.name} segment."


@record_action("segments")
def customer_segment_remove(request: ConciergeRequest, customer: Customer, segment_id: int) -> str:
    """Remove Customer Segment Membership - Confirm → OK."""
    segment = records.customer_segment_remove(request.ctx, customer_id=customer.pk,
                                              guard=record_guard(request, customer), segment_id=segment_id)  # fmt: skip
    return f"{customer.display_name} removed from the {segment.name} segment."


@not_on_behalf(OnBehalfDenied.CHANGE_PASSWORD)
@record_action("profile")
def customer_password_reset(request: ConciergeRequest, customer: Customer) -> str:
    """Customer Password Reset - Confirm → OK: the customer is emailed a one-time link (this person
    never sees it)."""
    sent = customer_password_reset_send(request.ctx, customer_id=customer.pk,
                                        base_url=request.build_absolute_uri("/"))  # fmt: skip
    return f"A password reset email has been sent to {sent.display_name}."
