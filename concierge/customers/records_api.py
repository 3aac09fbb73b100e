"""The user and account record editor as an API (seed 004 "Editing a User record"): read a record
with its ``version``, lock and unlock it, save the Customer Profile and Customer Status, manage its
addresses and Customer Segments, and send a password reset email.

Edits name the record version they were based on in ``If-Match`` (412 ``customer.stale`` when it
moved on, 428 ``customer.version_required`` without it) and carry the lock's token in
``X-Lease-Token`` (409 ``customer.lock_lost``, or ``customer.locked`` naming the holder). Saving the
profile or the status unlocks the record, as Save does in the console; address and segment changes
keep the lock for the next step (``DELETE …/lock`` closes the editor).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Header, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, BodyId, EmailText, Id, NameText, PhoneText
from concierge.core.edits import EditGuard
from concierge.core.errors import PermissionDenied
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf, tagged_not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers import locks, records
from concierge.customers.editing import parse_version
from concierge.customers.models import Address, Customer
from concierge.customers.password_reset import customer_password_reset_send
from concierge.customers.selectors import access_customer
from concierge.customers.services import customer_set_status
from concierge.identity.roles import Priv

router = Router(tags=["customer records"])
# Declared optional so that a missing header gets its own answer (428 / 409) rather than a 422, and
# documented as required (EDIT_HEADERS).
IfMatch = Header(None, alias="If-Match", include_in_schema=False)
LeaseToken = Header(None, alias="X-Lease-Token", include_in_schema=False)
_IF_MATCH_DOC = {
    "in": "header", "name": "If-Match", "required": True,
    "description": 'The record version the change is based on, e.g. "3". Missing: 428 `customer.version_required`; '
                   "another version: 412 `customer.stale`.",
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$', "minLength": 1},
}  # fmt: skip
_LEASE_TOKEN_DOC = {
    "in": "header", "name": "X-Lease-Token", "required": True,
    "description": "The token of the record lock you hold (POST …/lock answers it). Missing, or not the record's "
                   "live lock: 409 `customer.lock_lost` (or `customer.locked`, naming who holds it).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}  # fmt: skip
EDIT_HEADERS = {"parameters": [_IF_MATCH_DOC, _LEASE_TOKEN_DOC]}
LEASE_HEADER = {"parameters": [_LEASE_TOKEN_DOC]}
ERRORS_EDIT = {404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 428: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}

BusinessText = Annotated[str, StringConstraints(max_length=160, pattern=NO_CONTROL_CHARACTERS)]
NumberText = Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS)]
LocaleText = Annotated[str, StringConstraints(max_length=16, pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?$")]
RequiredName = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=NO_CONTROL_CHARACTERS)]
RequiredLine = Annotated[str, StringConstraints(min_length=1, max_length=160, pattern=NO_CONTROL_CHARACTERS)]
StatusText = Literal["ACTIVE", "SUSPENDED", "DISABLED"]


class RecordAddressOut(Schema):
    id: int
    label: str
    first_name: str
    last_name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_default_billing: bool
    is_default_shipping: bool


class RecordSegmentOut(Schema):
    id: int
    code: str
    name: str
    removable: bool = Field(description="False for PUBLIC, every customer's segment.")


class CustomerRecordOut(Schema):
    """A user or account record as its Customer Profile, Addresses and Customer Segments show it."""

    id: int
    shared_id: str
    kind: str
    status: str
    version: int = Field(description='Send it as `If-Match` with an edit (e.g. `"3"`).')
    store: str
    first_name: str
    last_name: str
    business_name: str
    business_number: str
    email: str
    phone: str
    preferred_locale: str
    price_preview: str = Field(description='How a price reads in the preferred locale, e.g. "$14.25".')
    sign_in_email: str | None
    last_sign_in: dt.datetime | None
    created_at: dt.datetime
    locked_by: str | None
    locked_until: dt.datetime | None
    addresses: list[RecordAddressOut]
    segments: list[RecordSegmentOut]


class RecordLockOut(Schema):
    """The record lock you now hold: send ``lease_token`` as ``X-Lease-Token`` and ``version`` as
    ``If-Match`` with each edit."""

    lease_token: str
    expires_at: dt.datetime
    version: int


class RecordProfileIn(Schema):
    """The Customer Profile's fields to change (those left out keep their value). Users have a first
    and last name; accounts a business name and number."""

    first_name: NameText | None = None
    last_name: NameText | None = None
    business_name: BusinessText | None = None
    business_number: NumberText | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    preferred_locale: LocaleText | None = None
    status: StatusText | None = Field(None, description="Users: ACTIVE or DISABLED; accounts also SUSPENDED.")


class RecordStatusIn(Schema):
    status: StatusText = Field(description="Users: ACTIVE or DISABLED; accounts also SUSPENDED.")


class RecordAddressIn(Schema):
    label: NameText = ""
    first_name: RequiredName
    last_name: RequiredName
    line1: RequiredLine
    line2: Annotated[str, StringConstraints(max_length=160, pattern=NO_CONTROL_CHARACTERS)] = ""
    city: RequiredName
    region: NameText = ""
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=NO_CONTROL_CHARACTERS)]
    country: str = Field(pattern="^[A-Za-z]{2}$")
    phone: PhoneText = ""


class RecordNewAddressIn(RecordAddressIn):
    default_billing: bool = False
    default_shipping: bool = False


class RecordAddressDefaultIn(Schema):
    use: Literal["billing", "shipping"]


class RecordSegmentIn(Schema):
    segment_id: BodyId


class RecordPasswordResetOut(Schema):
    message: str


def record_staff(request: ConciergeRequest) -> None:
    """Customer service staff only (403, the one error shape)."""
    if request.ctx.user is None or not request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE):
        raise PermissionDenied("Customer records are for customer service staff.")


def record_of(request: ConciergeRequest, customer_id: int) -> Customer:
    """The record for the caller: staff of its store only, else 404."""
    record_staff(request)
    return access_customer(request.ctx, customer_id)


def edit_guard(if_match: str | None, lease_token: str | None) -> EditGuard:
    return EditGuard(version=parse_version(if_match), lease_token=lease_token)


def record_out(customer: Customer) -> CustomerRecordOut:
    live = customer.lease_is_live()
    user = customer.user
    return CustomerRecordOut(
        id=customer.pk, shared_id=customer.shared_id, kind=customer.kind, status=customer.status,
        version=customer.version, store=customer.store.code, first_name=customer.first_name,
        last_name=customer.last_name, business_name=customer.organization_name,
        business_number=customer.business_number, email=customer.email, phone=customer.phone,
        preferred_locale=customer.preferred_locale,
        price_preview=records.price_preview(customer.store, customer.preferred_locale or customer.store.locale),
        sign_in_email=user.email if user else None, last_sign_in=user.last_login if user else None,
        created_at=customer.created_at, locked_by=customer.lease_holder_name() if live else None,
        locked_until=customer.lease_expires_at if live else None,
        addresses=[_address_out(a) for a in customer.addresses.order_by("pk")],
        segments=[RecordSegmentOut(id=s.pk or 0, code=s.code, name=s.name, removable=s.code != s.PUBLIC_CODE)
                  for s in records.segments_of(customer)],
    )  # fmt: skip


def _address_out(a: Address) -> RecordAddressOut:
    return RecordAddressOut.model_validate(a, from_attributes=True).model_copy(update={"id": a.pk})


def _fresh(request: ConciergeRequest, customer_id: int) -> CustomerRecordOut:
    return record_out(access_customer(request.ctx, customer_id))


@router.get("/service/customers/{customer_id}", response={200: CustomerRecordOut, 404: ErrorOut, **ERRORS_AUTH,
                                                         **ERRORS_INPUT})  # fmt: skip
def customer_record_detail(request: ConciergeRequest, customer_id: Id) -> CustomerRecordOut:
    """A user or account record of a store you serve, with the `version` an edit names."""
    return record_out(record_of(request, customer_id))


@router.post("/service/customers/{customer_id}/lock", response={200: RecordLockOut, **ERRORS_EDIT})
def customer_record_lock(request: ConciergeRequest, customer_id: Id, if_match: str | None = IfMatch) -> RecordLockOut:
    """Edit: lock the record for you (or renew your own lock: same token). Someone else's live lock:
    409 naming them. With If-Match, a record that changed since you loaded it: 412. An idle lock
    expires after a few minutes: post here again while you work."""
    customer = record_of(request, customer_id)
    grant = locks.customer_lock(request.ctx, customer_id=customer.pk, expected_version=parse_version(if_match))
    return RecordLockOut(lease_token=grant.token, expires_at=grant.expires_at, version=customer.version)


@router.delete("/service/customers/{customer_id}/lock", response={204: None, **ERRORS_EDIT},
               openapi_extra=LEASE_HEADER)  # fmt: skip
def customer_record_unlock(
    request: ConciergeRequest, customer_id: Id, x_lease_token: str | None = LeaseToken
) -> Status:
    """Close the editor: only the lock's token releases it."""
    locks.customer_unlock(request.ctx, customer_id=record_of(request, customer_id).pk, lease_token=x_lease_token)
    return Status(204, None)


@router.patch("/service/customers/{customer_id}/profile", response={200: CustomerRecordOut, **ERRORS_EDIT},
              openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_profile(request: ConciergeRequest, customer_id: Id, payload: RecordProfileIn,
                            if_match: str | None = IfMatch,
                            x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Save the Customer Profile (the fields sent); a registered user's sign-in email follows the
    email (409 `customer.email_taken` if another sign-in has it). The record unlocks."""
    customer = record_of(request, customer_id)
    data = payload.dict(exclude_none=True)
    if "business_name" in data:
        data["organization_name"] = data.pop("business_name")
    records.customer_profile_save(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                                  data=data)  # fmt: skip
    return _fresh(request, customer.pk)


@router.put("/service/customers/{customer_id}/status", response={200: CustomerRecordOut, **ERRORS_EDIT},
            openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_status(request: ConciergeRequest, customer_id: Id, payload: RecordStatusIn,
                           if_match: str | None = IfMatch,
                           x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Change the Customer Status (a disabled user cannot sign in; their sessions and tokens stop
    working). The record unlocks."""
    customer = record_of(request, customer_id)
    customer_set_status(request.ctx, customer_id=customer.pk, status=payload.status,
                        guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return _fresh(request, customer.pk)


@router.post("/service/customers/{customer_id}/addresses", response={201: CustomerRecordOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_address_add(request: ConciergeRequest, customer_id: Id, payload: RecordNewAddressIn,
                                if_match: str | None = IfMatch,
                                x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Add an address (optionally as the default billing and/or shipping address); the lock stays."""
    customer = record_of(request, customer_id)
    data = payload.dict()
    records.record_address_add(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                               data=data, default_billing=data.pop("default_billing"),
                               default_shipping=data.pop("default_shipping"))  # fmt: skip
    return Status(201, _fresh(request, customer.pk))


@router.put("/service/customers/{customer_id}/addresses/{address_id}",
            response={200: CustomerRecordOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_address_update(request: ConciergeRequest, customer_id: Id, address_id: Id, payload: RecordAddressIn,
                                   if_match: str | None = IfMatch,
                                   x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Change an address of the record; the lock stays."""
    customer = record_of(request, customer_id)
    records.record_address_update(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                                  address_id=address_id, data=payload.dict())  # fmt: skip
    return _fresh(request, customer.pk)


@router.delete("/service/customers/{customer_id}/addresses/{address_id}",
               response={200: CustomerRecordOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_address_remove(request: ConciergeRequest, customer_id: Id, address_id: Id,
                                   if_match: str | None = IfMatch,
                                   x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Remove an address of the record; the lock stays."""
    customer = record_of(request, customer_id)
    records.record_address_remove(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                                  address_id=address_id)  # fmt: skip
    return _fresh(request, customer.pk)


@router.post("/service/customers/{customer_id}/addresses/{address_id}/default",
             response={200: CustomerRecordOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_address_default(request: ConciergeRequest, customer_id: Id, address_id: Id,
                                    payload: RecordAddressDefaultIn, if_match: str | None = IfMatch,
                                    x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Make an address the default billing or shipping address; the lock stays."""
    customer = record_of(request, customer_id)
    records.record_address_make_default(request.ctx, customer_id=customer.pk, address_id=address_id,
                                        guard=edit_guard(if_match, x_lease_token), use=payload.use)  # fmt: skip
    return _fresh(request, customer.pk)


@router.post("/service/customers/{customer_id}/segments", response={200: CustomerRecordOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_segment_add(request: ConciergeRequest, customer_id: Id, payload: RecordSegmentIn,
                                if_match: str | None = IfMatch,
                                x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Add Customer Segment Membership; the lock stays. PUBLIC is everyone's already (409 `segment.public`)."""
    customer = record_of(request, customer_id)
    records.customer_segment_add(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                                 segment_id=payload.segment_id)  # fmt: skip
    return _fresh(request, customer.pk)


@router.delete("/service/customers/{customer_id}/segments/{segment_id}",
               response={200: CustomerRecordOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def customer_record_segment_remove(request: ConciergeRequest, customer_id: Id, segment_id: Id,
                                   if_match: str | None = IfMatch,
                                   x_lease_token: str | None = LeaseToken) -> CustomerRecordOut:  # fmt: skip
    """Remove Customer Segment Membership; the lock stays. PUBLIC cannot be removed (409 `segment.public`)."""
    customer = record_of(request, customer_id)
    records.customer_segment_remove(request.ctx, customer_id=customer.pk, guard=edit_guard(if_match, x_lease_token),
                                    segment_id=segment_id)  # fmt: skip
    return _fresh(request, customer.pk)


@router.post("/service/customers/{customer_id}/password-reset",
             response={202: RecordPasswordResetOut, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH,
                       **ERRORS_INPUT})  # fmt: skip
@tagged_not_on_behalf(OnBehalfDenied.CHANGE_PASSWORD)
def customer_record_password_reset(request: ConciergeRequest, customer_id: Id) -> Status:
    """Reset Customer Password: the customer is emailed a one-time, expiring link to choose a new
    password (never a password; the link is not in this answer). It changes no field of the record,
    so it takes no lock or version. A guest or an account: 409 `customer.no_sign_in`."""
    refuse_on_behalf(request.ctx, OnBehalfDenied.CHANGE_PASSWORD)
    customer = record_of(request, customer_id)
    sent = customer_password_reset_send(request.ctx, customer_id=customer.pk,
                                        base_url=request.build_absolute_uri("/"))  # fmt: skip
    return Status(202, RecordPasswordResetOut(message=f"A password reset email has been sent to {sent.display_name}."))
