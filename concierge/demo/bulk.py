"""Writing many customers fast, for the demo data and the benchmark generator."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import Group
from django.utils import timezone

from concierge.core.progress import progress_bar
from concierge.customers.models import Address, Customer
from concierge.customers.search import customer_terms
from concierge.customers.services import billing_summary
from concierge.demo.bulk_load import bulk_load, is_large
from concierge.demo.people import Person, person
from concierge.identity.roles import Role
from concierge.stores.models import Store

CUSTOMER_TABLES = ["identity_user", "identity_user_groups", "customers_customer", "customers_address",
                   "customers_customersearchterm"]  # fmt: skip
USER_COLUMNS = ["id", "email", "first_name", "last_name", "password", "is_superuser", "is_active", "is_staff",
                "date_joined", "session_epoch"]  # fmt: skip
CUSTOMER_COLUMNS = ["id", "shared_id", "kind", "status", "store_id", "user_id", "first_name", "last_name",
                    "organization_name", "business_number", "billing_summary", "email", "phone", "preferred_locale",
                    "assistance_opt_out", "created_at", "updated_at", "version"]  # fmt: skip
ADDRESS_COLUMNS = ["id", "customer_id", "label", "first_name", "last_name", "line1", "line2", "city", "region",
                   "postal_code", "country", "phone", "is_default_billing", "is_default_shipping"]  # fmt: skip


@dataclass(frozen=True)
class _Searched:
    """What ``customer_terms`` reads of a customer, without building a model instance."""

    shared_id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    organization_name: str = ""


def _record(**values: str) -> Customer:
    return cast("Customer", _Searched(**values))


@dataclass(frozen=True)
class _Billing:
    """What ``billing_summary`` reads of an address, without building a model instance."""

    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


def _billing_line(p: Person) -> str:
    """The customer's Default Billing Address line, as the Users search shows and sorts it."""
    return billing_summary(cast("Address", _Billing(p.line1, p.city, p.postal_code, p.country)))


def _batches(start: int, count: int, size: int) -> Iterator[range]:
    for first in range(start, start + count, size):
        yield range(first, min(first + size, start + count))


def write_customers(
    *,
    stores: list[Store],
    count: int,
    start: int = 1,
    seed: int = 1,
    password_hash: str = "!",
    batch_size: int = 5000,
    rebuild_indexes: bool | None = None,
    progress: bool = False,
) -> int:
    """Write ``count`` registered customers (user with the Shopper role, customer record, default
    address, Find customer terms), numbered from ``start``, in one load (``bulk_load``). Existing
    numbers are skipped, so a re-run with the same numbers adds nothing. ``password_hash`` is stored
    as is ("!" = no usable password). The people depend on ``seed`` and on each number's batch of
    ``batch_size``, not on what exists. ``rebuild_indexes``: drop the secondary indexes and build them
    after (``None``: when the load is large)."""
    if count <= 0:
        return 0
    shopper_group = Group.objects.get(name=Role.SHOPPER.value).pk
    wanted = [f"C{n:09d}" for n in (start, start + count - 1)]
    existing = set(
        Customer.objects.filter(shared_id__gte=wanted[0], shared_id__lte=wanted[1]).values_list("shared_id", flat=True)
    )
    if len(existing) >= count:
        return 0
    if rebuild_indexes is None:
        rebuild_indexes = is_large(count - len(existing), Customer.objects.count())
    written = 0
    with (
        bulk_load(CUSTOMER_TABLES, rebuild_indexes=rebuild_indexes, progress=progress) as load,
        progress_bar("customers", total=count - len(existing), unit="customers", enabled=progress) as bar,
    ):
        now = load.stamp(timezone.now())
        names: dict[tuple[str, str], set[str]] = {}
        for numbers in _batches(start, count, batch_size):
            rng = random.Random(seed * 1_000_003 + numbers.start)
            people: dict[int, Person] = {}
            for n in numbers:
                store = stores[n % len(stores)]
                people[n] = person(rng, n, country="CA" if store.currency == "CAD" else "US")
            todo = [n for n in numbers if f"C{n:09d}" not in existing]
            if not todo:
                continue
            user_ids = load.ids("identity_user", len(todo))
            customer_ids = load.ids("customers_customer", len(todo))
            users, members, customers, addresses, terms = [], [], [], [], []
            for n, user_id, customer_id, address_id, member_id in zip(
                todo, user_ids, customer_ids, load.ids("customers_address", len(todo)),
                load.ids("identity_user_groups", len(todo)), strict=True,
            ):  # fmt: skip
                p, store = people[n], stores[n % len(stores)]
                shared_id = f"C{n:09d}"
                users.append((user_id, p.email, p.first_name, p.last_name, password_hash, False, True, False, now, 0))
                members.append((member_id, user_id, shopper_group))
                customers.append((customer_id, shared_id, Customer.Kind.REGISTERED_USER.value,
                                  Customer.Status.ACTIVE.value, store.pk, user_id, p.first_name, p.last_name, "", "",
                                  _billing_line(p), p.email, p.phone, store.locale, False, now, now, 1))  # fmt: skip
                addresses.append((address_id, customer_id, "Home", p.first_name, p.last_name, p.line1, "", p.city,
                                  p.region, p.postal_code, p.country, p.phone, True, True))  # fmt: skip
                # The Find customer terms, as index_customers writes them (the address's postal code and
                # phone too); a name's terms are worked out once.
                name = (p.first_name, p.last_name)
                if name not in names:
                    names[name] = customer_terms(_record(first_name=p.first_name, last_name=p.last_name))
                own = customer_terms(_record(shared_id=shared_id, email=p.email, phone=p.phone), [p.postal_code],
                                     [p.phone])  # fmt: skip
                terms += [(term, store.pk, customer_id) for term in sorted(names[name] | own)]
            load.write("identity_user", USER_COLUMNS, users)
            load.write("identity_user_groups", ["id", "user_id", "group_id"], members)
            load.write("customers_customer", CUSTOMER_COLUMNS, customers)
            load.write("customers_address", ADDRESS_COLUMNS, addresses)
            term_ids = load.ids("customers_customersearchterm", len(terms))
            load.write(
                "customers_customersearchterm",
                ["id", "term", "store_id", "customer_id"],
                (
                    (term_id, term, store_id, customer_id)
                    for term_id, (term, store_id, customer_id) in zip(term_ids, terms, strict=True)
                ),
            )
            written += len(todo)
            bar.update(len(todo))
    return written
