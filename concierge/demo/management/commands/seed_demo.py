"""Load the demo data: deterministic, and safe to run again (it adds only what is missing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from concierge.audit.services import record
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.core.progress import add_progress_argument, progress_bar, progress_wanted
from concierge.customers.models import AccountAssociate, Address, Contract, Customer, Segment, SellerAssignment
from concierge.customers.search import index_customers
from concierge.customers.services import refresh_billing_summary
from concierge.demo.actions import DemoAction
from concierge.demo.amendments import seed_split_order
from concierge.demo.associates import organization_domain, seed_associates
from concierge.demo.bulk import write_customers
from concierge.demo.catalog import seed_catalog, seed_store_setup
from concierge.demo.desk_history import seed_desk_history
from concierge.demo.desk_queues import seed_desk_queues
from concierge.demo.guests import seed_guest_order
from concierge.demo.holds import seed_holds
from concierge.demo.orders import seed_orders
from concierge.demo.pickups import seed_pickups
from concierge.demo.presence import seed_presence
from concierge.demo.privacy import seed_data_policies
from concierge.demo.refunds import seed_refunds
from concierge.demo.returns import seed_returns
from concierge.identity.models import User
from concierge.identity.roles import Role
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import Store

DEMO_PASSWORD = "concierge-demo"

STORES: list[dict[str, Any]] = [
    {"code": "us", "name": "Northwind Outfitters", "currency": "USD", "locale": "en_US",
     "time_zone": "America/Chicago", "is_default": True},
    {"code": "ca", "name": "Northwind Outfitters Canada", "currency": "CAD", "locale": "en_CA",
     "time_zone": "America/Toronto", "is_default": False},
]  # fmt: skip

# email, first, last, roles, store codes
STAFF = [
    ("ann.agent@concierge.test", "Ann", "Agent", [Role.CSR], ["us"]),
    ("bob.agent@concierge.test", "Bob", "Baker", [Role.CSR], ["us", "ca"]),
    ("carla.csr@concierge.test", "Carla", "Chen", [Role.CSR], ["ca"]),
    ("sam.supervisor@concierge.test", "Sam", "Supervisor", [Role.SUPERVISOR], ["us", "ca"]),
    ("sally.seller@concierge.test", "Sally", "Seller", [Role.SELLER], ["us"]),
    ("will.warehouse@concierge.test", "Will", "Warehouse", [Role.WAREHOUSE], ["us"]),
    ("admin@concierge.test", "Ada", "Admin", [Role.ADMINISTRATOR], ["us", "ca"]),
]

SHOPPER = ("jane.shopper@concierge.test", "Jane", "Shopper")

# The seller's organizations (seed 003): name, shared id, country, city, postal code, contract
# number (None: not assigned to Sally Seller), ERP ID, preferred currency ("" for the store's),
# primary contact, status. Three countries, two currencies, one pending and (below) one suspended.
ORGANIZATIONS = [
    ("Acme Hospitality Group", "A000000001", "US", "Austin", "78701", "CT-2026-0101", "ERP-10001", "",
     "Maria Lopez", Customer.Status.ACTIVE),
    ("Blue Harbor Clinics", "A000000002", "US", "Boston", "02110", "CT-2026-0102", "ERP-10002", "",
     "Daniel Reyes", Customer.Status.ACTIVE),
    ("Cascade School District", "A000000003", "US", "Seattle", "98101", "CT-2026-0103", "ERP-10003", "",
     "Priya Natarajan", Customer.Status.ACTIVE),
    ("Desert Sun Resorts", "A000000004", "US", "Phoenix", "85004", "CT-2026-0104", "ERP-10004", "",
     "Tom Whitaker", Customer.Status.ACTIVE),
    ("Evergreen Facilities", "A000000005", "US", "Portland", "97204", None, "ERP-10005", "",
     "Grace Kim", Customer.Status.ACTIVE),
    ("Fjord Engineering Ltd.", "A000000006", "CA", "Vancouver", "V6B 1A1", None, "ERP-40006", "",
     "Liam Tremblay", Customer.Status.ACTIVE),
    ("Rheinwerk Maschinenbau GmbH", "A000000007", "DE", "Stuttgart", "70173", "CT-2026-0107", "ERP-20007", "EUR",
     "Katrin Vogel", Customer.Status.ACTIVE),
    ("Hafenblick Hotels GmbH", "A000000008", "DE", "Hamburg", "20095", "CT-2026-0108", "ERP-20008", "EUR",
     "Jonas Becker", Customer.Status.ACTIVE),
    ("Isar Logistik GmbH", "A000000009", "DE", "Munich", "80331", "CT-2026-0109", "ERP-20009", "EUR",
     "Sabine Huber", Customer.Status.PENDING),
    ("Monterrey Industrial Supply", "A000000010", "MX", "Monterrey", "64000", "CT-2026-0110", "ERP-30010", "",
     "Alejandro Garza", Customer.Status.ACTIVE),
    ("Costa Azul Resorts", "A000000011", "MX", "Cancún", "77500", "CT-2026-0111", "ERP-30011", "",
     "Lucía Hernández", Customer.Status.ACTIVE),
]  # fmt: skip
# Organizations of the account hierarchy below that Sally Seller also serves: shared id, contract
# number, ERP ID, primary contact.
SELLER_ALSO_SERVES = [
    ("A000000101", "CT-2026-0121", "ERP-10101", "Maria Lopez"),
    ("A000000102", "CT-2026-0122", "ERP-10102", "Ben Carter"),
    ("A000000201", "CT-2026-0201", "ERP-10201", "Hank Ostrander"),
]

# Child accounts (seed 004 "Managing Child Accounts"), two levels below Acme: shared id, parent's
# shared id, business name, city, postal code, status.
CHILD_ACCOUNTS = [
    ("A000000101", "A000000001", "Acme Hospitality Texas", "Dallas", "75201", Customer.Status.ACTIVE),
    ("A000000102", "A000000001", "Acme Hospitality Colorado", "Denver", "80202", Customer.Status.ACTIVE),
    ("A000000111", "A000000101", "Acme Austin Downtown Hotel", "Austin", "78701", Customer.Status.ACTIVE),
    ("A000000112", "A000000101", "Acme Houston Airport Hotel", "Houston", "77032", Customer.Status.DISABLED),
    # a suspended account (seed 004 "Disabling or Suspending an Account record"): browse and cart, no purchase
    ("A000000201", None, "Granite Peak Lodges", "Boise", "83702", Customer.Status.SUSPENDED),
]
# A shopper who buys for accounts (their associate), with the demo password.
ASSOCIATE_SHOPPER = ("bea.buyer@concierge.test", "Bea", "Buyer", "B000000001")
# email, account shared id, role
ASSOCIATES = [
    ("bea.buyer@concierge.test", "A000000001", AccountAssociate.Role.BUYER),
    ("bea.buyer@concierge.test", "A000000101", AccountAssociate.Role.ADMIN),
    ("bea.buyer@concierge.test", "A000000201", AccountAssociate.Role.BUYER),
    ("jane.shopper@concierge.test", "A000000111", AccountAssociate.Role.CATALOG_BROWSER),
]


# The regions of the demo organizations' cities (an address in the US names its state).
REGIONS = {"Austin": "TX", "Boston": "MA", "Seattle": "WA", "Phoenix": "AZ", "Portland": "OR", "Vancouver": "BC",
           "Stuttgart": "BW", "Hamburg": "HH", "Munich": "BY", "Monterrey": "NL", "Cancún": "ROO"}  # fmt: skip


def _contact(name: str, organization: str) -> dict[str, str]:
    """An organization's primary contact: their name, a work email at the organization and a telephone."""
    first = name.split()[0].lower()
    return {"contact_name": name, "contact_email": f"{first}@{organization_domain(organization)}.example.com",
            "contact_phone": "+1 512 555 0100"}  # fmt: skip


class Command(BaseCommand):
    help = "Load the demo stores, staff of every role, customers and organizations (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=300, help="How many demo customers (default 300).")
        add_progress_argument(parser)

    def handle(self, *args: Any, customers: int, **options: Any) -> None:
        ctx = ActingContext.system("demo data")
        password_hash = make_password(DEMO_PASSWORD)
        with progress_bar("demo data", total=14, unit="steps", enabled=progress_wanted(options)) as bar:

            def done(step: str) -> None:
                bar.set_postfix_str(step)
                bar.update(1)

            with transaction.atomic():
                stores = {spec["code"]: self._store(spec) for spec in STORES}
                for email, first, last, roles, store_codes in STAFF:
                    self._staff(email, first, last, roles, [stores[c] for c in store_codes], password_hash)
                self._shopper(stores["us"], password_hash)
                self._organizations(stores)
                self._account_hierarchy(stores, password_hash)
                self._seller_also_serves()
                # Jane and the organizations are written directly: give them their Find customer terms.
                index_customers(Customer.objects.filter(Q(shared_id="C000000000") | Q(kind=Customer.Kind.ACCOUNT)))
            done("stores and staff")
            written = write_customers(
                stores=list(stores.values()), count=customers, seed=7, password_hash=password_hash
            )
            done("customers")
            products = seed_catalog(stores)
            seed_store_setup(stores)
            self._organization_credit()
            done("catalog")
            jane = Customer.objects.get(shared_id="C000000000")
            jane.segments.add(Segment.objects.get(code="gold"))
            self._record_segments(jane, stores["us"], password_hash)
            done("segments")
            buyers = [jane, *Customer.objects.filter(kind=Customer.Kind.REGISTERED_USER, user__isnull=False)
                      .exclude(pk=jane.pk).order_by("shared_id")[: min(customers, 20)]]  # fmt: skip
            orders = seed_orders(customers=buyers)
            done("orders")
            orders += seed_holds(customers=buyers)
            done("holds")
            seed_returns()  # past orders' returns and exchanges, in each state (concierge/demo/returns.py)
            done("returns")
            seed_refunds()  # an issued refund, a Manual Refund and a large one awaiting approval
            done("refunds")
            orders += seed_split_order(jane)  # an order split into two shipments (Move Item)
            done("split order")
            orders += self._guest_order(stores["us"])
            done("guest order")
            # Orders to pick up at the store, some ready (Pick-Up In-Store Customers, seed 002).
            orders += seed_pickups(customers=[c for c in buyers if c.store_id == stores["us"].pk])
            done("pickup orders")
            seed_associates(store=stores["us"], password_hash=password_hash)  # shoppers buying for accounts
            # Jane, the associates and the guest were given their addresses directly: their Default
            # Billing Address line, as the Users and Accounts search shows and sorts it.
            for customer in Customer.objects.filter(billing_summary="", addresses__is_default_billing=True):
                refresh_billing_summary(customer)
            done("associates")
            seed_data_policies()  # three data policies with their data points, and consents (Jane's too)
            done("data policies")
            seed_presence()  # in-store devices per zone, loyalty and app tokens, consent to in-store presence
            seed_desk_queues()  # a live assisted session with a locked cart, an order open for editing
            seed_desk_history()  # ninety days of assisted sessions and their orders, for the desk's charts
            done("in-store devices")
        with transaction.atomic():
            record(
                ctx,
                action=DemoAction.SEEDED,
                subject_kind="store",
                subject_id=stores["us"].pk,
                data={"customers_written": written, "products_written": products, "orders_placed": orders},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({written} new customers, {products} new products, {orders} new orders)."
            )
        )
        self.stdout.write(f"Every demo sign-in uses the password: {DEMO_PASSWORD}")
        for email, _first, _last, roles, store_codes in STAFF:
            self.stdout.write(f"  {', '.join(r.value for r in roles):<14} {email:<34} stores: {', '.join(store_codes)}")
        self.stdout.write(f"  {'Shopper':<14} {SHOPPER[0]}")
        self.stdout.write(f"  {'Shopper':<14} {ASSOCIATE_SHOPPER[0]:<34} buys for Acme Hospitality Group")

    def _guest_order(self, store: Store) -> int:
        """A shopper who checked out as a guest (a single session user with an order; emailed)."""
        return seed_guest_order(store)

    def _store(self, spec: dict[str, Any]) -> Store:
        store, _ = Store.objects.update_or_create(code=spec["code"], defaults=spec)
        return store

    def _staff(
        self, email: str, first: str, last: str, roles: list[Role], stores: list[Store], password_hash: str
    ) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": password_hash,
                "is_staff": Role.ADMINISTRATOR in roles,
                "is_superuser": Role.ADMINISTRATOR in roles,
            },
        )
        if created:
            user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
            user.stores.set(stores)
        return user

    def _shopper(self, store: Store, password_hash: str) -> None:
        email, first, last = SHOPPER
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "password": password_hash}
        )
        if not created:
            return
        user.groups.add(Group.objects.get(name=Role.SHOPPER.value))
        customer = Customer.objects.create(
            shared_id="C000000000",
            store=store,
            user=user,
            first_name=first,
            last_name=last,
            email=email,
            phone="+15125550100",
            preferred_locale=store.locale,
        )
        Address.objects.create(
            customer=customer, label="Home", first_name=first, last_name=last, line1="100 Congress Ave",
            city="Austin", region="TX", postal_code="78701", country="US", phone="+15125550100",
            is_default_billing=True, is_default_shipping=True,
        )  # fmt: skip
        Address.objects.create(
            customer=customer, label="Office", first_name=first, last_name=last, line1="500 W 2nd St",
            line2="Suite 1900", city="Austin", region="TX", postal_code="78701", country="US",
        )  # fmt: skip

    def _record_segments(self, jane: Customer, store: Store, password_hash: str) -> None:
        """The record editor's demo (seed 004 "Managing Customer Segments", "Disabling a User
        record"): a few segments with members, and a disabled shopper who cannot sign in."""
        segments = {}
        for code, name, about in (
            ("vip", "VIP", "Customers customer service looks after first."),
            ("wholesale", "Wholesale", "Trade buyers who order in bulk."),
            ("newsletter", "Newsletter", "Customers who read the monthly newsletter."),
        ):
            segments[code], _ = Segment.objects.get_or_create(code=code, defaults={"name": name, "description": about})
        jane.segments.add(segments["vip"], segments["newsletter"])
        others = Customer.objects.filter(kind=Customer.Kind.REGISTERED_USER, store=store).exclude(pk=jane.pk)
        for n, customer in enumerate(others.order_by("shared_id")[:12]):
            customer.segments.add(segments[("newsletter", "vip", "wholesale")[n % 3]])
        for org in Customer.objects.filter(kind=Customer.Kind.ACCOUNT, store=store).order_by("shared_id")[:2]:
            org.segments.add(segments["wholesale"])
        user, created = User.objects.get_or_create(
            email="dora.disabled@example.com",
            defaults={"first_name": "Dora", "last_name": "Disabled", "password": password_hash},
        )
        if created:
            user.groups.add(Group.objects.get(name=Role.SHOPPER.value))
            dora = Customer.objects.create(
                shared_id="C900000099", store=store, user=user, first_name="Dora", last_name="Disabled",
                email=user.email, preferred_locale="en_US", status=Customer.Status.DISABLED,
            )  # fmt: skip
            index_customers([dora])

    def _organizations(self, stores: dict[str, Store]) -> None:
        seller = User.objects.get(email="sally.seller@concierge.test")
        for name, shared_id, country, city, postal, contract, erp_id, currency, contact, status in ORGANIZATIONS:
            org, created = Customer.objects.get_or_create(
                shared_id=shared_id,
                defaults={
                    "kind": Customer.Kind.ACCOUNT,
                    "store": stores["ca" if country == "CA" else "us"],
                    "organization_name": name,
                    "email": f"purchasing@{organization_domain(name)}.example.com",
                    "erp_id": erp_id,
                    "country": country,
                    "preferred_currency": currency,
                    "status": status,
                    **_contact(contact, name),
                },
            )
            if created:
                Address.objects.create(
                    customer=org, label="Head office", first_name="Accounts", last_name="Payable",
                    line1="1 Commerce Plaza", city=city, region=REGIONS.get(city, ""), postal_code=postal,
                    country=country, is_default_billing=True, is_default_shipping=True,
                )  # fmt: skip
                refresh_billing_summary(org)
            if contract:
                SellerAssignment.objects.get_or_create(seller=seller, organization=org)
                Contract.objects.get_or_create(number=contract, defaults={"organization": org})

    def _organization_credit(self) -> None:
        """The organizations buy on account: 25,000 of credit in the currency each buys in (once the
        catalog sells in it)."""
        shared_ids = [spec[1] for spec in ORGANIZATIONS]
        for org in Customer.objects.filter(shared_id__in=shared_ids).exclude(payment_sources__kind="ON_ACCOUNT"):
            payment_source_open_account(
                ActingContext.system("demo data"), customer=org, credit_limit=Money(Decimal(25000), org.currency)
            )

    def _seller_also_serves(self) -> None:
        """Sally Seller also serves two of Acme's child organizations and the suspended one."""
        seller = User.objects.get(email="sally.seller@concierge.test")
        for shared_id, contract, erp_id, contact in SELLER_ALSO_SERVES:
            org = Customer.objects.get(shared_id=shared_id)
            if not org.erp_id:
                Customer.objects.filter(pk=org.pk).update(erp_id=erp_id, country="US", **_contact(contact, shared_id))
            SellerAssignment.objects.get_or_create(seller=seller, organization=org)
            Contract.objects.get_or_create(number=contract, defaults={"organization": org})

    def _account_hierarchy(self, stores: dict[str, Store], password_hash: str) -> None:
        """Acme's child accounts two levels deep, a suspended account, and associates: Bea Buyer (a
        shopper of her own, demo password) for Acme, Acme Texas and the suspended account, and Jane
        as a catalog browser for one hotel."""
        written: list[Customer] = []
        for shared_id, parent_id, name, city, postal, status in CHILD_ACCOUNTS:
            parent = Customer.objects.get(shared_id=parent_id) if parent_id else None
            account, created = Customer.objects.get_or_create(
                shared_id=shared_id,
                defaults={"kind": Customer.Kind.ACCOUNT, "store": stores["us"], "parent": parent, "status": status,
                          "organization_name": name, "email": f"purchasing@{organization_domain(name)}.example.com",
                          "phone": "+15125550150", "preferred_locale": "en_US"},
            )  # fmt: skip
            if created:
                Address.objects.create(
                    customer=account, label="Head office", first_name="Accounts", last_name="Payable",
                    line1="1 Commerce Plaza", city=city, postal_code=postal, country="US",
                    is_default_billing=True, is_default_shipping=True,
                )  # fmt: skip
                refresh_billing_summary(account)
                written.append(account)
        email, first, last, shared_id = ASSOCIATE_SHOPPER
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "password": password_hash}
        )
        if created:
            user.groups.add(Group.objects.get(name=Role.SHOPPER.value))
            bea = Customer.objects.create(shared_id=shared_id, store=stores["us"], user=user, first_name=first,
                                          last_name=last, email=email, preferred_locale="en_US")  # fmt: skip
            Address.objects.create(
                customer=bea, label="Work", first_name=first, last_name=last, line1="1 Commerce Plaza",
                city="Austin", region="TX", postal_code="78701", country="US", is_default_billing=True,
                is_default_shipping=True,
            )  # fmt: skip
            refresh_billing_summary(bea)
            written.append(bea)
        for associate_email, account_id, role in ASSOCIATES:
            AccountAssociate.objects.get_or_create(
                account=Customer.objects.get(shared_id=account_id),
                user=User.objects.get(email=associate_email),
                defaults={"role": role},
            )
        index_customers(written)
