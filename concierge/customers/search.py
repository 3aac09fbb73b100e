"""Find customer (seed 000 step 3): prefix search by name, email, phone, postal code, customer ID
and organization, case- and accent-insensitive, over the stores a staff member serves.

Each searchable value is normalised into field-tagged terms (``CustomerSearchTerm``). One term
walks its prefix's index range and stops after ``limit + 1`` customers; several are intersected in
the database from index-only range scans (docs/performance.md, "Find customer").
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from concierge.core.errors import CommonError, DomainError
from concierge.customers.models import Address, Customer, CustomerSearchTerm
from concierge.stores.models import Store
from concierge.stores.selectors import stores_named

MAX_TERM = 70
RESULT_LIMIT = 20

# The Find customer criteria, as both faces offer them: field → (label, longest value accepted).
# The console's form and the API's query are built from this one table.
FIND_FIELDS: dict[str, tuple[str, int]] = {
    "first_name": ("First name", 80),
    "last_name": ("Last name", 80),
    "email": ("Email", 254),
    "phone": ("Phone", 32),
    "postal_code": ("Postal code", 20),
    "customer_id": ("Customer ID", 32),
    "organization": ("Organization", 160),
}
PHONE_MESSAGE = "Enter a phone number: digits, spaces and + - ( ) . only, at least 3 digits."
# Digits and phone punctuation, at least three digits, blank around (the API's schema says so too).
PHONE_PATTERN = r"^ *(\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9][0-9 ().\-/]*)? *$"
_PHONE = re.compile(PHONE_PATTERN)


def looks_like_phone(text: str) -> bool:
    """A phone number as people type one ("+1 (555) 010-4477", "5550104477"): only digits and phone
    punctuation, with at least three digits. A cart code ("ED4NSHEJ") or a name is not one."""
    return bool((text or "").strip()) and _PHONE.fullmatch(text or "") is not None


# Criterion → the tag its terms carry. Email and customer ID are matched whole (by prefix), names
# word by word, phone numbers by their digits.
FIELDS: dict[str, str] = {
    "first_name": "f",
    "last_name": "l",
    "email": "e",
    "phone": "p",
    "postal_code": "z",
    "customer_id": "i",
    "organization": "o",
}
# The order terms are listed in (most selective first).
SELECTIVITY = ["customer_id", "email", "phone", "postal_code", "last_name", "organization", "first_name"]

_WORD = re.compile(r"[a-z0-9]+")
_WHOLE = re.compile(r"[^a-z0-9@._+\-]")


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def normalise(field: str, value: str) -> list[str]:
    """The search words of one value: ``("last_name", "de la Peña")`` → ``["de", "la", "pena"]``."""
    plain = _plain(value or "")
    if field in ("email", "customer_id"):
        word = _WHOLE.sub("", plain)
        return [word[:MAX_TERM]] if word else []
    if field == "phone":
        # Found with or without the country code, or by the local number alone.
        digits = "".join(ch for ch in plain if ch.isdigit())[:MAX_TERM]
        return list(dict.fromkeys(d for d in (digits, digits[-10:], digits[-7:]) if d)) if digits else []
    if field == "postal_code":
        word = "".join(_WORD.findall(plain))
        return [word[:MAX_TERM]] if word else []
    return [w[:MAX_TERM] for w in _WORD.findall(plain)]


def customer_terms(customer: Customer, postal_codes: Iterable[str] = (), phones: Iterable[str] = ()) -> set[str]:
    values: dict[str, list[str]] = {
        "first_name": [customer.first_name],
        "last_name": [customer.last_name],
        "email": [customer.email],
        "phone": [customer.phone, *phones],
        "postal_code": list(postal_codes),
        "customer_id": [customer.shared_id],
        "organization": [customer.organization_name],
    }
    return {
        f"{FIELDS[field]}:{word}"
        for field, texts in values.items()
        for text in texts
        for word in normalise(field, text)
    }


def index_customers(customers: Iterable[Customer]) -> None:
    """Rebuild the Find customer terms of ``customers`` (call after changing them or their addresses)."""
    customers = list(customers)
    if not customers:
        return
    extras: dict[int, tuple[set[str], set[str]]] = {c.pk: (set(), set()) for c in customers}
    for customer_id, postal_code, phone in Address.objects.filter(customer__in=customers).values_list(
        "customer_id", "postal_code", "phone"
    ):
        extras[customer_id][0].add(postal_code)
        extras[customer_id][1].add(phone)
    with transaction.atomic():
        CustomerSearchTerm.objects.filter(customer__in=customers).delete()
        CustomerSearchTerm.objects.bulk_create(
            [
                CustomerSearchTerm(term=term, store_id=c.store_id, customer=c)
                for c in customers
                for term in sorted(customer_terms(c, *extras[c.pk]))
            ],
            batch_size=2000,
        )


def _prefix(term: str) -> QuerySet[CustomerSearchTerm]:
    if connection.vendor == "postgresql":
        return CustomerSearchTerm.objects.filter(term__startswith=term)  # LIKE 'x%' on varchar_pattern_ops
    # SQLite: a range on the BINARY-collated column uses the index; every term character sorts
    # below "{", so every term with this prefix sorts below prefix + "{".
    return CustomerSearchTerm.objects.filter(term__gte=term, term__lt=term + "{")


@dataclass(frozen=True)
class Criteria:
    """The words searched for, per field (only those given)."""

    words: dict[str, list[str]]

    @classmethod
    def parse(cls, raw: Mapping[str, str], *, strict: bool = False) -> Criteria:
        """The criteria of ``raw``. A phone value that does not look like a phone number is no
        phone criterion (a one-box search tries it as a phone too); ``strict`` (a Find customer
        form) refuses it with a field error instead."""
        phone = raw.get("phone", "") or ""
        if phone.strip(" ") and not looks_like_phone(phone):
            if strict:
                raise DomainError(CommonError.REQUEST_INVALID, PHONE_MESSAGE, status=422,
                                  fields={"phone": [PHONE_MESSAGE]})  # fmt: skip
            raw = {**raw, "phone": ""}
        words = {field: normalise(field, raw.get(field, "") or "") for field in FIELDS}
        if words["phone"]:
            words["phone"] = words["phone"][:1]  # what was typed, not its suffixes
        return cls({field: found[:4] for field, found in words.items() if found})

    def __bool__(self) -> bool:
        return bool(self.words)


@dataclass(frozen=True)
class FindResult:
    customers: list[Customer]
    more: bool  # more than the limit matched: ask for more criteria
    # Each customer's postal code as the results show it: their first address's (by customer id).
    postal_codes: Mapping[int, str] = dataclasses.field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[Customer, str]]:
        """Each customer found with their postal code ("" without an address)."""
        return [(customer, self.postal_codes.get(customer.pk, "")) for customer in self.customers]


def _walk(terms: QuerySet[CustomerSearchTerm], limit: int) -> list[int]:
    """The first ``limit + 1`` customers of one prefix's index range.

    A customer can have several terms under the prefix ("Anna Annabel"): dedupe while reading. No
    ORDER BY: the database walks the range and stops once enough rows are read (the page is sorted
    by name afterwards); on PostgreSQL the pattern index cannot serve an ORDER BY, so one would sort
    every match. One statement of ``limit * 4`` rows finds them all but for a range where a few
    customers hold most of the terms; that one is read on in chunks. A chunked read (``iterator()``)
    from the start cost three statements on PostgreSQL, whose cursor ``WITH HOLD`` reads the whole
    range when it is declared: 1.7 to 1.9 ms for a 4-letter email prefix of 2,900 terms, against
    0.3 to 0.4 ms for the one statement.
    """
    chunk = limit * 4
    values = terms.order_by().values_list("customer_id", flat=True)
    first = list(values[:chunk])
    ids = list(dict.fromkeys(first))
    if len(ids) > limit or len(first) < chunk:
        return ids[: limit + 1]
    ids = []
    for customer_id in values.iterator(chunk_size=chunk):
        if customer_id not in ids:
            ids.append(customer_id)
            if len(ids) > limit:
                break
    return ids


def find_customers(criteria: Criteria, *, store_ids: Iterable[int], limit: int = RESULT_LIMIT) -> FindResult:
    """At most ``limit`` customers of ``store_ids`` matching every criterion word by prefix."""
    store_ids = list(store_ids)
    if not criteria or not store_ids:
        return FindResult([], False)
    terms = [
        f"{FIELDS[field]}:{word}" for field in SELECTIVITY if field in criteria.words for word in criteria.words[field]
    ]
    if len(terms) == 1:
        ids = _walk(_prefix(terms[0]).filter(store_id__in=store_ids), limit)
    else:
        # Every term's customers, intersected in the database (index-only range scans, as the
        # product keyword search does, ADR 0005). Checking the other terms per customer while
        # walking the first one's range was 3 to 5 times slower in the tail at 1M customers, where
        # a common surname prefix walks thousands of rows before twenty match a first name too.
        parts = [_prefix(term).filter(store_id__in=store_ids).values_list("customer_id", flat=True) for term in terms]
        ids = list(parts[0].intersection(*parts[1:])[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    found = list(Customer.objects.filter(pk__in=ids))
    # Their stores as every console page reads them, kept per process (stores_named) and shared by
    # the requests that read them: read, never changed through a customer found. A store newer than
    # the process's copy is read once for all its customers.
    wanted = {customer.store_id for customer in found}
    stores = {store.pk: store for store in stores_named(wanted)}
    if missing := wanted - stores.keys():
        stores |= Store.objects.in_bulk(missing)
    for customer in found:
        customer.store = stores[customer.store_id]
    # The first address's postal code only: reading every address as objects (a prefetch) cost as
    # much as the page's other rows together, for one field of one of them.
    postal_codes: dict[int, str] = {}
    for customer_id, postal_code in (
        Address.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "id")
        .values_list("customer_id", "postal_code")
    ):
        postal_codes.setdefault(customer_id, postal_code)
    ordered = sorted(found, key=lambda c: (c.last_name.casefold(), c.first_name.casefold(), c.pk))
    return FindResult(ordered, more, postal_codes)
