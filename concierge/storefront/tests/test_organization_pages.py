"""The seller platform's pages (seed 003): Customer Organizations, Profile and the red badge, the
Modern Organization View, Create Organization, Activate / Suspend / Re-activate, the editors under
the record lock, the preferred currency, and the attribution of a seller's orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.edits import SYSTEM, Then
from concierge.core.money import Money
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import customer_edit
from concierge.customers.locks import customer_lock
from concierge.customers.models import AccountAssociate, Contract, Customer
from concierge.orders.models import Order
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def make_org(
    store, seller, name: str, *, erp_id: str = "", country: str = "US", contracts: tuple[str, ...] = (),
    status: str = Customer.Status.ACTIVE, currency: str = "", contact: str = "Dana Lee",
) -> Customer:  # fmt: skip
    org = factories.organization(store=store, name=name, seller=seller)
    Customer.objects.filter(pk=org.pk).update(erp_id=erp_id or None, country=country, status=status,
                                              preferred_currency=currency, contact_name=contact,
                                              contact_email="dana@example.com")  # fmt: skip
    for number in contracts:
        Contract.objects.create(organization=org, number=number)
    org.refresh_from_db()
    return org


def buyable(org: Customer, limit: str = "5000") -> Customer:
    """An address and on-account credit, so the organization can be bought for."""
    factories.address(org, is_default_billing=True, is_default_shipping=True, city="Berlin", country="DE")
    payment_source_open_account(ActingContext.system("tests"), customer=org,
                                credit_limit=Money(Decimal(limit), org.currency))  # fmt: skip
    return org


@pytest.fixture
def shipping(store):
    return ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))


@pytest.fixture
def other_seller(store):
    return factories.staff("Seller", stores=[store], email="olga@concierge.test", first_name="Olga", last_name="Other")


def place(client: Client, org: Customer) -> Any:
    cart = Cart.objects.get(customer=org, status="ACTIVE")
    line, address = cart.lines.get(), org.addresses.get()
    return client.post(reverse("storefront:checkout"), {
        "action": "place", f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk,
        f"method_{line.pk}": "standard", "billing_address": address.pk,
        "payment_source": org.payment_sources.get().pk,
    }, follow=True)  # fmt: skip


def listing(client: Client, **params: Any) -> str:
    return client.get(reverse("storefront:organizations"), params).content.decode()


def view(client: Client, org: Customer, query: str = "") -> str:
    return client.get(reverse("storefront:organization", args=[org.pk]) + query).content.decode()


# --- Customer Organizations -----------------------------------------------------------------------


def test_the_main_menu_offers_select_organization_to_sellers_only(signed_in, seller, shopper):
    # given a seller signed in, when they open the catalog
    home = signed_in(seller).get("/").content.decode()
    # then the header's main menu has SELECT ORGANIZATION, leading to Customer Organizations
    assert f'href="{reverse("storefront:organizations")}"' in home.split('aria-label="Main"')[1].split("</nav>")[0]
    assert "Select Organization" in home
    # a shopper's does not
    assert "Select Organization" not in signed_in(shopper.user).get("/").content.decode()


def test_the_list_shows_each_organizations_profile_contracts_country_erp_id_and_currency(signed_in, seller, store):
    org = make_org(store, seller, "Hotel Adler", erp_id="ADL-100", country="DE", contracts=("CT-7",), currency="EUR",
                   status=Customer.Status.SUSPENDED, contact="Petra Adler")  # fmt: skip
    factories.address(org, is_default_billing=True, city="Munich", country="DE")
    make_org(store, factories.staff("Seller", stores=[store]), "Not Mine Inc", erp_id="NM-1")
    page = listing(signed_in(seller))
    assert "Hotel Adler" in page
    assert "Suspended" in page
    assert "Petra Adler" in page
    assert "Munich" in page
    assert "CT-7" in page
    assert "ADL-100" in page
    assert "Germany" in page
    assert ">DE<" not in page
    assert "Euro (EUR)" in page
    assert "Not Mine Inc" not in page
    assert "Profile: buy for Hotel Adler" in page


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("ACME-1001", {"Acme Hotels"}),  # ERP ID exact
        ("acme-100", {"Acme Hotels", "Acme Resorts"}),  # ERP ID prefix, any case
        ("K-55", {"Kestrel Foods"}),  # contract number
        ("kestrel", {"Kestrel Foods"}),  # name
    ],
)
def test_search_by_erp_id_exact_and_prefix_contract_number_and_name(signed_in, seller, store, q, found):
    make_org(store, seller, "Acme Hotels", erp_id="ACME-1001")
    make_org(store, seller, "Acme Resorts", erp_id="ACME-1002")
    make_org(store, seller, "Kestrel Foods", erp_id="KF-9", contracts=("K-55",))
    page = listing(signed_in(seller), q=q)
    shown = {name for name in ("Acme Hotels", "Acme Resorts", "Kestrel Foods") if f">{name}</a>" in page}
    assert shown == found


def test_a_search_that_finds_nothing_says_so(signed_in, seller, store):
    make_org(store, seller, "Acme Hotels", erp_id="ACME-1001")
    page = listing(signed_in(seller), q="ZZZ")
    assert "No organizations match “ZZZ”" in page


def test_an_over_long_search_is_refused_naming_the_limit(signed_in, seller, store):
    response = signed_in(seller).get(reverse("storefront:organizations"), {"q": "x" * 81})
    assert response.status_code == 400
    assert "80" in response.content.decode()


def test_sorting_by_erp_id_descending(signed_in, seller, store):
    make_org(store, seller, "Alpha", erp_id="A-1")
    make_org(store, seller, "Bravo", erp_id="C-3")
    make_org(store, seller, "Charlie", erp_id="B-2")
    page = listing(signed_in(seller), sort="erp_id", order="desc")
    assert page.index(">Bravo<") < page.index(">Charlie<") < page.index(">Alpha<")
    assert 'aria-sort="descending"' in page


def test_paging_with_previous_and_next(signed_in, seller, store):
    for n in range(25):
        make_org(store, seller, f"Org {n:02d}", erp_id=f"ORG-{n:02d}")
    client = signed_in(seller)
    first = listing(client)
    assert "Page 1 of 2" in first
    assert ">Next<" in first
    assert ">Previous<" not in first
    assert ">Org 00<" in first
    assert ">Org 20<" not in first
    second = listing(client, page=2)
    assert "Page 2 of 2" in second
    assert ">Previous<" in second
    assert ">Next<" not in second
    assert ">Org 20<" in second
    assert ">Org 24<" in second


def test_create_organization_is_offered_to_sellers_who_manage_organizations(signed_in, seller, store):
    assert "Create Organization" in listing(signed_in(seller))


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [("name", "Harbor\x00Supply", "Remove the control characters"),
     ("name", "H" * 161, "At most 160 characters"),
     ("contact_email", "mira@" + "x" * 260 + ".example", "At most 254 characters")],
)  # fmt: skip
def test_create_refuses_a_nul_byte_or_an_over_long_field_on_the_form_and_creates_nothing(
    signed_in, seller, store, field, value, said
):
    refused = signed_in(seller).post(reverse("storefront:organization_new"), {**NEW_ORG, field: value})
    assert refused.status_code == 400
    assert said in refused.content.decode()
    assert not Customer.objects.filter(kind=Customer.Kind.ACCOUNT, erp_id="HS-200").exists()


# --- Not assigned: not found, everywhere ------------------------------------------------------------

ORG_ROUTES = [
    ("organization", "get", {}),
    ("organization_select", "post", {}),
    ("organization_status", "post", {"action": "suspend", "reason": "x", "version": "1"}),
    ("organization_currency", "post", {"currency": "USD", "version": "1"}),
    ("organization_open", "post", {"version": "1"}),
    ("organization_edit", "get", {}),
    ("organization_edit", "post", {"version": "1", "name": "Taken Over"}),
    ("organization_close", "post", {}),
    ("organization_heartbeat", "post", {}),
]


@pytest.mark.parametrize(("name", "method", "data"), ORG_ROUTES)
def test_an_organization_not_assigned_to_the_seller_is_not_found_on_every_route(
    signed_in, seller, store, other_seller, name, method, data
):
    theirs = make_org(store, other_seller, "Hidden Holdings", erp_id="HID-1")
    args = [theirs.pk, "details"] if name in {"organization_open", "organization_edit"} else [theirs.pk]
    client = signed_in(seller)
    response = getattr(client, method)(reverse(f"storefront:{name}", args=args), data)
    assert response.status_code == 404
    assert "Hidden Holdings" not in response.content.decode()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.organization_name, theirs.lease_holder_id) == ("ACTIVE", "Hidden Holdings", None)
    # and a missing id is the same
    missing = [999999, *args[1:]]
    assert getattr(client, method)(reverse(f"storefront:{name}", args=missing), data).status_code == 404


def test_every_organization_route_is_in_the_not_found_walk():
    from concierge.storefront import urls

    named = {p.name for p in urls.urlpatterns if p.name and "<int:pk>" in str(p.pattern)}
    walked = {name for name, _, _ in ORG_ROUTES}
    assert {n for n in named if n.startswith("organization")} == walked


# --- Profile: acting for it, the red badge ----------------------------------------------------------


def test_profile_selects_the_organization_and_shows_its_name_in_the_badge(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    client = signed_in(seller)
    response = client.post(reverse("storefront:organization_select", args=[org.pk]))
    assert response["Location"] == reverse("storefront:home")
    home = client.get("/").content.decode()
    assert 'class="org-badge"' in home
    assert ">Acme Hotels</a>" in home
    assert 'aria-label="Stop buying for Acme Hotels"' in home
    assert Event.objects.filter(action=CustomerAction.SELLER_ORGANIZATION_SELECTED, subject_id=str(org.pk)).exists()
    # Stop buying for Acme Hotels
    client.post(reverse("storefront:organization_stop"))
    assert 'class="org-badge"' not in client.get("/").content.decode()


def test_the_catalog_shows_the_organizations_prices_in_its_currency(signed_in, seller, store):
    org = make_org(store, seller, "Hotel Adler", erp_id="ADL-1", currency="EUR")
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("92.00"))
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    page = client.get(reverse("storefront:search"), {"q": "Linen"}).content.decode()
    assert "€92.00" in page


# --- Create, activate, suspend, re-activate --------------------------------------------------------

NEW_ORG = {
    "name": "Harbor Supply", "erp_id": "hs-200", "business_number": "", "contract_numbers": "CT-9, CT-10",
    "country": "CA", "preferred_currency": "USD", "contact_name": "Mira Chen", "contact_email": "mira@example.com",
    "contact_phone": "+1 604 555 0100", "preferred_locale": "en_US", "line1": "1 Harbour Rd", "city": "Vancouver",
    "region": "BC", "postal_code": "V6B 1A1",
}  # fmt: skip


def test_create_shows_field_errors_inline_then_creates_a_pending_organization(signed_in, seller, store):
    client = signed_in(seller)
    form = client.get(reverse("storefront:organization_new")).content.decode()
    assert "US Dollar (USD)" in form
    assert ">Canada<" in form
    # when the seller leaves out the name and gives an ERP ID with a space
    bad = client.post(reverse("storefront:organization_new"), {**NEW_ORG, "name": "", "erp_id": "HS 200"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Enter the organization&#x27;s name." in page
    assert "letters, digits and - _ . only" in page
    assert 'value="Mira Chen"' in page  # what they typed is kept
    assert not Customer.objects.filter(organization_name="Harbor Supply").exists()
    # when they correct it
    response = client.post(reverse("storefront:organization_new"), NEW_ORG, follow=True)
    org = Customer.objects.get(organization_name="Harbor Supply")
    assert (org.status, org.erp_id) == ("PENDING", "HS-200")
    page = response.content.decode()
    assert "Harbor Supply was created. It is Pending until you activate it." in page
    assert 'data-testid="org-status">Pending<' in page
    assert ">Activate</a>" in page


def test_a_taken_erp_id_is_a_field_error(signed_in, seller, store):
    make_org(store, seller, "First", erp_id="HS-200")
    response = signed_in(seller).post(reverse("storefront:organization_new"), NEW_ORG)
    assert response.status_code == 400
    assert "The ERP ID HS-200 is already used by another organization." in response.content.decode()


def change_status(client: Client, org: Customer, action: str, reason: str = "Contract signed") -> Any:
    org.refresh_from_db()
    return client.post(reverse("storefront:organization_status", args=[org.pk]),
                       {"action": action, "reason": reason, "version": org.version}, follow=True)  # fmt: skip


def test_activate_asks_for_a_reason_then_activates(signed_in, seller, store):
    org = make_org(store, seller, "Harbor Supply", erp_id="HS-1", status=Customer.Status.PENDING)
    client = signed_in(seller)
    confirm = view(client, org, "?confirm=activate")
    assert "Activate Harbor Supply?" in confirm
    assert 'name="reason"' in confirm
    # no reason: refused, said at the field
    missing = change_status(client, org, "activate", reason="")
    assert missing.status_code == 422
    assert "Enter the reason for the change." in missing.content.decode()
    org.refresh_from_db()
    assert (org.status, org.lease_holder_id) == ("PENDING", None)  # unchanged, and not left locked
    # with one
    page = change_status(client, org, "activate").content.decode()
    org.refresh_from_db()
    assert org.status == "ACTIVE"
    assert "Harbor Supply is activated." in page
    assert ">Suspend</a>" in page
    event = Event.objects.get(action=CustomerAction.ORGANIZATION_ACTIVATED, subject_id=str(org.pk))
    assert event.data["reason"] == "Contract signed"


def test_a_suspended_organization_cannot_be_bought_for_until_it_is_re_activated(signed_in, seller, store, shipping):
    org = buyable(make_org(store, seller, "Acme Hotels", erp_id="ACME-1"))
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    client = signed_in(seller)
    # when the seller suspends it
    assert "Acme Hotels is suspended." in change_status(client, org, "suspend", "Unpaid invoices").content.decode()
    # then a purchase for it is refused with account.suspended's message
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    refused = place(client, org).content.decode()
    assert (
        "Acme Hotels is suspended: you can browse and add to its cart, but purchases are blocked until it is "
        "re-activated."
    ) in refused
    assert not Order.objects.exists()
    # when they re-activate it, the purchase goes through
    assert "Acme Hotels is re-activated." in change_status(client, org, "reactivate").content.decode()
    place(client, org)
    assert Order.objects.get().account == org


def test_a_status_change_from_a_page_older_than_the_record_is_refused_with_reload(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    client = signed_in(seller)
    old_version = org.version
    with customer_edit(ActingContext.system("tests"), customer_id=org.pk, guard=SYSTEM, then=Then.KEEP) as edit:
        edit.record(CustomerAction.UPDATED, changes={"note": ("", "x")})
    response = client.post(reverse("storefront:organization_status", args=[org.pk]),
                           {"action": "suspend", "reason": "Late", "version": old_version})  # fmt: skip
    assert response.status_code == 412
    page = response.content.decode()
    assert "Record changed" in page
    assert ">Reload</a>" in page
    assert ">Cancel</button>" in page
    org.refresh_from_db()
    assert (org.status, org.lease_holder_id) == ("ACTIVE", None)


# --- The editors ----------------------------------------------------------------------------------


def open_editor(client: Client, org: Customer, section: str) -> Any:
    org.refresh_from_db()
    return client.post(reverse("storefront:organization_open", args=[org.pk, section]), {"version": org.version})


def test_edit_basic_details_locks_the_record_and_save_unlocks_it(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1", contracts=("CT-1",))
    client = signed_in(seller)
    response = open_editor(client, org, "details")
    assert response["Location"] == reverse("storefront:organization_edit", args=[org.pk, "details"])
    editor = client.get(response["Location"]).content.decode()
    org.refresh_from_db()
    assert org.lease_holder_id == seller.pk
    assert f'name="lease_token" value="{org.lease_token}"' in editor
    assert f'name="version" value="{org.version}"' in editor
    saved = client.post(response["Location"], {
        "version": org.version, "lease_token": org.lease_token, "name": "Acme Hotels Group", "erp_id": "acme-2",
        "business_number": "BN-1", "country": "DE", "contract_numbers": "CT-1\nCT-2",
    }, follow=True)  # fmt: skip
    org.refresh_from_db()
    assert (org.organization_name, org.erp_id, org.country) == ("Acme Hotels Group", "ACME-2", "DE")
    assert sorted(org.contracts.values_list("number", flat=True)) == ["CT-1", "CT-2"]
    assert org.lease_holder_id is None
    assert "Basic Details of Acme Hotels Group saved; the record is unlocked." in saved.content.decode()


def test_an_edit_with_a_stale_version_is_refused_with_reload_and_cancel(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    client = signed_in(seller)
    open_editor(client, org, "profile")
    org.refresh_from_db()
    loaded, token = org.version, org.lease_token
    # meanwhile the record moves on (Concierge itself changes it)
    with customer_edit(ActingContext.system("tests"), customer_id=org.pk, guard=SYSTEM, then=Then.KEEP) as edit:
        edit.record(CustomerAction.UPDATED, changes={"note": ("", "x")})
    response = client.post(reverse("storefront:organization_edit", args=[org.pk, "profile"]), {
        "version": loaded, "lease_token": token, "contact_name": "Someone Else", "contact_email": "se@example.com",
        "contact_phone": "", "preferred_locale": "en_US",
    })  # fmt: skip
    assert response.status_code == 412
    page = response.content.decode()
    assert "the record has been changed since the page was loaded" in page
    assert ">Reload</a>" in page
    assert ">Cancel</button>" in page
    assert 'value="Someone Else"' in page  # what they typed stays on screen until they reload
    org.refresh_from_db()
    assert org.contact_name == "Dana Lee"


def test_an_edit_without_its_version_is_refused(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    client = signed_in(seller)
    open_editor(client, org, "profile")
    response = client.post(reverse("storefront:organization_edit", args=[org.pk, "profile"]),
                           {"contact_name": "X", "contact_email": "x@example.com"})  # fmt: skip
    assert response.status_code == 428
    org.refresh_from_db()
    assert org.contact_name == "Dana Lee"


def test_someone_else_editing_leaves_the_record_read_only_naming_them(signed_in, seller, store, other_seller):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    org.seller_assignments.create(seller=other_seller)
    customer_lock(ActingContext(user=other_seller, store=store), customer_id=org.pk)
    client = signed_in(seller)
    assert "Olga Other is editing Acme Hotels. You can only view it." in view(client, org)
    response = open_editor(client, org, "details")
    assert response.status_code == 409
    assert "Olga Other is editing Acme Hotels. You can only view the record." in response.content.decode()
    editor = client.get(reverse("storefront:organization_edit", args=[org.pk, "details"])).content.decode()
    assert "Olga Other is editing Acme Hotels. You can only view the record." in editor
    assert 'name="lease_token"' not in editor


def test_cancel_closes_the_editor_and_unlocks(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    client = signed_in(seller)
    open_editor(client, org, "details")
    client.post(reverse("storefront:organization_close", args=[org.pk]))
    org.refresh_from_db()
    assert org.lease_holder_id is None


# --- Preferred currency ---------------------------------------------------------------------------


def test_changing_the_currency_with_a_cart_open_asks_first_then_re_prices_it(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("90.00"))
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 3})
    view_page = view(client, org)
    assert "Euro (EUR)" in view_page
    # the first Save asks
    org.refresh_from_db()
    asked = client.post(reverse("storefront:organization_currency", args=[org.pk]),
                        {"currency": "EUR", "version": org.version})  # fmt: skip
    assert asked.status_code == 409
    page = asked.content.decode()
    assert "Acme Hotels&#x27;s cart has 1 item priced in USD. Change to EUR and re-price them?" in page
    assert ">Change currency</button>" in page
    assert ">Cancel</button>" in page
    org.refresh_from_db()
    assert org.currency == "USD"
    # the confirmed one re-prices
    token = org.lease_token
    done = client.post(reverse("storefront:organization_currency", args=[org.pk]),
                       {"currency": "EUR", "version": org.version, "lease_token": token, "confirm": "1"},
                       follow=True)  # fmt: skip
    org.refresh_from_db()
    assert (org.currency, org.lease_holder_id) == ("EUR", None)
    assert Cart.objects.get(customer=org, status="ACTIVE").currency == "EUR"
    assert "Acme Hotels now buys in Euro (EUR). Its cart was re-priced in EUR." in done.content.decode()
    cart_page = client.get(reverse("storefront:cart")).content.decode()
    assert "€270.00" in cart_page


def test_cancelling_the_currency_confirmation_changes_nothing_and_unlocks(signed_in, seller, store):
    org = make_org(store, seller, "Acme Hotels", erp_id="ACME-1")
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    Price.objects.create(price_list=PriceList.objects.create(store=store, currency="EUR", name="EUR"), sku=sku,
                         amount=Decimal("90.00"))  # fmt: skip
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    client.post(reverse("storefront:organization_currency", args=[org.pk]), {"currency": "EUR", "version": org.version})
    client.post(reverse("storefront:organization_close", args=[org.pk]), {"what": "currency"})
    org.refresh_from_db()
    assert (org.currency, org.lease_holder_id) == ("USD", None)


# --- The Modern Organization View -----------------------------------------------------------------


def test_the_view_shows_details_profile_contacts_addresses_children_credit_carts_orders_and_spend(
    signed_in, seller, store, shipping
):
    org = buyable(make_org(store, seller, "Acme Hotels", erp_id="ACME-1", country="DE", contracts=("CT-1",)))
    child = Customer.objects.create(shared_id="A-CHILD-1", kind="ACCOUNT", store=store, organization_name="Acme East",
                                    parent=org)  # fmt: skip
    child.seller_assignments.create(seller=seller)
    Customer.objects.create(shared_id="A-CHILD-2", kind="ACCOUNT", store=store, organization_name="Acme West",
                            parent=org)  # fmt: skip
    buyer = factories.shopper(store=store, email="bob@example.com", first_name="Bob", last_name="Buyer")
    assert buyer.user is not None
    AccountAssociate.objects.create(account=org, user=buyer.user, role=AccountAssociate.Role.BUYER)
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 2})
    place(client, org)
    order = Order.objects.get()
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 3})
    page = view(client, org)
    assert "ACME-1" in page
    assert "Germany" in page
    assert "CT-1" in page
    assert "Dana Lee" in page
    assert "dana@example.com" in page
    assert "Bob Buyer" in page
    assert "Buyer" in page
    assert "Berlin" in page
    assert f'href="{reverse("storefront:organization", args=[child.pk])}"' in page
    assert 'Acme West <span class="muted">(not assigned to you)</span>' in page
    assert "$5,000.00" in page  # credit limit
    assert f"${5000 - order.total:,.2f}" in page  # credit available
    assert "3 items" in page  # the open cart
    assert f'href="{reverse("storefront:order_detail", args=[order.number])}"' in page
    assert f"${order.total:,.2f}" in page  # recent orders and spend this year


# --- Attribution ----------------------------------------------------------------------------------


def test_the_organizations_users_read_that_their_sales_representative_placed_the_order(
    signed_in, seller, store, shipping, client
):
    org = buyable(make_org(store, seller, "Acme Hotels", erp_id="ACME-1"))
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    signed_in(seller).post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    place(client, org)
    order = Order.objects.get()
    # the seller reads that they placed it, for the organization
    mine = client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert "you, for Acme Hotels" in mine
    assert "(your sales representative)" not in mine
    client.logout()
    buyer = factories.shopper(store=store, email="bob@example.com", first_name="Bob", last_name="Buyer")
    assert buyer.user is not None
    AccountAssociate.objects.create(account=org, user=buyer.user, role=AccountAssociate.Role.BUYER)
    as_buyer = signed_in(buyer.user)
    as_buyer.post(reverse("storefront:buying_for"), {"account_id": org.pk})
    detail = as_buyer.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert "Sally Seller (your sales representative)" in detail
    assert "with help from our customer service" not in detail
    orders = as_buyer.get(reverse("storefront:orders")).content.decode()
    assert "placed by Sally Seller (your sales representative)" in orders


def test_the_console_says_the_seller_placed_the_order_for_the_organization(signed_in, seller, store, shipping, csr):
    org = buyable(make_org(store, seller, "Acme Hotels", erp_id="ACME-1"))
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    place(client, org)
    order = Order.objects.get()
    client.logout()
    summary = signed_in(csr).get(reverse("service:order", args=[order.number])).content.decode()
    assert "placed by Sally Seller for Acme Hotels" in summary


def test_the_view_says_when_the_credit_is_in_another_currency_than_the_organization_buys_in(signed_in, seller, store):
    # given an organization with dollar credit that now buys in euros (the store sells in both)
    PriceList.objects.create(name="Euro prices", store=store, currency="EUR")
    org = buyable(make_org(store, seller, "Acme Hotels", erp_id="ACME-1"))
    Customer.objects.filter(pk=org.pk).update(preferred_currency="EUR")
    # when its seller opens its view
    page = view(signed_in(seller), org)
    # then the dollar credit is shown in dollars, with why it does not pay its euro orders
    assert "$5,000.00" in page
    assert "€5,000.00" not in page
    assert "it does not pay orders in Euro (EUR)" in page
