"""Fixtures shared by every test: the personas of the role matrix and an injectable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest
from django.test import Client

from concierge.core import clock as clock_module
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.stores.models import Store
from concierge.testing import factories


@pytest.fixture
def store(db: None) -> Store:
    return factories.store(code="us", name="Northwind Outfitters", currency="USD", is_default=True)


@pytest.fixture
def other_store(db: None) -> Store:
    return factories.store(code="ca", name="Northwind Outfitters Canada", currency="CAD", locale="en_CA")


@pytest.fixture
def shopper(store: Store) -> Customer:
    return factories.shopper(store=store, email="jane@example.com", first_name="Jane", last_name="Shopper")


@pytest.fixture
def other_shopper(store: Store) -> Customer:
    return factories.shopper(store=store, email="omar@example.com", first_name="Omar", last_name="Other")


@pytest.fixture
def csr(store: Store) -> User:
    return factories.staff("CSR", stores=[store], email="ann@concierge.test", first_name="Ann", last_name="Agent")


@pytest.fixture
def csr_other_store(other_store: Store) -> User:
    return factories.staff("CSR", stores=[other_store], email="carla@concierge.test", first_name="Carla")


@pytest.fixture
def supervisor(store: Store, other_store: Store) -> User:
    return factories.staff("Supervisor", stores=[store, other_store], email="sam@concierge.test", first_name="Sam")


@pytest.fixture
def seller(store: Store) -> User:
    return factories.staff(
        "Seller", stores=[store], email="sally@concierge.test", first_name="Sally", last_name="Seller"
    )


@pytest.fixture
def warehouse(store: Store) -> User:
    return factories.staff("Warehouse", stores=[store], email="will@concierge.test", first_name="Will")


@pytest.fixture
def administrator(store: Store, other_store: Store) -> User:
    return factories.staff("Administrator", stores=[store, other_store], email="ada@concierge.test", first_name="Ada")


@pytest.fixture
def system_ctx(store: Store) -> ActingContext:
    return ActingContext.system("tests", store=store)


@pytest.fixture
def signed_in(client: Client) -> Callable[[User], Client]:
    """``signed_in(user)`` signs ``user`` in on the test client and returns the client."""

    def sign_in(user: User) -> Client:
        client.force_login(user, backend="concierge.identity.backends.EmailBackend")
        return client

    return sign_in


@pytest.fixture
def clock() -> Iterator[ModuleType]:
    """The injectable clock, pinned at the real time; ``clock.advance(timedelta)`` moves it."""
    with clock_module.frozen():
        yield clock_module
