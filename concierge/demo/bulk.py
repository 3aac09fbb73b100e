"""Writing many customers fast, for the demo data and the benchmark generator."""

from __future__ import annotations

import random
from collections.abc import Iterator

from django.contrib.auth.models import Group
from django.db import transaction

from concierge.customers.models import Address, Customer
from concierge.customers.search import index_customers
from concierge.demo.people import person
from concierge.identity.models import User
from concierge.identity.roles import Role
from concierge.stores.models import Store


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
) -> int:
    """Write ``count`` registered customers (user, customer record, default address), numbered
    from ``start``. Existing numbers are skipped, so a re-run with the same numbers adds nothing.
    ``password_hash`` is stored as is ("!" = no usable password)."""
    shopper_group = Group.objects.get(name=Role.SHOPPER.value)
    membership = User.groups.through
    written = 0
    for numbers in _batches(start, count, batch_size):
        rng = random.Random(seed * 1_000_003 + numbers.start)
        people = {
            n: person(rng, n, country="CA" if stores[n % len(stores)].currency == "CAD" else "US") for n in numbers
        }
        shared_ids = {n: f"C{n:09d}" for n in numbers}
        existing = set(Customer.objects.filter(shared_id__in=shared_ids.values()).values_list("shared_id", flat=True))
        todo = [n for n in numbers if shared_ids[n] not in existing]
        if not todo:
            continue
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=people[n].email,
                        first_name=people[n].first_name,
                        last_name=people[n].last_name,
                        password=password_hash,
                    )
                    for n in todo
                ],
                batch_size=1000,
            )
            membership.objects.bulk_create(
                [membership(user_id=u.pk, group_id=shopper_group.pk) for u in users], batch_size=2000
            )
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        shared_id=shared_ids[n],
                        kind=Customer.Kind.REGISTERED_USER,
                        store=stores[n % len(stores)],
                        user=user,
                        first_name=people[n].first_name,
                        last_name=people[n].last_name,
                        email=people[n].email,
                        phone=people[n].phone,
                        preferred_locale=stores[n % len(stores)].locale,
                    )
                    for n, user in zip(todo, users, strict=True)
                ],
                batch_size=1000,
            )
            Address.objects.bulk_create(
                [
                    Address(
                        customer=customer,
                        label="Home",
                        first_name=people[n].first_name,
                        last_name=people[n].last_name,
                        line1=people[n].line1,
                        city=people[n].city,
                        region=people[n].region,
                        postal_code=people[n].postal_code,
                        country=people[n].country,
                        phone=people[n].phone,
                        is_default_billing=True,
                        is_default_shipping=True,
                    )
                    for n, customer in zip(todo, customers, strict=True)
                ],
                batch_size=1000,
            )
            index_customers(customers)
        written += len(todo)
    return written
