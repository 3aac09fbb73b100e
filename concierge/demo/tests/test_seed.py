"""Demo data and the bulk generator."""

import io

import pytest
from django.core.management import call_command

from concierge.audit.selectors import verify_chain
from concierge.customers.models import Address, Customer, SellerAssignment
from concierge.demo.management.commands.generate import FIRST_NUMBER
from concierge.identity.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_deterministic_and_idempotent():
    call_command("seed_demo", customers=40, stdout=io.StringIO())
    first = sorted(Customer.objects.values_list("shared_id", "email", "last_name"))
    call_command("seed_demo", customers=40, stdout=io.StringIO())
    assert sorted(Customer.objects.values_list("shared_id", "email", "last_name")) == first
    # two stores, staff of every role, 40 customers + Jane + 11 organizations + 5 accounts of the
    # hierarchy + Bea (their associate) + Priya and Owen with their two accounts + Dora (disabled) +
    # Gus (a guest), each active one with an address
    assert Customer.objects.count() == 64
    assert not Customer.objects.filter(addresses__isnull=True, status=Customer.Status.ACTIVE).exists()
    roles = set(User.objects.filter(groups__isnull=False).values_list("groups__name", flat=True))
    assert roles == {"Shopper", "CSR", "Supervisor", "Seller", "Warehouse", "Administrator"}
    # Sally Seller's dozen organizations (seed 003): three countries, two currencies, one pending,
    # one suspended, some with children, each with its ERP ID and a contract number
    sallys = Customer.objects.filter(seller_assignments__seller__email="sally.seller@concierge.test")
    assert SellerAssignment.objects.count() == sallys.count() == 12
    assert set(sallys.values_list("country", flat=True)) == {"US", "DE", "MX"}
    assert {o.currency for o in sallys.select_related("store")} == {"USD", "EUR"}
    assert sorted(sallys.exclude(status="ACTIVE").values_list("status", flat=True)) == ["PENDING", "SUSPENDED"]
    assert sallys.filter(children__isnull=False).distinct().count() >= 1
    assert not sallys.filter(erp_id__isnull=True).exists()
    assert not sallys.filter(contracts__isnull=True).exists()
    # the euro organizations buy on euro credit, from the US store's euro prices
    rheinwerk = Customer.objects.get(shared_id="A000000007")
    assert rheinwerk.payment_sources.get(kind="ON_ACCOUNT").currency == "EUR"
    assert rheinwerk.store.price_lists.filter(currency="EUR", account__isnull=True, segment__isnull=True).exists()
    assert User.objects.get(email="ann.agent@concierge.test").check_password("concierge-demo")
    assert verify_chain().ok


def test_generate_writes_customers_in_bulk_and_adds_nothing_twice():
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    before = Customer.objects.count()
    call_command("generate", customers=120, batch_size=50, stdout=io.StringIO())
    call_command("generate", customers=120, batch_size=50, stdout=io.StringIO())
    assert Customer.objects.count() == before + 120
    # the generated ones, numbered from FIRST_NUMBER (a demo guest's random shared ID may start "C01" too)
    generated = [f"C{n:09d}" for n in range(FIRST_NUMBER, FIRST_NUMBER + 120)]
    assert Address.objects.filter(customer__shared_id__in=generated).count() == 120


def test_every_demo_and_generated_customer_can_be_found():
    from concierge.customers.models import CustomerSearchTerm
    from concierge.customers.search import Criteria, find_customers
    from concierge.stores.models import Store

    call_command("seed_demo", customers=10, stdout=io.StringIO())
    call_command("generate", customers=30, batch_size=50, stdout=io.StringIO())
    assert not Customer.objects.exclude(pk__in=CustomerSearchTerm.objects.values("customer_id")).exists()
    found = find_customers(
        Criteria.parse({"email": "jane.shopper@"}), store_ids=Store.objects.values_list("pk", flat=True)
    )
    assert [c.shared_id for c in found.customers] == ["C000000000"]


def test_generate_writes_orders_the_console_opens(client):
    """The generator writes orders with raw INSERTs: every column without a database default must
    be in them (a new NOT NULL field of Order once broke ``generate --orders``)."""
    from concierge.orders.models import Order
    from concierge.stores.models import Store
    from concierge.testing import factories
    from concierge.testing.factories import PASSWORD

    call_command("seed_demo", customers=0, stdout=io.StringIO())
    call_command("generate", customers=20, products=10, stdout=io.StringIO())
    call_command("generate", orders=30, stdout=io.StringIO())
    orders = Order.objects.filter(number__startswith="G")
    assert orders.count() == 30
    assert not orders.filter(lines__isnull=True).exists()
    order = orders.first()
    csr = factories.staff("CSR", stores=Store.objects.all())
    client.login(username=csr.email, password=PASSWORD)
    page = client.get(f"/service/orders/{order.number}/?tab=details")
    assert page.status_code == 200
    assert order.lines.first().product_name in page.content.decode()


def test_the_demo_has_an_order_on_hold_with_two_holds_and_one_with_a_resolved_hold():
    from concierge.orders.models import Hold, Order

    call_command("seed_demo", customers=10, stdout=io.StringIO())
    held = Order.objects.filter(status=Order.Status.ON_HOLD).order_by("id")
    assert [sorted(o.holds.values_list("status", flat=True)) for o in held] == [
        ["OPEN", "OPEN"],
        ["OPEN", "RESOLVED"],
    ]
    resolved = Hold.objects.get(status="RESOLVED")
    assert resolved.comment
    assert resolved.decided_by.email == "ann.agent@concierge.test"
    assert resolved.settled_at
    assert Hold.objects.filter(rule__name="Large order review", privilege="identity.resolve_review_hold").count() == 2
    call_command("seed_demo", customers=10, stdout=io.StringIO())
    assert Hold.objects.count() == 4
    assert verify_chain().ok


def test_generate_writes_returns_the_warehouse_finds(client):
    """Generated returns (raw INSERTs, like the orders) are found by the Warehouse's Returns search."""
    from concierge.returns.models import Return
    from concierge.stores.models import Store
    from concierge.testing import factories
    from concierge.testing.factories import PASSWORD

    call_command("seed_demo", customers=0, stdout=io.StringIO())
    call_command("generate", customers=20, products=10, stdout=io.StringIO())
    call_command("generate", orders=300, stdout=io.StringIO())
    call_command("generate", returns=5, stdout=io.StringIO())
    call_command("generate", returns=5, stdout=io.StringIO())  # continues after the last one
    generated = Return.objects.filter(rma__startswith="RMA-0")
    assert generated.count() == 10
    assert generated.values("order").distinct().count() == 10
    one = generated.exclude(status="CANCELLED").first()
    assert one.lines.get().order_line.order_id == one.order_id
    warehouse = factories.staff("Warehouse", stores=Store.objects.all())
    client.login(username=warehouse.email, password=PASSWORD)
    page = client.get("/service/warehouse/", {"rma": one.rma})
    assert page.status_code == 200
    assert one.order_number in page.content.decode()


def test_the_users_search_shows_each_demo_and_generated_users_default_billing_address(client):
    """Demo and generated customers get their addresses without the address services: their
    Default Billing Address line (what the Users search shows and sorts by) is written too."""
    import re

    from concierge.customers.services import billing_summary
    from concierge.stores.models import Store
    from concierge.testing import factories
    from concierge.testing.factories import PASSWORD

    call_command("seed_demo", customers=6, stdout=io.StringIO())
    call_command("generate", customers=4, stdout=io.StringIO())
    with_billing = Customer.objects.filter(addresses__is_default_billing=True).exclude(kind=Customer.Kind.ACCOUNT)
    assert with_billing.count() >= 10
    for customer in with_billing:
        expected = billing_summary(customer.addresses.get(is_default_billing=True))
        assert customer.billing_summary == expected, customer.shared_id
    csr = factories.staff("CSR", stores=Store.objects.all())
    client.login(username=csr.email, password=PASSWORD)
    page = client.get("/service/customers/", {"last_name": "Shopper", "sort": "billing_address"}).content.decode()
    jane = re.search(r"<tr[^>]*>(?:(?!</tr>).)*jane\.shopper@concierge\.test(?:(?!</tr>).)*</tr>", page, re.S)
    assert jane, "Jane is listed"
    assert "100 Congress Ave, Austin, 78701 US" in jane.group(0)
