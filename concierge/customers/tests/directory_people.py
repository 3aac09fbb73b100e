"""The people of the Users and Accounts search tests: each sort column orders them differently, and
their text mixes capitals and lower case, so a byte-order (case-sensitive) sort would be seen."""

from __future__ import annotations

from dataclasses import dataclass

from concierge.customers.models import Customer
from concierge.customers.search import index_customers
from concierge.stores.models import Store
from concierge.testing import factories

USERS = {
    "A": {"shared_id": "S-001", "first_name": "dora", "last_name": "Young", "email": "Bob@x.test",
          "phone": "555-0102", "billing_summary": "3 Oak St, Austin 78701 US"},
    "B": {"shared_id": "S-002", "first_name": "Cleo", "last_name": "adams", "email": "dan@x.test",
          "phone": "555-0101", "billing_summary": "1 Ash St, Austin 78702 US"},
    "C": {"shared_id": "S-003", "first_name": "ann", "last_name": "Moss", "email": "ari@x.test",
          "phone": "555-0103", "billing_summary": "4 Pine St, Austin 78703 US"},
    # A guest (single-session) shopper is a user too.
    "D": {"shared_id": "S-004", "first_name": "Bea", "last_name": "kim", "email": "cy@x.test",
          "phone": "555-0104", "billing_summary": "2 Elm St, Austin 78704 US"},
}  # fmt: skip
# Each Users sort column (ascending) → the people in that order.
USER_ORDERS = {
    "shared_id": "ABCD",
    "first_name": "CDBA",
    "last_name": "BDCA",
    "email": "CADB",
    "phone": "BACD",
    "billing_address": "BDAC",
}
ACCOUNTS = {
    "P": {"shared_id": "A-001", "organization_name": "zephyr Ltd", "business_number": "BN-2",
          "billing_summary": "1 Main St, Austin 78701 US"},
    "Q": {"shared_id": "A-002", "organization_name": "Acme", "business_number": "bn-3",
          "billing_summary": "3 Main St, Austin 78701 US"},
    "R": {"shared_id": "A-003", "organization_name": "baker co", "business_number": "BN-1",
          "billing_summary": "2 Main St, Austin 78701 US"},
}  # fmt: skip
ACCOUNT_ORDERS = {
    "shared_id": "PQR",
    "business_name": "QRP",
    "business_number": "RPQ",
    "billing_address": "PRQ",
}


@dataclass(frozen=True)
class Directory:
    people: dict[str, Customer]
    elsewhere: Customer  # a user of the other store

    def shared_ids(self, letters: str) -> list[str]:
        return [self.people[letter].shared_id for letter in letters]


def build(store: Store, other_store: Store) -> Directory:
    """The four users and three accounts of ``store``, and one user of ``other_store``."""
    people: dict[str, Customer] = {}
    for letter, values in USERS.items():
        kind = Customer.Kind.SINGLE_SESSION_USER if letter == "D" else Customer.Kind.REGISTERED_USER
        people[letter] = Customer.objects.create(kind=kind, store=store, **values)
    for letter, values in ACCOUNTS.items():
        people[letter] = Customer.objects.create(kind=Customer.Kind.ACCOUNT, store=store, **values)
    # Postal codes are searched through the addresses (the Find customer index).
    factories.address(people["C"], postal_code="78703", is_default_billing=True)
    factories.address(people["Q"], postal_code="10001", is_default_billing=True)
    index_customers(people.values())
    elsewhere = Customer.objects.create(store=other_store, shared_id="S-900", first_name="Eve", last_name="Adams",
                                        email="eve@x.test")  # fmt: skip
    index_customers([elsewhere])
    return Directory(people, elsewhere)
