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
  (``customers.search``: one term's customers are an index range). How a page of them is read
  depends on how many match and where they lie in the sort order (``_plan``): a few are read and
  sorted; a term on the sort column itself is read in that column's order from the term index,
  whose rows carry their column's sort key (``migrations/0010_searchterm_sort_keys.py``); a
  common term walks the sort index checking each row, within a bound past which its matches are
  read and sorted instead. Every plan lists the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import connection, transaction
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
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


# How a search with terms is read (docs/performance.md, "Users and Accounts search at 1M customers").
# Its matches are counted up to this many per term; a term with more is too common to sort (reading
# each match's row costs a fetch) and the sort index is walked instead, each row checked.
SORT_MATCHES_UP_TO = 20_000
# Fewer matches than this of the narrowest term, and they are always read and sorted: cheaper than
# any walk, and a term searched on the sort column is left to that term's own order only above it.
FEW_MATCHES = 500
# Walking the sort index until a page of matches is found reads about PAGE * N / M rows for M
# matches of N customers spread along the sort order; it is tried when that is fewer than the M
# rows a sort reads, and stops at WALK_MARGIN times what it should read: matches bunched in the
# sort order (an email prefix sorted by First Name: emails start with the first name) are then
# read and sorted instead.
WALK_MARGIN = 4
WALK_ROWS_AT_LEAST = 1_000


# A sort column → the Find customer criterion matched on the same column, whose term rows carry
# that column's sort key (migrations/0010_searchterm_sort_keys.py).
SORTED_AS = {"shared_id": "customer_id", "first_name": "first_name", "last_name": "last_name", "email": "email",
             "phone": "phone", "business_name": "organization"}  # fmt: skip


def _term_rows(term: str, stores: list[int]) -> QuerySet[CustomerSearchTerm]:
    return CustomerSearchTerm.objects.filter(starts_with("term", term), store_id__in=stores)


@dataclass(frozen=True)
class _Plan:
    """How one page is read: ``qs`` (the tab's customers narrowed by the terms it filters on) in
    the sort index's order (``walk``, up to ``bound`` rows past the keyset if given), or sorted by
    a key no index serves (``sort``), or in the order of ``term``'s rows (``term``)."""

    qs: QuerySet[Customer]
    scope: QuerySet[Customer]  # the tab's customers of the stores, before any term
    shape: str  # "index" (no terms), "walk", "sort" or "term"
    term: str = ""
    walk_rows: int = 0  # the most rows a walk reads before the matches are sorted instead (0: no bound)
    fallback: Callable[[], QuerySet[Customer]] | None = None  # the sorted read, when a bounded walk falls short


def _exists(qs: QuerySet[Customer], terms: list[str], stores: list[int]) -> QuerySet[Customer]:
    for term in terms:
        qs = qs.filter(Exists(_term_rows(term, stores).filter(customer_id=OuterRef("pk"))))
    return qs


def _customers_estimate() -> int:
    """About how many customers there are (the highest id: one index read)."""
    return Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _plan(qs: QuerySet[Customer], query: DirectoryQuery, stores: list[int]) -> _Plan:
    """The plan of ``query``, by how many customers its narrowest term matches (``M``) and where
    they lie in the sort order:

    * no terms — walk the sort index;
    * ``M`` < FEW_MATCHES — read the matches and sort them;
    * a term on the sort column itself ("smi" in Last Name sorted by Last Name), whose matches are
      bunched in the sort order — read that term's rows in the column's order from its index
      (they carry the column's sort key), checking the other terms on each customer;
    * otherwise walk the sort index checking each row's terms, when that reads fewer rows than
      sorting (bounded, sorting instead if the matches turn out bunched), else sort.
    """
    criteria = query.criteria
    terms = [f"{search.FIELDS[c]}:{word}" for c in search.SELECTIVITY for word in criteria.words.get(c, [])]
    if not terms:
        return _Plan(_business_number(qs, query), qs, "index")
    counted = {t: _term_rows(t, stores).values("customer_id")[: SORT_MATCHES_UP_TO + 1].count() for t in terms}
    narrowest = min(terms, key=lambda t: counted[t])
    fewest = counted[narrowest]

    def sorted_read(matches: list[int] | None = None) -> QuerySet[Customer]:
        rest = [t for t in terms if t != narrowest] if matches is None else []
        if matches is not None:
            narrowed = qs.filter(id__in=matches)
        elif connection.vendor == "postgresql":
            # The ids themselves, as one array: PostgreSQL, misjudging a prefix's matches, would
            # plan a subquery as a semi-join that walks the sort index from its start.
            ids = list(_term_rows(narrowest, stores).values_list("customer_id", flat=True).distinct())
            narrowed = qs.filter(RawSQL('"customers_customer"."id" = ANY(%s)', [ids], output_field=BooleanField()))
        else:  # SQLite reads the subquery's rows first, then each customer by id
            narrowed = qs.filter(id__in=_term_rows(narrowest, stores).values("customer_id"))
        return _business_number(_exists(narrowed, rest, stores), query)

    if fewest < FEW_MATCHES and fewest <= SORT_MATCHES_UP_TO:
        return _Plan(sorted_read(), qs, "sort")
    tag = search.FIELDS.get(SORTED_AS.get(query.sort, ""), "")
    on_sort = [t for t in terms if tag and t.startswith(f"{tag}:")]
    if on_sort:
        term = min(on_sort, key=lambda t: counted[t])
        rest = [t for t in terms if t != term]
        return _Plan(_business_number(_exists(qs, rest, stores), query), qs, "term", term=term)
    if fewest > SORT_MATCHES_UP_TO and len(terms) > 1:
        # Each term is common ("eliz", "mi") but together they may be rare: intersect them in the
        # database from index-only range scans (as Find customer does) to know which.
        parts = [_term_rows(t, stores).values_list("customer_id", flat=True) for t in terms]
        both = list(parts[0].intersection(*parts[1:])[: SORT_MATCHES_UP_TO + 1])
        if len(both) < FEW_MATCHES:
            return _Plan(sorted_read(both), qs, "sort")
    walked = _business_number(_exists(qs, terms, stores), query)
    if fewest > SORT_MATCHES_UP_TO:
        return _Plan(walked, qs, "walk")
    expected = query.limit * _customers_estimate() // max(fewest, 1)
    if expected >= fewest:
        return _Plan(sorted_read(), qs, "sort")
    return _Plan(walked, qs, "walk", walk_rows=max(expected * WALK_MARGIN, WALK_ROWS_AT_LEAST), fallback=sorted_read)


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
    plan = _plan(_scope(stores, query.tab), query, stores)
    keyset = query.keyset
    forward = keyset is None or keyset.forward
    # Reading backwards (Previous) walks the index the other way and turns the rows round after.
    descending = query.descending != (not forward)
    field = column(query.tab, query.sort).field
    if plan.shape == "term":
        rows = _in_term_order(plan.qs, plan.term, stores, keyset, descending=descending, limit=query.limit)
    elif plan.shape == "sort":
        rows = _read(plan.qs, _unindexed(sort_key(field)), keyset, descending=descending, limit=query.limit)
    else:
        bound = _walk_bound(plan, field, keyset, descending=descending) if plan.walk_rows else None
        with _serial() if plan.shape == "walk" else nullcontext():
            rows = _read(plan.qs, sort_key(field), keyset, descending=descending, limit=query.limit, bound=bound)
        if bound is not None and len(rows) <= query.limit and plan.fallback is not None:
            # The page's matches are not all within the bound: they are bunched further on.
            rows = _read(plan.fallback(), _unindexed(sort_key(field)), keyset, descending=descending,
                         limit=query.limit)  # fmt: skip
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


@contextmanager
def _serial() -> Iterator[None]:
    """On PostgreSQL, a walk planned without parallel workers: its estimate of the rows it reads
    is far above the page it stops at, and starting workers for it cost ~90 ms on a loaded machine
    where the walk itself takes a few (a transaction's setting, so only this statement's)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _unindexed(key: Combinable) -> Combinable:
    """``key`` written so that no index serves an ORDER BY on it: the matches are read first, then
    sorted, or PostgreSQL would walk the sort index filtering on the id list instead."""
    return Func(key, template="(%(expressions)s || '')", output_field=CharField())


def _read(
    qs: QuerySet[Customer],
    key: Combinable,
    keyset: Keyset | None,
    *,
    descending: bool,
    limit: int,
    bound: Keyset | None = None,
) -> list[Any]:
    """The first ``limit + 1`` rows of ``qs`` past ``keyset`` in (key, id) order (descending: the
    other way), and not past ``bound``."""
    qs = qs.annotate(sk=key)
    if keyset is not None:
        qs = qs.filter(_beyond(keyset, descending=descending))
    if bound is not None:
        qs = qs.filter(_within(bound, descending=descending))
    ordering = ("-sk", "-id") if descending else ("sk", "id")
    return list(qs.order_by(*ordering).only(*LISTED)[: limit + 1])


def _walk_bound(plan: _Plan, field: str, keyset: Keyset | None, *, descending: bool) -> Keyset | None:
    """The (key, id) of the ``plan.walk_rows``-th row of the tab past ``keyset``: where a walk gives
    up (read from the sort index alone); None when the tab ends before it."""
    qs = plan.scope.annotate(sk=sort_key(field))
    if keyset is not None:
        qs = qs.filter(_beyond(keyset, descending=descending))
    ordering = ("-sk", "-id") if descending else ("sk", "id")
    found = list(qs.order_by(*ordering).values_list("sk", "id")[plan.walk_rows - 1 : plan.walk_rows])
    return Keyset(not descending, found[0][0], found[0][1]) if found else None


def _in_term_order(
    qs: QuerySet[Customer], term: str, stores: list[int], keyset: Keyset | None, *, descending: bool, limit: int
) -> list[Any]:
    """The first ``limit + 1`` customers of ``qs`` matching ``term``, in the order of the sort key its
    rows carry (the sort column's: the term is on that column), past ``keyset``.

    The term's rows are read from its index in that order (``customers_searchterm_sorted``: one
    range, sorted on the index's own columns), a batch at a time, and each batch's customers are
    checked against ``qs`` (the tab's kinds, the other terms); a batch grows fourfold while too few
    of them pass."""
    key = RawSQL('"customers_customersearchterm"."sort_key"', [], output_field=CharField())
    rows = _term_rows(term, stores).annotate(sk=key)
    ordering = ("-sk", "-customer_id") if descending else ("sk", "customer_id")
    found: list[Any] = []  # customers, each with its sort key as ``sk``
    at = keyset
    batch = limit + 1
    while len(found) <= limit:
        read = rows if at is None else rows.filter(_beyond(at, descending=descending, id_field="customer_id"))
        # No DISTINCT (a customer with two words under the prefix has two rows): the database
        # then sorts the range's rows for the first ``batch`` alone, and the repeats are dropped here.
        read_rows = list(read.order_by(*ordering).values_list("sk", "customer_id")[:batch])
        if not read_rows:
            break
        candidates = list(dict.fromkeys(read_rows))
        passed: dict[int, Any] = {c.pk: c for c in qs.filter(id__in=[i for _, i in candidates]).only(*LISTED)}
        for sk, customer_id in candidates:
            if customer_id in passed:
                passed[customer_id].sk = sk
                found.append(passed.pop(customer_id))
        if len(read_rows) < batch:
            break
        at = Keyset(not descending, *read_rows[-1])
        batch *= 4
    return found[: limit + 1]


LISTED = ("shared_id", "kind", "status", "store_id", "first_name", "last_name", "email", "phone",
          "organization_name", "business_number", "billing_summary")  # fmt: skip


def _beyond(keyset: Keyset, *, descending: bool, id_field: str = "id") -> Q:
    """Rows past (key, id) in the direction read: ``key >= k AND (key, id) > (k, i)`` (``<=``, ``<``
    when reading downwards). PostgreSQL starts its index walk at the cursor from the row comparison;
    SQLite from the leading bound (it does not seek an expression index by a row value). Written
    as ``key > k OR (key = k AND id > i)``, PostgreSQL would read every row tied on ``k`` before the
    cursor — thousands for a common last name — and filter them out."""
    past = TupleLessThan if descending else TupleGreaterThan
    bound = Q(sk__lte=keyset.key) if descending else Q(sk__gte=keyset.key)
    return bound & Q(past(Tuple(F("sk"), F(id_field)), (keyset.key, keyset.id)))


def _within(bound: Keyset, *, descending: bool) -> Q:
    """Rows not past (key, id) in the direction read: where a bounded walk stops."""
    if descending:
        return Q(sk__gte=bound.key) & Q(TupleGreaterThanOrEqual(Tuple(F("sk"), F("id")), (bound.key, bound.id)))
    return Q(sk__lte=bound.key) & Q(TupleLessThanOrEqual(Tuple(F("sk"), F("id")), (bound.key, bound.id)))
