"""Demo associates (seed 004 "Managing Associates"): shoppers who buy for accounts.

- Priya Buyer is a **Buyer** for an active account with its own prices (Acme Outfitters when the demo
  has it, else Northwind Traders) and a **Catalog browser** for Blue Harbor Clinics: her header's
  switcher offers both; she buys for the first at its prices, and only browses the second.
- Owen Admin is the active account's **Account administrator** (its Associates page).
- Both are Buyers for Tidewater Supply Co., a **suspended** account: they browse and cart for it,
  and Place Order is refused with ``account.suspended``.

Safe to run again: it adds only what is missing.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction

from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.customers.models import AccountAssociate, Address, Customer
from concierge.customers.search import index_customers
from concierge.identity.models import User
from concierge.identity.roles import Role
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import Store

ROLE = AccountAssociate.Role
# email, first, last, shared id
ASSOCIATES = [
    ("priya.buyer@concierge.test", "Priya", "Buyer", "C900000101"),
    ("owen.admin@concierge.test", "Owen", "Admin", "C900000102"),
]
# The account's own price list takes this much off the store's price, on this many products.
ACCOUNT_DISCOUNT = Decimal("0.85")
ACCOUNT_PRICED_SKUS = 40


def seed_associates(*, store: Store, password_hash: str) -> None:
    """The demo's associates, their accounts and the accounts' prices (see the module's words)."""
    with transaction.atomic():
        priya, owen = (_shopper(store, email, first, last, shared_id, password_hash)
                       for email, first, last, shared_id in ASSOCIATES)  # fmt: skip
        active = Customer.objects.filter(kind=Customer.Kind.ACCOUNT, organization_name="Acme Outfitters").first()
        active = active or _account(store, "Northwind Traders", "A000000301", "Chicago", "60601")
        suspended = _account(store, "Tidewater Supply Co.", "A000000302", "Norfolk", "23510")
        if suspended.status != Customer.Status.SUSPENDED:
            Customer.objects.filter(pk=suspended.pk).update(status=Customer.Status.SUSPENDED)
        browsed = Customer.objects.filter(shared_id="A000000002").first()  # Blue Harbor Clinics
        for account, user, role in [
            (active, priya, ROLE.BUYER), (active, owen, ROLE.ADMIN), (suspended, priya, ROLE.BUYER),
            (suspended, owen, ROLE.BUYER), (browsed, priya, ROLE.CATALOG_BROWSER),
        ]:  # fmt: skip
            if account is not None:
                AccountAssociate.objects.get_or_create(account=account, user=user, defaults={"role": role})
        for account in (active, suspended):
            _account_prices(account)


def _shopper(store: Store, email: str, first: str, last: str, shared_id: str, password_hash: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "password": password_hash}
    )
    if created:
        user.groups.add(Group.objects.get(name=Role.SHOPPER.value))
        customer = Customer.objects.create(shared_id=shared_id, store=store, user=user, first_name=first,
                                           last_name=last, email=email, preferred_locale=store.locale)  # fmt: skip
        Address.objects.create(
            customer=customer, label="Home", first_name=first, last_name=last, line1="221 W Monroe St",
            city="Chicago", region="IL", postal_code="60606", country="US", is_default_billing=True,
            is_default_shipping=True,
        )  # fmt: skip
        index_customers([customer])
    return user


def organization_domain(organization: str) -> str:
    """The demo email domain of an organization: its name's letters and digits
    ("acmehospitalitytexas"), so that no two organizations share one and no record id shows."""
    return "".join(ch for ch in organization.lower() if ch.isascii() and ch.isalnum())


def _account(store: Store, name: str, shared_id: str, city: str, postal: str) -> Customer:
    account, created = Customer.objects.get_or_create(
        shared_id=shared_id,
        defaults={"kind": Customer.Kind.ACCOUNT, "store": store, "organization_name": name,
                  "email": f"purchasing@{organization_domain(name)}.example.com"},
    )  # fmt: skip
    if created:
        Address.objects.create(
            customer=account, label="Head office", first_name="Accounts", last_name="Payable",
            line1="1 Commerce Plaza", city=city, postal_code=postal, country="US",
            is_default_billing=True, is_default_shipping=True,
        )  # fmt: skip
        payment_source_open_account(ActingContext.system("demo data"), customer=account,
                                    credit_limit=Money(Decimal(25000), store.currency))  # fmt: skip
        index_customers([account])
    return account


def _account_prices(account: Customer) -> None:
    """The account's own price list: the store's price less the contract discount, on the store's
    first products (the demo's "account-specific pricing")."""
    store = account.store
    own, created = PriceList.objects.get_or_create(
        store=store, currency=store.currency, account=account, defaults={"name": f"{account.display_name} contract"}
    )
    if not created:
        return
    base = (Price.objects.filter(price_list__store=store, price_list__currency=store.currency,
                                 price_list__segment=None, price_list__account=None)
            .order_by("sku_id")[:ACCOUNT_PRICED_SKUS])  # fmt: skip
    Price.objects.bulk_create(
        [Price(price_list=own, sku_id=p.sku_id, amount=(p.amount * ACCOUNT_DISCOUNT).quantize(Decimal("0.01")))
         for p in base]
    )  # fmt: skip
