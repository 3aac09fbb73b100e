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
from concierge.orders.models import Order
from concierge.orders.tests.builders import placed_order
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


# The staff personas of the role matrix: role, the stores they serve (fixtures), email, first and
# last name (a made-up last name where none is given).
STAFF_PERSONAS: dict[str, tuple[str, tuple[str, ...], str, str, str]] = {
    "csr": ("CSR", ("store",), "ann@concierge.test", "Ann", "Agent"),
    "csr_other_store": ("CSR", ("other_store",), "carla@concierge.test", "Carla", ""),
    "supervisor": ("Supervisor", ("store", "other_store"), "sam@concierge.test", "Sam", ""),
    "seller": ("Seller", ("store",), "sally@concierge.test", "Sally", "Seller"),
    "warehouse": ("Warehouse", ("store",), "will@concierge.test", "Will", ""),
    "administrator": ("Administrator", ("store", "other_store"), "ada@concierge.test", "Ada", ""),
}


def _staff_persona(name: str) -> Callable[..., User]:
    role, stores, email, first_name, last_name = STAFF_PERSONAS[name]

    @pytest.fixture(name=name)
    def persona(request: pytest.FixtureRequest) -> User:
        served = [request.getfixturevalue(store) for store in stores]
        return factories.staff(role, stores=served, email=email, first_name=first_name, last_name=last_name)

    return persona


csr = _staff_persona("csr")
csr_other_store = _staff_persona("csr_other_store")
supervisor = _staff_persona("supervisor")
seller = _staff_persona("seller")
warehouse = _staff_persona("warehouse")
administrator = _staff_persona("administrator")


@pytest.fixture
def order(shopper: Customer, store: Store) -> Order:
    """A placed order of the shopper, as ``orders.tests.builders.placed_order`` builds it."""
    return placed_order(shopper, store)


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


@pytest.fixture(autouse=True)
def _forget_kept_data() -> Iterator[None]:
    """What a process keeps (reference data, people's access) is keyed by ids and rows that each
    test's rolled-back transaction makes again: every test starts with nothing kept."""
    from concierge.core import caching
    from concierge.identity import access

    caching.forget_all()
    access.forget_all()
    yield
    caching.forget_all()
    access.forget_all()
