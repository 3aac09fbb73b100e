"""Customer Organizations (seed 003 "How to view and search organizations by ERP ID"): the
organizations assigned to a seller, with their profile information (status, primary contact,
city), contract numbers, country, ERP ID and preferred currency; searched by name, contract number
and ERP ID (exact or prefix), sorted and paged.

Only the organizations assigned to the seller while they hold the privilege to act for
organizations; a disabled one is left out (nobody acts for it). A page costs a fixed number of
queries whatever its size: the count, the rows with their stores, their contracts, their default
billing addresses (and, sorting by country, the countries' names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.core.paging import NumberedPages
from concierge.customers.errors import CustomerError
from concierge.customers.models import Address, Contract, Customer, SellerAssignment
from concierge.customers.organizations import country_name
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from django.db.models.expressions import OrderBy

    from concierge.identity.models import User

Q_MAX = 80
PER_PAGE_MAX = 100
SORTS = ("name", "erp_id", "country", "status")
ORDERS = ("asc", "desc")
SORT_WORDS = {"name": "Name", "erp_id": "ERP ID", "country": "Country", "status": "Status"}


@dataclass(frozen=True)
class OrganizationRow:
    """One organization as the list shows it."""

    account: Customer
    contracts: list[str]
    city: str
    country: str  # ISO 3166-1 code
    country_name: str
    currency: str  # ISO 4217: the preferred one, else the store's
    status: str
    status_label: str
    contact_name: str
    erp_id: str


@dataclass(frozen=True)
class OrganizationPage(NumberedPages):
    rows: list[OrganizationRow]
    total: int
    page: int
    pages: int
    q: str
    sort: str
    order: str
    per_page: int = 20


def _refused(name: str, message: str) -> DomainError:
    return DomainError(CustomerError.SEARCH_INVALID, message, status=422, fields={name: [message]})


def _page_number(value: object, name: str, *, maximum: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1 or (maximum is not None and number > maximum):
        limit = f" between 1 and {maximum}" if maximum is not None else " of 1 or more"
        raise _refused(name, f"The {name.replace('_', ' ')} is a whole number{limit}.")
    return number


def assigned_organizations(user: User) -> QuerySet[Customer]:
    """The organizations assigned to ``user`` that they may act for now (none without the
    privilege); a disabled one is left out."""
    if not user.is_active or not user.has_perm(Priv.ACT_FOR_ORGANIZATION):
        return Customer.objects.none()
    assigned = SellerAssignment.objects.filter(seller=user, organization=OuterRef("pk"))
    return (
        Customer.objects.filter(Exists(assigned), kind=Customer.Kind.ACCOUNT)
        .exclude(status=Customer.Status.DISABLED)
        .select_related("store")
    )


def _matching(rows: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """Name contains ``q``; ERP ID or a contract number is ``q`` or starts with it (any case —
    both are stored upper case, so a prefix uses their index)."""
    if not q:
        return rows
    key = q.upper()
    contract = Contract.objects.filter(organization=OuterRef("pk"), number__startswith=key)
    return rows.filter(Q(organization_name__icontains=q) | Q(erp_id__startswith=key) | Exists(contract))


def _ordering(rows: QuerySet[Customer], sort: str, order: str) -> list[OrderBy]:
    desc = order == "desc"
    key: F | Lower | Case
    if sort == "name":
        key = Lower("organization_name")
    elif sort == "erp_id":
        key = F("erp_id")
    elif sort == "status":
        key = F("status")
    else:  # by the countries' names, as the list shows them, not their codes
        codes = sorted({c for c in rows.values_list("country", flat=True).distinct() if c})
        names = sorted(codes, key=lambda c: country_name(c).casefold())
        key = Case(*(When(country=c, then=Value(i)) for i, c in enumerate(names)), default=Value(len(names)))
    first = key.desc(nulls_last=True) if desc else key.asc(nulls_last=True)
    tie = F("pk").desc() if desc else F("pk").asc()
    return [first, tie]


def organizations_search(
    user: User, *, q: str = "", sort: str = "name", order: str = "asc", page: int | str = 1, per_page: int = 20
) -> OrganizationPage:
    """One page of the seller's organizations matching ``q`` (see :func:`_matching`), sorted by
    ``sort`` (``SORTS``) ``order`` ("asc"/"desc") with the id as the tie-break. A term over
    ``Q_MAX`` characters (the limit named, never cut) or with control characters, an unknown sort or
    order, a page that is not one of the result's pages: ``customer.search_invalid`` (422)."""
    q = (q or "").strip()
    if problem := text_problem(q, limit=Q_MAX):
        raise _refused("q", problem)
    if sort not in SORTS:
        raise _refused("sort", f"Sort by {', '.join(SORT_WORDS.values())}.")
    if order not in ORDERS:
        raise _refused("order", "Sort in ascending (asc) or descending (desc) order.")
    per_page = _page_number(per_page, "per_page", maximum=PER_PAGE_MAX)
    number = _page_number(page, "page")
    rows = _matching(assigned_organizations(user), q)
    total = rows.count()
    pages = max(1, -(-total // per_page))
    if number > pages:
        raise _refused("page", f"There {'is' if pages == 1 else 'are'} only {pages} page{'' if pages == 1 else 's'} "
                       "of organizations: search again from the first page.")  # fmt: skip
    billing = Prefetch("addresses", queryset=Address.objects.filter(is_default_billing=True), to_attr="billing")
    contracts = Prefetch("contracts", queryset=Contract.objects.order_by("number"), to_attr="contract_rows")
    start = (number - 1) * per_page
    found = list(rows.order_by(*_ordering(rows, sort, order)).prefetch_related(billing, contracts)
                 [start:start + per_page])  # fmt: skip
    return OrganizationPage(
        rows=[_row(account) for account in found], total=total, page=number, pages=pages, q=q, sort=sort,
        order=order, per_page=per_page,
    )  # fmt: skip


def _row(account: Customer) -> OrganizationRow:
    billing = getattr(account, "billing", [])
    address = billing[0] if billing else None
    country = account.country or (address.country if address else "")
    return OrganizationRow(
        account=account,
        contracts=[c.number for c in getattr(account, "contract_rows", [])],
        city=address.city if address else "",
        country=country,
        country_name=country_name(country),
        currency=account.currency,
        status=account.status,
        status_label=Customer.Status(account.status).label,
        contact_name=account.contact_name,
        erp_id=account.erp_id or "",
    )
