"""The Users and Accounts search as an API (seed 004): the console's Customers search, for customer
service staff. The query is the one ``DirectoryQuery`` the console page parses: a bad term, an
unknown ``sort`` or ``order`` and a damaged ``cursor`` are all 400 ``customer.search_invalid``,
with ``fields`` naming each."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT
from concierge.core.errors import PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.customers.directory import DirectoryPage, DirectoryQuery, Tab, search_directory
from concierge.customers.models import Customer
from concierge.identity.roles import Priv

router = Router(tags=["customers"])

_ORDER = "`asc` (the default) or `desc`."
_CURSOR = "`next_cursor` or `previous_cursor` of a page of the same search (same sort and order)."


class UsersQueryIn(Schema):
    """Terms match by prefix, ignoring case and accents; with none, everyone is listed."""

    first_name: str = Field("", description="At most 80 characters.")
    last_name: str = Field("", description="At most 80 characters.")
    email: str = Field("", description="At most 254 characters.")
    phone: str = Field("", description="Telephone #: digits and + - ( ) . spaces, at least 3 digits.")
    shared_id: str = Field("", description="At most 32 characters.")
    postal_code: str = Field("", description="At most 20 characters.")
    sort: str = Field("shared_id", description="shared_id, billing_address, email, first_name, last_name or phone.")
    order: str = Field("asc", description=_ORDER)
    cursor: str = Field("", description=_CURSOR)


class AccountsQueryIn(Schema):
    """Terms match by prefix, ignoring case; with none, every account is listed."""

    business_name: str = Field("", description="At most 160 characters.")
    business_number: str = Field("", description="At most 40 characters.")
    shared_id: str = Field("", description="At most 32 characters.")
    postal_code: str = Field("", description="At most 20 characters.")
    sort: str = Field("shared_id", description="shared_id, business_name, business_number or billing_address.")
    order: str = Field("asc", description=_ORDER)
    cursor: str = Field("", description=_CURSOR)


class UserRowOut(Schema):
    id: int
    shared_id: str
    kind: str
    status: str
    first_name: str
    last_name: str
    email: str
    phone: str
    billing_address: str = Field(description="The default billing address on one line.")


class AccountRowOut(Schema):
    id: int
    shared_id: str
    status: str
    business_name: str
    business_number: str
    billing_address: str = Field(description="The default billing address on one line.")


class PageOut(Schema):
    next_cursor: str = Field(description="Pass as `cursor` for the next page; empty on the last page.")
    previous_cursor: str = Field(description="Pass as `cursor` for the previous page; empty on the first page.")


class UsersPageOut(PageOut):
    results: list[UserRowOut]


class AccountsPageOut(PageOut):
    results: list[AccountRowOut]


RESPONSES = {**ERRORS_AUTH, **ERRORS_INPUT}


def _page(request: ConciergeRequest, tab: Tab, params: Schema) -> DirectoryPage:
    """Customer service staff only (403 otherwise), over the stores they serve."""
    if request.ctx.user is None or not request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE):
        raise PermissionDenied("The Customers search is for customer service staff.")
    return search_directory(request.ctx, DirectoryQuery.parse(tab, params.model_dump()))


def _user(c: Customer) -> UserRowOut:
    return UserRowOut(id=c.pk, shared_id=c.shared_id, kind=c.kind, status=c.status, first_name=c.first_name,
                      last_name=c.last_name, email=c.email, phone=c.phone,
                      billing_address=c.billing_summary)  # fmt: skip


def _account(c: Customer) -> AccountRowOut:
    return AccountRowOut(id=c.pk, shared_id=c.shared_id, status=c.status, business_name=c.organization_name,
                         business_number=c.business_number, billing_address=c.billing_summary)  # fmt: skip


@router.get("/customers/users", response={200: UsersPageOut, **RESPONSES})
def customer_users(request: ConciergeRequest, params: Query[UsersQueryIn]) -> UsersPageOut:
    """Users (registered and single-session) of the stores the caller serves, one page of 25."""
    page = _page(request, Tab.USERS, params)
    return UsersPageOut(results=[_user(c) for c in page.customers], next_cursor=page.next_cursor,
                        previous_cursor=page.previous_cursor)  # fmt: skip


@router.get("/customers/accounts", response={200: AccountsPageOut, **RESPONSES})
def customer_accounts(request: ConciergeRequest, params: Query[AccountsQueryIn]) -> AccountsPageOut:
    """Accounts of the stores the caller serves, one page of 25."""
    page = _page(request, Tab.ACCOUNTS, params)
    return AccountsPageOut(results=[_account(c) for c in page.customers], next_cursor=page.next_cursor,
                           previous_cursor=page.previous_cursor)  # fmt: skip
