"""The console's Users and Accounts search (seed 004 "Searching for Users", "Searching for
Accounts"): Search Terms, a Sort By Column and a Sort Order, paged by keyset.

One :class:`DirectoryQuery` is parsed strictly from the console form and from the API's query alike
(every bad value is a field error, never a 500); :func:`search_directory` answers one page.

How it stays fast at a million customers, on SQLite and PostgreSQL alike (docs/performance.md,
"Users and Accounts search at 1M customers"):

* Each sort column has a partial index per tab — ``(sort key, id, store_id) WHERE kind IN (…)`` —
  (``migrations/0008_directory_indexes.py``), so ``ORDER BY key, id LIMIT 26`` after a keyset
  predicate walks one index range, forwards for ascending and Next, backwards for descending and
  Previous, and reads the store from the index to scope it. The kind condition is written as a
  constant (``KIND_SQL``): SQLite only uses a partial index whose condition it can see in the
  query's text, and not a bound parameter.
* The sort key is the column in lower case, so "adams" and "Adams" sort together; on PostgreSQL
  it is compared in the "C" collation (code point order), which is the order SQLite's BINARY
  collation gives the same text: both databases list the same rows in the same order, and the
  index serves the comparison. SQLite's ``lower()`` folds ASCII letters only; names with accented
  capitals may sort apart by database (documented, rare in the key's first letters).
* Ties (many customers without a telephone number) are broken by id, which is also in the cursor.
* Search Terms match by prefix ignoring case and accents through the Find customer index
  (``customers.search``: one term's customers are an index range), as semi-joins the database
  plans together with the sort.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import connection
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Collate, Lower

from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.core.prefixes import starts_with
from concierge.customers import search
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer, CustomerSearchTerm
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

PAGE_SIZE = 25
CURSOR_MAX = 400  # a signed cursor is well under this; longer is refused, not decoded


class Tab(StrEnum):
    USERS = "users"
    ACCOUNTS = "accounts"


# The kinds each tab lists, as constant SQL (see the module's docstring) and as values.
KINDS: dict[Tab, tuple[str, ...]] = {
    Tab.USERS: (Customer.Kind.REGISTERED_USER.value, Customer.Kind.SINGLE_SESSION_USER.value),
    Tab.ACCOUNTS: (Customer.Kind.ACCOUNT.value,),
}
KIND_SQL: dict[Tab, str] = {
    Tab.USERS: "\"kind\" IN ('REGISTERED_USER', 'SINGLE_SESSION_USER')",
    Tab.ACCOUNTS: "\"kind\" IN ('ACCOUNT')",
}


@dataclass(frozen=True)
class Column:
    """A sortable results column: its URL key, the seed's header, and the model field sorted on."""

    key: str
    label: str
    field: str


# The results columns of each tab, in table order; each is a Sort By Column choice (seed 004).
COLUMNS: dict[Tab, tuple[Column, ...]] = {
    Tab.USERS: (
        Column("shared_id", "Shared ID", "shared_id"),
        Column("first_name", "First Name", "first_name"),
        Column("last_name", "Last Name", "last_name"),
        Column("email", "Email Address", "email"),
        Column("phone", "Telephone #", "phone"),
        Column("billing_address", "Default Billing Address", "billing_summary"),
    ),
    Tab.ACCOUNTS: (
        Column("shared_id", "Shared ID", "shared_id"),
        Column("business_name", "Business Name", "organization_name"),
        Column("business_number", "Business Number", "business_number"),
        Column("billing_address", "Default Billing Address", "billing_summary"),
    ),
}
# The Sort By Column list, in the seed's order (Shared ID, the default, first).
SORT_CHOICES: dict[Tab, tuple[str, ...]] = {
    Tab.USERS: ("shared_id", "billing_address", "email", "first_name", "last_name", "phone"),
    Tab.ACCOUNTS: ("shared_id", "business_name", "business_number", "billing_address"),
}
DEFAULT_SORT = "shared_id"


@dataclass(frozen=True)
class Term:
    """A Search Terms field: its URL key, the label, the longest value accepted, and the Find
    customer criterion it is matched as (``customers.search.FIELDS``; "" = matched on its column)."""

    key: str
    label: str
    max_length: int
    criterion: str


TERMS: dict[Tab, tuple[Term, ...]] = {
    Tab.USERS: (
        Term("first_name", "First Name", 80, "first_name"),
        Term("last_name", "Last Name", 80, "last_name"),
        Term("email", "Email Address", 254, "email"),
        Term("phone", "Telephone #", 32, "phone"),
        Term("shared_id", "Shared ID", 32, "customer_id"),
        Term("postal_code", "Postal Code", 20, "postal_code"),
    ),
    Tab.ACCOUNTS: (
        Term("business_name", "Business Name", 160, "organization"),
        Term("business_number", "Business Number", 40, ""),
        Term("shared_id", "Shared ID", 32, "customer_id"),
        Term("postal_code", "Postal Code", 20, "postal_code"),
    ),
}

NOT_A_COLUMN = "Not a column of this search: choose one from the Sort By Column list."
NOT_AN_ORDER = "Choose Ascending or Descending."
NO_SUCH_PAGE = "No such page of results: search again from the first page."
NOTHING_TO_MATCH = "Enter letters or digits to search for."


def column(tab: Tab, key: str) -> Column:
    return next(c for c in COLUMNS[tab] if c.key == key)


@dataclass(frozen=True)
class Keyset:
    """Where a page starts: after (``forward``) or before the row whose sort key and id these are."""

    forward: bool
    key: str
    id: int


@dataclass(frozen=True)
class DirectoryQuery:
    """One search of the Users or Accounts tab: the terms as typed (trimmed, only those given), the
    sort column and order, and the page (``keyset``; None = the first page)."""

    tab: Tab
    terms: dict[str, str]
    sort: str = DEFAULT_SORT
    descending: bool = False
    keyset: Keyset | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def parse(cls, tab: Tab, raw: Mapping[str, Any]) -> DirectoryQuery:
        """The query of ``raw`` (a form's or query string's values). Anything that does not mean
        something to this search — an over-long or unmatchable term, an unknown column or order, a
        cursor that is not one of this search's — is a 400 ``customer.search_invalid`` whose
        ``fields`` name each bad value. Parameters it does not know are ignored (the tab, a page
        the browser adds)."""
        fields: dict[str, list[str]] = {}
        terms: dict[str, str] = {}
        for term in TERMS[tab]:
            value = _text(raw.get(term.key))
            if problem := text_problem(value, limit=term.max_length):
                fields[term.key] = [problem]
            elif value:
                terms[term.key] = value
        sort = _text(raw.get("sort")) or DEFAULT_SORT
        if sort not in SORT_CHOICES[tab]:
            fields["sort"] = [NOT_A_COLUMN]
        order = _text(raw.get("order")).lower() or "asc"
        if order not in ("asc", "desc"):
            fields["order"] = [NOT_AN_ORDER]
        query = cls(tab, terms, sort, order == "desc")
        if not fields:
            fields.update(query._term_problems())
        cursor = _text(raw.get("cursor"))
        if cursor and not fields:
            try:
                query = query.at(_decode(query, cursor))
            except DomainError as exc:
                fields.update(exc.fields)
        if fields:
            raise DomainError(CustomerError.SEARCH_INVALID, "Check the search terms.", status=400, fields=fields)
        return query

    def at(self, keyset: Keyset | None) -> DirectoryQuery:
        return DirectoryQuery(self.tab, self.terms, self.sort, self.descending, keyset, self.limit)

    @property
    def criteria(self) -> search.Criteria:
        """The terms matched through the Find customer index (all but Business Number)."""
        by_criterion = {t.criterion: self.terms.get(t.key, "") for t in TERMS[self.tab] if t.criterion}
        return search.Criteria.parse(by_criterion, strict=True)

    def _term_problems(self) -> dict[str, list[str]]:
        """A term in which nothing can be matched ("!!!"), or a telephone # that is not one."""
        problems: dict[str, list[str]] = {}
        try:
            words = self.criteria.words
        except DomainError as exc:
            problems["phone"] = list(exc.fields.get("phone", [exc.message]))
            words = {}
        for term in TERMS[self.tab]:
            if term.key in problems or term.key not in self.terms:
                continue
            if term.criterion and term.criterion not in words and "phone" not in problems:
                problems[term.key] = [NOTHING_TO_MATCH]
        return problems

    @property
    def signing_salt(self) -> str:
        """A cursor is only good for the search it came from: same tab, column and order."""
        return f"customers.directory:{self.tab}:{self.sort}:{'desc' if self.descending else 'asc'}"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):  # a repeated query parameter: its last value, as a form reads it
        value = value[-1] if value else ""
    return str(value).strip()


def _encode(query: DirectoryQuery, keyset: Keyset) -> str:
    return signing.Signer(salt=query.signing_salt).sign_object(["n" if keyset.forward else "p", keyset.key, keyset.id])


def _decode(query: DirectoryQuery, cursor: str) -> Keyset:
    """The keyset of a cursor this search signed; anything else (cut, edited, another column's or
    order's) is a field error, never a 500."""
    bad = DomainError(CustomerError.SEARCH_INVALID, NO_SUCH_PAGE, status=400, fields={"cursor": [NO_SUCH_PAGE]})
    if len(cursor) > CURSOR_MAX:
        raise bad
    try:
        raw = signing.Signer(salt=query.signing_salt).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise bad from exc
    if (
        not isinstance(raw, list)
        or len(raw) != 3  # direction, key, id
        or raw[0] not in ("n", "p")
        or not isinstance(raw[1], str)
        or not isinstance(raw[2], int)
        or not 0 < raw[2] < 2**63
    ):
        raise bad
    return Keyset(raw[0] == "n", raw[1], raw[2])


@dataclass(frozen=True)
class DirectoryPage:
    customers: list[Customer]
    next_cursor: str  # "" on the last page
    previous_cursor: str  # "" on the first page


def sort_key(field: str) -> Combinable:
    """The expression a column is sorted on, exactly as its index (0008) is built: lower case, and
    on PostgreSQL in the "C" collation."""
    lowered = Lower(F(field))
    return Collate(lowered, "C") if connection.vendor == "postgresql" else lowered


def _stores(ctx: ActingContext) -> list[int]:
    """The stores whose customers ``ctx`` may list: those they serve, for customer service only."""
    return list(stores_served(ctx)) if ctx.user is not None and ctx.has_perm(Priv.USE_SERVICE_CONSOLE) else []


def _scope(stores: list[int], tab: Tab) -> QuerySet[Customer]:
    """The tab's customers of ``stores``."""
    kinds = RawSQL(KIND_SQL[tab], [], output_field=BooleanField())  # noqa: S611 - constant SQL, no input
    return Customer.objects.filter(kinds, store_id__in=stores)


# At most this many matches of the narrowest term, and the database reads them from the Find
# customer index and sorts them (a cost that grows with the matches: ~100 ms for 13,000 at 1M
# customers); more, and it walks the sort index instead, checking each row's terms, and stops at
# the page's end — fast when matches are spread along the sort order, slow when they are not (all
# at its far end): so only for terms too common to sort, where matches are everywhere
# (docs/performance.md, "Users and Accounts search at 1M customers").
SORT_MATCHES_UP_TO = 20_000


# A sort column → the Find customer criterion matched on the same column.
SORTED_AS = {"shared_id": "customer_id", "first_name": "first_name", "last_name": "last_name", "email": "email",
             "phone": "phone", "business_name": "organization"}  # fmt: skip


def _term_rows(term: str, stores: list[int]) -> QuerySet[CustomerSearchTerm]:
    return CustomerSearchTerm.objects.filter(starts_with("term", term), store_id__in=stores)


_FEW = "sort_matches"  # marks a query whose matches are read first, then sorted (see search_directory)


def _matching(qs: QuerySet[Customer], query: DirectoryQuery, stores: list[int]) -> QuerySet[Customer]:
    """``qs`` narrowed to the customers every term's words match by prefix, written for the plan
    that suits how many match: few — the narrowest term's customers are read from its index range
    and sorted; many — the sort index is walked and each row checked (``EXISTS`` on the
    (customer, term) index), which stops after a page."""
    criteria = query.criteria
    terms = [f"{search.FIELDS[c]}:{word}" for c in search.SELECTIVITY for word in criteria.words.get(c, [])]
    if terms:
        counted = {t: _term_rows(t, stores).values("customer_id")[: SORT_MATCHES_UP_TO + 1].count() for t in terms}
        narrowest = min(terms, key=lambda t: counted[t])
        # A term on the sort column itself ("smi" sorted by Last Name): its matches lie together far
        # along the sort index, so walking the index from its start would read most of it first.
        # Read its matches and sort them instead (a cost that grows with its matches).
        on_sort = [t for t in terms if t.startswith(f"{search.FIELDS.get(SORTED_AS.get(query.sort, ''), '')}:")]
        if on_sort:
            narrowest = min(on_sort, key=lambda t: counted[t])
        if counted[narrowest] <= SORT_MATCHES_UP_TO:
            # The ids themselves, not a subquery: PostgreSQL, misjudging a prefix's matches, would
            # otherwise plan a semi-join that walks the sort index from its start.
            ids = _term_rows(narrowest, stores).values_list("customer_id", flat=True)
            qs = qs.filter(id__in=list(ids.distinct())).alias(**{_FEW: Value(1)})
            terms.remove(narrowest)
        elif on_sort:
            qs = qs.filter(id__in=_term_rows(narrowest, stores).values("customer_id")).alias(**{_FEW: Value(1)})
            terms.remove(narrowest)
        elif len(terms) > 1:
            # Each term is common ("eliz", "mi") but together they may be rare: intersect them in
            # the database from index-only range scans (as Find customer does) to know which.
            parts = [_term_rows(t, stores).values_list("customer_id", flat=True) for t in terms]
            both = list(parts[0].intersection(*parts[1:])[: SORT_MATCHES_UP_TO + 1])
            if len(both) <= SORT_MATCHES_UP_TO:
                return _business_number(qs.filter(id__in=both).alias(**{_FEW: Value(1)}), query)
        for term in terms:
            qs = qs.filter(Exists(_term_rows(term, stores).filter(customer_id=OuterRef("pk"))))
    return _business_number(qs, query)


def _business_number(qs: QuerySet[Customer], query: DirectoryQuery) -> QuerySet[Customer]:
    """Business Number is matched on the column (accounts are few next to users)."""
    if number := query.terms.get("business_number"):
        qs = qs.alias(number_key=Lower("business_number")).filter(starts_with("number_key", number.lower()))
    return qs


def search_directory(ctx: ActingContext, query: DirectoryQuery) -> DirectoryPage:
    """One page of the Users or Accounts tab for ``ctx``: the customers of the kinds the tab lists,
    of the stores they serve, matching every term, in the sort's order (ties by id).

    A page is keyset: Next starts after the last row's (key, id), Previous ends before the first
    row's, so any page costs what the first does. One more row than the page is read to know
    whether there is a page beyond in the direction read."""
    stores = _stores(ctx)
    qs = _matching(_scope(stores, query.tab), query, stores)
    key = sort_key(column(query.tab, query.sort).field)
    if _FEW in qs.query.annotations:
        # The matches are read first, then sorted. The key is written so that no index serves the
        # ORDER BY, or PostgreSQL would walk the sort index filtering on the id list instead.
        key = Func(key, template="(%(expressions)s || '')", output_field=CharField())
    qs = qs.annotate(sk=key)
    keyset = query.keyset
    forward = keyset is None or keyset.forward
    # Reading backwards (Previous) walks the index the other way and turns the rows round after.
    descending = query.descending != (not forward)
    if keyset is not None:
        qs = qs.filter(_beyond(keyset, descending=descending))
    ordering = ("-sk", "-id") if descending else ("sk", "id")
    rows = list(qs.order_by(*ordering).only(*LISTED)[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not forward:
        rows.reverse()
    if not rows:
        return DirectoryPage([], "", "")
    first, last = rows[0], rows[-1]
    has_next = more if forward else True
    has_previous = (keyset is not None) if forward else more
    listed: list[Customer] = [*rows]
    return DirectoryPage(
        listed,
        _encode(query, Keyset(True, last.sk, last.pk)) if has_next else "",
        _encode(query, Keyset(False, first.sk, first.pk)) if has_previous else "",
    )


LISTED = ("shared_id", "kind", "status", "store_id", "first_name", "last_name", "email", "phone",
          "organization_name", "business_number", "billing_summary")  # fmt: skip


def _beyond(keyset: Keyset, *, descending: bool) -> Q:
    """Rows past (key, id) in the direction read: ``key >= k AND (key, id) > (k, i)`` (``<=``, ``<``
    when reading downwards). PostgreSQL starts its index walk at the cursor from the row comparison;
    SQLite from the leading bound (it does not seek an expression index by a row value). Written
    as ``key > k OR (key = k AND id > i)``, PostgreSQL would read every row tied on ``k`` before the
    cursor — thousands for a common last name — and filter them out."""
    past = TupleLessThan if descending else TupleGreaterThan
    bound = Q(sk__lte=keyset.key) if descending else Q(sk__gte=keyset.key)
    return bound & Q(past(Tuple(F("sk"), F("id")), (keyset.key, keyset.id)))
