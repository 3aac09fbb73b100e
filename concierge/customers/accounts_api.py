"""Account records as an API (seed 004): create an account (a generated or a manual shared ID), its
child accounts and hierarchy, its associates, and Delete Account.

Accounts are named by their shared ID. Changes of an existing account name the version they were
based on in ``If-Match`` (412 ``customer.stale``, 428 ``customer.version_required`` without it) and
carry the token of the record's lock in ``X-Lease-Token`` (409 ``customer.lock_lost`` /
``customer.locked``); ``POST …/lock`` takes the lock. Creating a top-level account changes no
existing record and needs neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, Id, ShortText
from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.on_behalf import OnBehalfDenied, tagged_not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.customers import accounts, locks
from concierge.customers.editing import parse_version
from concierge.customers.models import AccountAssociate, Customer

# An account is a customer record: its edits carry the record's version and lock, as every record's do.
from concierge.customers.records_api import EDIT_HEADERS, ERRORS_EDIT, LEASE_HEADER, IfMatch, LeaseToken
from concierge.identity.policies import can_find_customers, stores_served
from concierge.stores.models import Store

router = Router(tags=["accounts"])
ERRORS_READ = {404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}

SharedId = Annotated[str, StringConstraints(min_length=1, max_length=accounts.SHARED_ID_MAX,
                                            pattern=NO_CONTROL_CHARACTERS)]  # fmt: skip
NewSharedId = Annotated[str, StringConstraints(min_length=accounts.SHARED_ID_MIN, max_length=accounts.SHARED_ID_MAX,
                                               pattern=accounts.SHARED_ID_PATTERN)]  # fmt: skip


def _filled(limit: int) -> StringConstraints:
    """Required text (not only spaces), at most ``limit`` characters, no control character."""
    return StringConstraints(min_length=1, max_length=limit, pattern=accounts.FILLED_PATTERN)


def _optional(limit: int) -> StringConstraints:
    return StringConstraints(max_length=limit, pattern=NO_CONTROL_CHARACTERS)


Filled20 = Annotated[str, _filled(20)]
Filled80 = Annotated[str, _filled(80)]
Filled160 = Annotated[str, _filled(160)]
Optional32 = Annotated[str, _optional(32)]
Optional40 = Annotated[str, _optional(40)]
Optional80 = Annotated[str, _optional(80)]
Optional160 = Annotated[str, _optional(160)]
AccountEmail = Annotated[str, StringConstraints(min_length=3, max_length=accounts.EMAIL_MAX,
                                                pattern=accounts.EMAIL_PATTERN)]  # fmt: skip
AccountPhone = Annotated[str, StringConstraints(min_length=3, max_length=accounts.PHONE_MAX,
                                                pattern=accounts.PHONE_PATTERN)]  # fmt: skip
# The locales the wizard offers (the service takes any locale Babel knows); "" is the store's. The
# tests check these lists against ``accounts.LOCALES`` and ``AccountAssociate.Role``.
LocaleChoice = Literal["", "en_US", "en_CA", "fr_CA", "en_GB", "es_US", "es_MX", "de_DE", "fr_FR"]
RoleChoice = Literal["BUYER", "CATALOG_BROWSER", "ADMIN"]


class BillingAddressIn(Schema):
    first_name: Filled80
    last_name: Filled80
    line1: Filled160
    line2: Optional160 = ""
    city: Filled80
    region: Optional80 = ""
    postal_code: Filled20
    country: str = Field(pattern="^[A-Za-z]{2}$")
    phone: Optional32 = ""


class AccountIn(Schema):
    """A new account: the wizard's three steps in one body."""

    business_name: Filled160
    store: ShortText = Field(
        "",
        description="The store's code (one you serve; may be left out if you serve one; "
        "a child is in its parent's store).",
    )
    email: AccountEmail
    phone: AccountPhone = Field(description="Telephone #: digits, spaces and + - ( ) . /, at least 3 digits.")
    billing_address: BillingAddressIn | None = Field(None, description="The default billing address (optional).")
    shared_id: NewSharedId | None = Field(
        None, description=f"Leave out to generate one; else {accounts.SHARED_ID_RULE} Taken: 409 "
        "`customer.shared_id_taken`."
    )  # fmt: skip
    business_number: Optional40 = ""
    preferred_locale: LocaleChoice = Field("", description="e.g. en_US (default: the store's).")


class AssociateIn(Schema):
    email: AccountEmail = Field(description="The email of a shopper who can sign in.")
    role: RoleChoice


class RoleIn(Schema):
    role: RoleChoice


class AccountNodeOut(Schema):
    shared_id: str
    business_name: str
    status: str
    children: list[AccountNodeOut]


class AccountOut(Schema):
    shared_id: str
    business_name: str
    business_number: str
    status: str
    store: str
    email: str
    phone: str
    preferred_locale: str
    billing_address: str
    parent: str | None = Field(description="The parent account's shared ID (child accounts).")
    version: int
    locked_by: str | None
    children: list[AccountNodeOut]


class AssociateOut(Schema):
    id: int
    name: str
    email: str
    role: str
    role_name: str
    since: dt.datetime


class AccountLockOut(Schema):
    """The account's lock you now hold: send ``lease_token`` as ``X-Lease-Token`` and ``version`` as
    ``If-Match`` with each change."""

    lease_token: str
    expires_at: dt.datetime
    version: int


class DeletedOut(Schema):
    shared_id: str
    business_name: str


def console_account(request: ConciergeRequest, shared_id: str) -> Customer:
    """The account ``shared_id`` of a store the caller serves (customer service only), else 404."""
    if not can_find_customers(request.ctx):
        raise PermissionDenied("Account records are for customer service staff.")
    account = (
        Customer.objects.select_related("store", "parent")
        .filter(shared_id=shared_id, kind=Customer.Kind.ACCOUNT, store_id__in=stores_served(request.ctx))
        .first()
    )
    if account is None:
        raise NotFound("No such account.")
    return account


def _guard(if_match: str | None, lease_token: str | None) -> EditGuard:
    return EditGuard(version=parse_version(if_match), lease_token=lease_token)


def _nodes(nodes: list[accounts.AccountNode]) -> list[AccountNodeOut]:
    return [AccountNodeOut(shared_id=n.account.shared_id, business_name=n.account.display_name,
                           status=n.account.status, children=_nodes(n.children)) for n in nodes]  # fmt: skip


def account_out(account: Customer) -> AccountOut:
    live = account.lease_is_live()
    return AccountOut(
        shared_id=account.shared_id, business_name=account.organization_name,
        business_number=account.business_number, status=account.status, store=account.store.code,
        email=account.email, phone=account.phone, preferred_locale=account.preferred_locale,
        billing_address=account.billing_summary, parent=account.parent.shared_id if account.parent else None,
        version=account.version, locked_by=account.lease_holder_name() if live else None,
        children=_nodes(accounts.account_tree(account)),
    )  # fmt: skip


def _wizard_data(payload: AccountIn, *, store_id: int | None) -> dict[str, Any]:
    """The body as the wizard's fields, so both faces are checked by the same rules."""
    data: dict[str, Any] = {
        "business_name": payload.business_name, "email": payload.email, "phone": payload.phone,
        "store": str(store_id or ""), "business_number": payload.business_number,
        "preferred_locale": payload.preferred_locale,
        "shared_id_mode": "generate" if payload.shared_id is None else "manual", "shared_id": payload.shared_id or "",
    }  # fmt: skip
    if payload.billing_address is not None:
        data.update({f"address_{k}": v for k, v in payload.billing_address.dict().items()})
    return data


def _create(request: ConciergeRequest, payload: AccountIn, *, parent: Customer | None,
            guard: EditGuard | None) -> Customer:  # fmt: skip
    accounts.require_manage(request.ctx)
    store_id = None
    if parent is None:
        served = Store.objects.filter(pk__in=stores_served(request.ctx))
        if payload.store:
            store = served.filter(code=payload.store).first()
        else:  # left out: the one store the caller serves
            store = served.first() if served.count() == 1 else None
        if store is None and payload.store:
            raise NotFound("No such store among those you serve.")
        if store is None:
            raise DomainError("request.invalid", "Choose one of the stores you serve.", status=422,
                              fields={"store": ["Name the store (its code): you serve more than one."]})  # fmt: skip
        store_id = store.pk
    data = _wizard_data(payload, store_id=store_id)
    details = accounts.clean_details(request.ctx, data, parent=parent)
    shared_id = accounts.clean_shared_id(data)
    attributes = accounts.clean_attributes(data)
    return accounts.account_create(request.ctx, details=details, shared_id=shared_id, attributes=attributes,
                                   parent_id=parent.pk if parent else None, guard=guard)  # fmt: skip


@router.post("/service/accounts", response={201: AccountOut, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH,
                                           **ERRORS_INPUT})  # fmt: skip
def account_create(request: ConciergeRequest, payload: AccountIn) -> Status:
    """Add Account: with ``shared_id`` entered manually, or generated when left out."""
    account = _create(request, payload, parent=None, guard=None)
    return Status(201, account_out(console_account(request, account.shared_id)))


@router.get("/service/accounts/{shared_id}", response={200: AccountOut, **ERRORS_READ})
def account_detail(request: ConciergeRequest, shared_id: SharedId) -> AccountOut:
    """The account, its version and lock, and the tree of its child accounts."""
    return account_out(console_account(request, shared_id))


@router.post("/service/accounts/{shared_id}/lock", response={200: AccountLockOut, **ERRORS_EDIT})
def account_lock(request: ConciergeRequest, shared_id: SharedId, if_match: str | None = IfMatch) -> AccountLockOut:
    """Open the account for editing (or renew your own lock: same token). Someone else's live lock:
    409 naming them; with If-Match, an account that changed since you loaded it: 412."""
    account = console_account(request, shared_id)
    grant = locks.customer_lock(request.ctx, customer_id=account.pk, expected_version=parse_version(if_match))
    return AccountLockOut(lease_token=grant.token, expires_at=grant.expires_at, version=account.version)


@router.delete("/service/accounts/{shared_id}/lock", response={204: None, **ERRORS_EDIT}, openapi_extra=LEASE_HEADER)
def account_unlock(request: ConciergeRequest, shared_id: SharedId, x_lease_token: str | None = LeaseToken) -> Status:
    """Close the editor: only the lock's token releases it."""
    locks.customer_unlock(request.ctx, customer_id=console_account(request, shared_id).pk, lease_token=x_lease_token)
    return Status(204, None)


@router.get("/service/accounts/{shared_id}/children", response={200: list[AccountNodeOut], **ERRORS_READ})
def account_children(request: ConciergeRequest, shared_id: SharedId) -> list[AccountNodeOut]:
    """The hierarchy below the account, any depth."""
    return _nodes(accounts.account_tree(console_account(request, shared_id)))


@router.post("/service/accounts/{shared_id}/children", response={201: AccountOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def account_add_child(request: ConciergeRequest, shared_id: SharedId, payload: AccountIn,
                      if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Add Child Account: a new account below this one (in its store), a change of the parent under
    its lock and version."""
    parent = console_account(request, shared_id)
    child = _create(request, payload, parent=parent, guard=_guard(if_match, x_lease_token))
    return Status(201, account_out(console_account(request, child.shared_id)))


@router.put("/service/accounts/{shared_id}/children/{child}", response={200: AccountOut, **ERRORS_EDIT},
            openapi_extra=EDIT_HEADERS)  # fmt: skip
def account_move_child(request: ConciergeRequest, shared_id: SharedId, child: SharedId,
                       if_match: str | None = IfMatch,
                       x_lease_token: str | None = LeaseToken) -> AccountOut:  # fmt: skip
    """Make an existing account of the same store a child of this one (under this account's lock and
    version). The account itself or one above this one: 409 ``account.cycle``."""
    parent = console_account(request, shared_id)
    moved = console_account(request, child)
    accounts.account_set_parent(request.ctx, parent_id=parent.pk, child_id=moved.pk,
                                guard=_guard(if_match, x_lease_token))  # fmt: skip
    return account_out(console_account(request, child))


def _associate_out(a: AccountAssociate) -> AssociateOut:
    return AssociateOut(id=a.pk, name=a.user.display_name, email=a.user.email, role=a.role,
                        role_name=a.get_role_display(), since=a.added_at)  # fmt: skip


@router.get("/service/accounts/{shared_id}/associates", response={200: list[AssociateOut], **ERRORS_READ})
def associates_list(request: ConciergeRequest, shared_id: SharedId) -> list[AssociateOut]:
    """The users permitted to transact on behalf of the account, with their roles."""
    return [_associate_out(a) for a in accounts.associates_of(console_account(request, shared_id))]


@router.post("/service/accounts/{shared_id}/associates", response={201: AssociateOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def associates_add(request: ConciergeRequest, shared_id: SharedId, payload: AssociateIn,
                   if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Add Associate: a shopper (by email) who may transact on behalf of the account, in a role."""
    account = console_account(request, shared_id)
    associate = accounts.associate_add(request.ctx, account_id=account.pk, guard=_guard(if_match, x_lease_token),
                                       email=payload.email, role=payload.role)  # fmt: skip
    return Status(201, _associate_out(associate))


@router.put("/service/accounts/{shared_id}/associates/{associate_id}", response={200: AssociateOut, **ERRORS_EDIT},
            openapi_extra=EDIT_HEADERS)  # fmt: skip
def associates_set_role(request: ConciergeRequest, shared_id: SharedId, associate_id: Id, payload: RoleIn,
                        if_match: str | None = IfMatch,
                        x_lease_token: str | None = LeaseToken) -> AssociateOut:  # fmt: skip
    """Change an associate's role."""
    account = console_account(request, shared_id)
    associate = accounts.associate_set_role(request.ctx, account_id=account.pk, associate_id=associate_id,
                                            guard=_guard(if_match, x_lease_token), role=payload.role)  # fmt: skip
    return _associate_out(associate)


@router.delete("/service/accounts/{shared_id}/associates/{associate_id}", response={204: None, **ERRORS_EDIT},
               openapi_extra=EDIT_HEADERS)  # fmt: skip
def associates_remove(request: ConciergeRequest, shared_id: SharedId, associate_id: Id,
                      if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Remove Associate: the association goes; the user is kept."""
    account = console_account(request, shared_id)
    accounts.associate_remove(request.ctx, account_id=account.pk, associate_id=associate_id,
                              guard=_guard(if_match, x_lease_token))  # fmt: skip
    return Status(204, None)


@router.delete("/service/accounts/{shared_id}", response={200: list[DeletedOut], **ERRORS_EDIT},
               openapi_extra=EDIT_HEADERS)  # fmt: skip
@tagged_not_on_behalf(OnBehalfDenied.DELETE_ACCOUNT)
def account_delete(request: ConciergeRequest, shared_id: SharedId, if_match: str | None = IfMatch,
                   x_lease_token: str | None = LeaseToken) -> list[DeletedOut]:  # fmt: skip
    """Delete Account: the account and all its children, when none is associated with purchases
    (else 409 ``account.has_purchases`` with ``reasons``, and nothing is deleted)."""
    account = console_account(request, shared_id)
    deleted = accounts.account_delete(request.ctx, account_id=account.pk, guard=_guard(if_match, x_lease_token))
    return [DeletedOut(shared_id=d["shared_id"], business_name=d["name"]) for d in deleted]
