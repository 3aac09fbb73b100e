"""Builders of valid objects for tests, through the same paths the product uses where it matters."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils.text import slugify

from concierge.catalog.models import Category, Price, PriceList, Product, Sku
from concierge.catalog.search import index_products
from concierge.customers.models import Address, Contract, Customer, SellerAssignment
from concierge.customers.search import index_customers
from concierge.identity.models import User
from concierge.stores.models import Store

PASSWORD = "correct horse battery staple"  # noqa: S105 - the test personas' published password
_numbers = itertools.count(1)


def store(*, code: str, name: str, currency: str = "USD", locale: str = "en_US", is_default: bool = False) -> Store:
    return Store.objects.create(code=code, name=name, currency=currency, locale=locale, is_default=is_default)


def staff(
    role: str, *, stores: Iterable[Store] = (), email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    n = next(_numbers)
    user = User.objects.create_user(
        email or f"staff{n}@concierge.test",
        PASSWORD,
        first_name=first_name or role,
        last_name=last_name or f"Member{n}",
        is_staff=role == "Administrator",
    )
    user.groups.add(Group.objects.get(name=role))
    user.stores.set(list(stores))
    return user


def shopper(
    *, store: Store, email: str = "", first_name: str = "Pat", last_name: str = "", with_address: bool = True
) -> Customer:
    n = next(_numbers)
    user = User.objects.create_user(
        email or f"shopper{n}@example.com", PASSWORD, first_name=first_name, last_name=last_name or f"Shopper{n}"
    )
    user.groups.add(Group.objects.get(name="Shopper"))
    customer = Customer.objects.create(
        shared_id=f"T{n:09d}",
        store=store,
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
    )
    if with_address:
        address(customer, is_default_billing=True, is_default_shipping=True)
    index_customers([customer])
    return customer


def organization(*, store: Store, name: str, seller: User | None = None, contract: str = "") -> Customer:
    n = next(_numbers)
    org = Customer.objects.create(
        shared_id=f"A{n:09d}", kind=Customer.Kind.ACCOUNT, store=store, organization_name=name
    )
    if seller is not None:
        SellerAssignment.objects.create(seller=seller, organization=org)
    if contract:
        Contract.objects.create(organization=org, number=contract)
    index_customers([org])
    return org


def address(customer: Customer, **overrides: object) -> Address:
    fields: dict[str, object] = {
        "first_name": customer.first_name or "Accounts",
        "last_name": customer.last_name or "Payable",
        "line1": "100 Congress Ave",
        "city": "Austin",
        "region": "TX",
        "postal_code": "78701",
        "country": "US",
    }
    fields.update(overrides)
    created = Address.objects.create(customer=customer, **fields)
    index_customers([customer])
    return created


def product(
    *,
    store: Store,
    name: str = "Trail Runner",
    price: str = "14.25",
    category: str = "Shoes",
    stock: int = 50,
    kind: str = "SHIPPABLE",
    sku_code: str = "",
) -> Sku:
    """A product with one SKU priced in ``store``'s base price list; returns the SKU."""
    n = next(_numbers)
    cat, _ = Category.objects.get_or_create(slug=slugify(category), defaults={"name": category})
    prod = Product.objects.create(name=name, slug=f"{slugify(name)}-{n}", category=cat, description=f"The {name}.")
    sku = Sku.objects.create(
        product=prod, code=sku_code or f"SKU-{n:05d}", name="Standard", kind=kind, stock_on_hand=stock
    )
    base, _ = PriceList.objects.get_or_create(
        store=store, currency=store.currency, segment=None, account=None, defaults={"name": f"{store.name} prices"}
    )
    Price.objects.create(price_list=base, sku=sku, amount=Decimal(price))
    index_products([prod])
    return sku
