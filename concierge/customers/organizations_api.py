"""A seller's customer organizations as an API (seed 003): the Customer Organizations list and its
search, an organization's details, creating one (Pending), activating, suspending and
re-activating it, and editing its Basic Details and Organization Profile.

For sellers: only the organizations assigned to them (a disabled one is left out), and any other id
— another seller's, one that does not exist — is the same 404 ``customer.organization_not_assigned``
on every route. Changes of an organization are changes of its customer record, with the record API's
rules: ``POST …/lock`` takes the lock, each change names the version it was based on in ``If-Match``
(428 ``customer.version_required`` without it, 412 ``customer.stale`` when it moved on) and carries
the lock's token in ``X-Lease-Token`` (409 ``customer.lock_lost`` / ``customer.locked``). A
transition or an edit saves and releases the lock, as the pages' Save does.

The preferred currencies offered are the store's and its price lists' (``organizations.
currencies_offered``: the catalog registers the price lists' currencies, as this module, in People,
may not read them).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS
from concierge.core.errors import DomainError, PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.customers import accounts, locks, organizations
from concierge.customers.editing import parse_version
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.customers.organization_directory import (
    PER_PAGE_MAX,
    Q_MAX,
    SORTS,
    OrganizationRow,
    assigned_organizations,
    organizations_search,
)
from concierge.customers.records_api import EDIT_HEADERS, ERRORS_EDIT, LEASE_HEADER, IfMatch, LeaseToken, edit_guard
from concierge.identity.roles import Priv
from concierge.stores.models import Store

router = Router(tags=["organizations"])
ERRORS_READ = {404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
NOT_ASSIGNED = "No such organization is assigned to you."


def _text(limit: int, *, required: bool = False) -> StringConstraints:
    if required:
        return StringConstraints(min_length=1, max_length=limit, pattern=accounts.FILLED_PATTERN)
    return StringConstraints(max_length=limit, pattern=NO_CONTROL_CHARACTERS)


Name = Annotated[str, _text(organizations.NAME_MAX, required=True)]
ErpId = Annotated[str, StringConstraints(min_length=1, max_length=organizations.ERP_ID_MAX,
                                         pattern=organizations.ERP_ID_PATTERN)]  # fmt: skip
ContractNumber = Annotated[str, StringConstraints(min_length=1, max_length=organizations.CONTRACT_MAX,
                                                  pattern=r"^ *[A-Za-z0-9._/-]+ *$")]  # fmt: skip
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{3})?$")]
ContactName = Annotated[str, _text(organizations.CONTACT_NAME_MAX, required=True)]
ContactEmail = Annotated[str, StringConstraints(min_length=3, max_length=organizations.EMAIL_MAX,
                                                pattern=accounts.EMAIL_PATTERN)]  # fmt: skip
ContactPhone = Annotated[str, StringConstraints(max_length=organizations.PHONE_MAX,
                                                pattern=r"^ *(\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9]"
                                                        r"[0-9 ().\-/]*)? *$")]  # fmt: skip
BusinessNumber = Annotated[str, _text(organizations.BUSINESS_NUMBER_MAX)]
Line = Annotated[str, _text(160, required=True)]
OptionalLine = Annotated[str, _text(160)]
City = Annotated[str, _text(80, required=True)]
Region = Annotated[str, _text(80)]
PostalCode = Annotated[str, _text(20, required=True)]
Reason = Annotated[str, _text(organizations.REASON_MAX, required=True)]
LocaleText = Annotated[str, StringConstraints(max_length=16, pattern=r"^([A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?)?$")]


class OrganizationsQueryIn(Schema):
    q: str = Field("", description=f"Name (contains), ERP ID or contract number (exactly or how it starts), any case. "
                   f"At most {Q_MAX} characters.")  # fmt: skip
    sort: str = Field("name", description=", ".join(SORTS) + ".")
    order: str = Field("asc", description="`asc` (the default) or `desc`.")
    page: int = Field(1, description="1 to the result's `pages`.")
    per_page: int = Field(20, description=f"1 to {PER_PAGE_MAX}.")


class OrganizationRowOut(Schema):
    id: int
    name: str
    erp_id: str
    contracts: list[str]
    status: str
    status_name: str
    contact_name: str
    city: str = Field(description="Of the default billing address.")
    country: str = Field(description="ISO 3166-1 alpha-2.")
    country_name: str
    currency: str = Field(description="ISO 4217: the preferred currency, else the store's.")


class OrganizationListOut(Schema):
    items: list[OrganizationRowOut]
    total: int
    page: int
    pages: int
    q: str
    sort: str
    order: str


class OrganizationAddressOut(Schema):
    id: int
    first_name: str
    last_name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    is_default_billing: bool
    is_default_shipping: bool


class OrganizationChildOut(Schema):
    id: int
    name: str
    status: str


class OrganizationContactOut(Schema):
    name: str
    email: str
    phone: str


class OrganizationOut(Schema):
    id: int
    shared_id: str
    name: str
    erp_id: str
    business_number: str
    contracts: list[str]
    country: str = Field(description="ISO 3166-1 alpha-2.")
    country_name: str
    currency: str = Field(description="ISO 4217: the preferred currency, else the store's.")
    preferred_currency: str = Field(description='"" when it buys in the store\'s currency.')
    preferred_locale: str
    store: str
    contact: OrganizationContactOut
    status: str
    status_name: str
    transitions: list[str] = Field(description="What its status allows now: activate, suspend or reactivate.")
    addresses: list[OrganizationAddressOut]
    children: list[OrganizationChildOut]
    version: int = Field(description='Send it as `If-Match` with a change (e.g. `"3"`).')
    locked_by: str | None


class OrganizationIn(Schema):
    """A new organization: it starts Pending until activated, and is assigned to you."""

    name: Name
    erp_id: ErpId = Field(description=f"{organizations.ERP_ID_RULE} Stored upper case; taken (in any case): 409 "
                          "`organization.erp_id_taken`.")  # fmt: skip
    contract_numbers: list[ContractNumber] = Field(
        [], max_length=organizations.CONTRACTS_MAX, description="Stored upper case; one that another organization "
        "has: 409 `organization.contract_taken`.")  # fmt: skip
    country: Country = Field(description="ISO 3166-1 alpha-2, e.g. DE.")
    preferred_currency: Currency = Field("", description='ISO 4217, one the store offers; "" for the store\'s.')
    contact_name: ContactName
    contact_email: ContactEmail
    contact_phone: ContactPhone = ""
    business_number: BusinessNumber = ""
    line1: Line
    line2: OptionalLine = ""
    city: City
    region: Region = ""
    postal_code: PostalCode
    store: str = Field("", max_length=20, pattern=NO_CONTROL_CHARACTERS,
                       description="The store's code: one you serve (may be left out if you serve one).")  # fmt: skip


class OrganizationDetailsIn(Schema):
    """Basic Details: the fields sent change (``contract_numbers`` replaces the list)."""

    name: Name | None = None
    erp_id: ErpId | None = None
    business_number: BusinessNumber | None = None
    country: Country | None = None
    contract_numbers: list[ContractNumber] | None = Field(None, max_length=organizations.CONTRACTS_MAX)


class OrganizationProfileIn(Schema):
    """Organization Profile: the fields sent change."""

    contact_name: ContactName | None = None
    contact_email: ContactEmail | None = None
    contact_phone: ContactPhone | None = None
    preferred_locale: LocaleText | None = Field(None, description="One the store offers, e.g. en_US.")


class OrganizationReasonIn(Schema):
    reason: Reason = Field(description=f"Why (at most {organizations.REASON_MAX} characters); kept in the audit log.")


class OrganizationLockOut(Schema):
    """The organization's lock you now hold: send ``lease_token`` as ``X-Lease-Token`` and
    ``version`` as ``If-Match`` with each change."""

    lease_token: str
    expires_at: dt.datetime
    version: int


def _seller(request: ConciergeRequest) -> None:
    if request.ctx.user is None or not request.ctx.has_perm(Priv.ACT_FOR_ORGANIZATION):
        raise PermissionDenied("Customer organizations are for sellers.")


def seller_organization(request: ConciergeRequest, organization_id: int) -> Customer:
    """The organization ``organization_id`` if it is assigned to the signed-in seller, else the one 404."""
    _seller(request)
    found = None
    if 1 <= organization_id < 2**63:
        found = (
            assigned_organizations(request.ctx.signed_in_user)
            .select_related("store")
            .prefetch_related("contracts", "addresses", "children")
            .filter(pk=organization_id)
            .first()
        )
    if found is None:
        raise DomainError(CustomerError.ORGANIZATION_NOT_ASSIGNED, NOT_ASSIGNED, status=404)
    return found


def _row_out(row: OrganizationRow) -> OrganizationRowOut:
    return OrganizationRowOut(
        id=row.account.pk, name=row.account.display_name, erp_id=row.erp_id, contracts=row.contracts,
        status=row.status, status_name=row.status_label, contact_name=row.contact_name, city=row.city,
        country=row.country, country_name=row.country_name, currency=row.currency,
    )  # fmt: skip


def organization_out(org: Customer) -> OrganizationOut:
    live = org.lease_is_live()
    children = sorted((c for c in org.children.all() if c.kind == Customer.Kind.ACCOUNT),
                      key=lambda c: (c.display_name.casefold(), c.pk))  # fmt: skip
    return OrganizationOut(
        id=org.pk, shared_id=org.shared_id, name=org.display_name, erp_id=org.erp_id or "",
        business_number=org.business_number, contracts=sorted(c.number for c in org.contracts.all()),
        country=org.country, country_name=organizations.country_name(org.country), currency=org.currency,
        preferred_currency=org.preferred_currency, preferred_locale=org.preferred_locale, store=org.store.code,
        contact=OrganizationContactOut(name=org.contact_name, email=org.contact_email, phone=org.contact_phone),
        status=org.status, status_name=Customer.Status(org.status).label,
        transitions=[t.action for t in organizations.transitions_for(org)],
        addresses=[OrganizationAddressOut.model_validate(a, from_attributes=True).model_copy(update={"id": a.pk})
                   for a in sorted(org.addresses.all(), key=lambda a: a.pk)],
        children=[OrganizationChildOut(id=c.pk, name=c.display_name, status=c.status) for c in children],
        version=org.version, locked_by=org.lease_holder_name() if live else None,
    )  # fmt: skip


def _fresh(request: ConciergeRequest, organization_id: int) -> OrganizationOut:
    return organization_out(seller_organization(request, organization_id))


@router.get("/organizations", response={200: OrganizationListOut, **ERRORS_AUTH, **ERRORS_INPUT})
def organization_list(request: ConciergeRequest, query: Query[OrganizationsQueryIn]) -> OrganizationListOut:
    """Customer Organizations: the organizations assigned to you, searched, sorted and paged. A
    term over its limit, an unknown sort or order, a page that is not one of the result's:
    422 ``customer.search_invalid`` naming the field."""
    _seller(request)
    page = organizations_search(request.ctx.signed_in_user, q=query.q, sort=query.sort, order=query.order,
                                page=query.page, per_page=query.per_page)  # fmt: skip
    return OrganizationListOut(items=[_row_out(r) for r in page.rows], total=page.total, page=page.page,
                               pages=page.pages, q=page.q, sort=page.sort, order=page.order)  # fmt: skip


@router.get("/organizations/{organization_id}", response={200: OrganizationOut, **ERRORS_READ})
def organization_detail(request: ConciergeRequest, organization_id: int) -> OrganizationOut:
    """An organization assigned to you: its details, contacts, addresses, children and `version`."""
    return _fresh(request, organization_id)


@router.post("/organizations", response={201: OrganizationOut, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH,
                                         **ERRORS_INPUT})  # fmt: skip
def organization_create(request: ConciergeRequest, payload: OrganizationIn) -> Status:
    """Create a Customer Organization: Pending until activated, assigned to you."""
    _seller(request)
    data = payload.dict()
    data["contract_numbers"] = list(payload.contract_numbers)
    if payload.store:
        store = Store.objects.filter(code=payload.store).first()
        data["store"] = str(store.pk) if store is not None else "0"  # one you do not serve: a field error
    else:
        data["store"] = ""
    org = organizations.organization_create(request.ctx, data)
    return Status(201, _fresh(request, org.pk))


@router.post("/organizations/{organization_id}/lock", response={200: OrganizationLockOut, **ERRORS_EDIT})
def organization_lock(request: ConciergeRequest, organization_id: int,
                      if_match: str | None = IfMatch) -> OrganizationLockOut:  # fmt: skip
    """Open the organization for editing (or renew your own lock: same token). Someone else's live
    lock: 409 naming them; with If-Match, one that changed since you loaded it: 412."""
    org = seller_organization(request, organization_id)
    grant = locks.customer_lock(request.ctx, customer_id=org.pk, expected_version=parse_version(if_match))
    return OrganizationLockOut(lease_token=grant.token, expires_at=grant.expires_at, version=org.version)


@router.delete("/organizations/{organization_id}/lock", response={204: None, **ERRORS_EDIT},
               openapi_extra=LEASE_HEADER)  # fmt: skip
def organization_unlock(request: ConciergeRequest, organization_id: int,
                        x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Close the editor: only the lock's token releases it."""
    org = seller_organization(request, organization_id)
    locks.customer_unlock(request.ctx, customer_id=org.pk, lease_token=x_lease_token)
    return Status(204, None)


def _transition(request: ConciergeRequest, organization_id: int, action: str, payload: OrganizationReasonIn,
                if_match: str | None, x_lease_token: str | None) -> OrganizationOut:  # fmt: skip
    org = seller_organization(request, organization_id)
    organizations.organization_transition(request.ctx, account_id=org.pk, action=action, reason=payload.reason,
                                          guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return _fresh(request, org.pk)


@router.post("/organizations/{organization_id}/activate", response={200: OrganizationOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_activate(request: ConciergeRequest, organization_id: int, payload: OrganizationReasonIn,
                          if_match: str | None = IfMatch,
                          x_lease_token: str | None = LeaseToken) -> OrganizationOut:  # fmt: skip
    """Activate a pending organization: its purchases are no longer refused. Any other status: 409
    ``organization.illegal_transition``."""
    return _transition(request, organization_id, "activate", payload, if_match, x_lease_token)


@router.post("/organizations/{organization_id}/suspend", response={200: OrganizationOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_suspend(request: ConciergeRequest, organization_id: int, payload: OrganizationReasonIn,
                         if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> OrganizationOut:  # fmt: skip
    """Suspend an active organization: it is browsed and carted for, its purchases refused
    (``account.suspended``). Any other status: 409 ``organization.illegal_transition``."""
    return _transition(request, organization_id, "suspend", payload, if_match, x_lease_token)


@router.post("/organizations/{organization_id}/reactivate", response={200: OrganizationOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_reactivate(request: ConciergeRequest, organization_id: int, payload: OrganizationReasonIn,
                            if_match: str | None = IfMatch,
                            x_lease_token: str | None = LeaseToken) -> OrganizationOut:  # fmt: skip
    """Re-activate a suspended organization. Any other status: 409 ``organization.illegal_transition``."""
    return _transition(request, organization_id, "reactivate", payload, if_match, x_lease_token)


@router.patch("/organizations/{organization_id}/details", response={200: OrganizationOut, **ERRORS_EDIT},
              openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_details(request: ConciergeRequest, organization_id: int, payload: OrganizationDetailsIn,
                         if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> OrganizationOut:  # fmt: skip
    """Save the Basic Details (the fields sent); the record unlocks. A taken ERP ID or contract
    number: 409 ``organization.erp_id_taken`` / ``organization.contract_taken``."""
    org = seller_organization(request, organization_id)
    organizations.organization_details_save(request.ctx, account_id=org.pk, guard=edit_guard(if_match, x_lease_token),
                                            data=payload.dict(exclude_none=True))  # fmt: skip
    return _fresh(request, org.pk)


@router.patch("/organizations/{organization_id}/profile", response={200: OrganizationOut, **ERRORS_EDIT},
              openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_profile(request: ConciergeRequest, organization_id: int, payload: OrganizationProfileIn,
                         if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> OrganizationOut:  # fmt: skip
    """Save the Organization Profile (the fields sent); the record unlocks."""
    org = seller_organization(request, organization_id)
    organizations.organization_profile_save(request.ctx, account_id=org.pk, guard=edit_guard(if_match, x_lease_token),
                                            data=payload.dict(exclude_none=True))  # fmt: skip
    return _fresh(request, org.pk)
