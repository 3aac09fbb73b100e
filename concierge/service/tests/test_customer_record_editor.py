"""The user record editor (seed 004 "Editing a User record"): Customer Profile with Save, Customer
Status, Addresses, Customer Segments with PUBLIC, the Orders tab — form POSTs as the CSR makes them,
with the version the page showed and the lock this browser holds."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import Address, Customer, Segment
from concierge.customers.search import Criteria, find_customers
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from concierge.testing.clients import browser
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def open_record(client: Client, customer: Customer) -> None:
    """Edit: the record locks for this browser."""
    response = client.post(reverse("service:customer_open", args=[customer.pk]), {"version": customer.version})
    assert response.status_code == 302


def profile_form(customer: Customer, **changes: str) -> dict[str, object]:
    customer.refresh_from_db()
    form: dict[str, object] = {
        "version": customer.version, "tab": "profile", "first_name": customer.first_name,
        "last_name": customer.last_name, "email": customer.email, "phone": customer.phone,
        "preferred_locale": customer.preferred_locale or "en_US", "status": customer.status,
    }  # fmt: skip
    form.update(changes)
    return form


def save(client: Client, customer: Customer, form: dict[str, object]):
    return client.post(reverse("service:customer_profile_save", args=[customer.pk]), form)


@pytest.fixture
def agent(signed_in, csr, shopper) -> Client:
    client = signed_in(csr)
    open_record(client, shopper)
    return client


# --- Customer Profile ---------------------------------------------------------------------------


def test_save_changes_the_profile_audits_before_and_after_and_unlocks(agent, shopper):
    before = shopper.version
    page = save(agent, shopper, profile_form(shopper, first_name="Janet", phone="+1 512 555 0100",
                                             preferred_locale="fr_CA"))  # fmt: skip
    assert page.status_code == 302
    shopper.refresh_from_db()
    assert (shopper.first_name, shopper.phone, shopper.preferred_locale) == ("Janet", "+1 512 555 0100", "fr_CA")
    assert shopper.version == before + 1
    assert not shopper.lease_is_live()
    event = Event.objects.get(action="customer.updated", subject_id=str(shopper.pk))
    assert event.changes["first_name"] == ["Jane", "Janet"]
    assert event.actor_label == "Ann Agent"
    assert event.on_behalf_of_id == shopper.pk
    shown = agent.get(page["Location"])
    assert "Jane Shopper saved" not in shown.text
    assert "Janet Shopper saved; the record is unlocked." in shown.text
    assert "French (Canada)" in shown.text


def test_the_name_change_reaches_find_customer_and_the_sign_in(agent, shopper, store):
    save(agent, shopper, profile_form(shopper, last_name="Marlowe"))
    found = find_customers(Criteria.parse({"last_name": "marl"}), store_ids={store.pk}).customers
    assert [c.pk for c in found] == [shopper.pk]
    shopper.user.refresh_from_db()
    assert shopper.user.last_name == "Marlowe"


def test_a_new_email_becomes_the_sign_in_email(agent, shopper):
    save(agent, shopper, profile_form(shopper, email="Jane.New@Example.com"))
    shopper.user.refresh_from_db()
    assert shopper.user.email == "jane.new@example.com"
    assert Client().login(email="jane.new@example.com", password=PASSWORD)


def test_an_email_another_customer_signs_in_with_is_refused(agent, shopper, other_shopper):
    page = save(agent, shopper, profile_form(shopper, email=other_shopper.email))
    assert page.status_code == 409
    assert "Another customer signs in with this email address." in page.text
    shopper.refresh_from_db()
    assert shopper.email == "jane@example.com"
    assert shopper.lease_is_live()  # still open for the CSR to correct


def test_an_over_long_field_is_refused_naming_the_limit_and_nothing_changes(agent, shopper):
    before = shopper.version
    page = save(agent, shopper, profile_form(shopper, first_name="J" * 81))
    assert page.status_code == 422
    assert "At most 80 characters. This has 81." in page.text
    assert 'value="' + "J" * 81 + '"' in page.text  # what was typed is kept, never cut
    shopper.refresh_from_db()
    assert (shopper.first_name, shopper.version) == ("Jane", before)


def test_a_bad_email_phone_locale_or_status_is_refused_by_field(agent, shopper):
    page = save(agent, shopper, profile_form(shopper, email="not-an-email", phone="call me", preferred_locale="xx_YY",
                                             status="SUSPENDED"))  # fmt: skip
    assert page.status_code == 422
    for words in ("Enter a valid email address.", "Enter a telephone number", "Choose a locale from the list.",
                  "Choose Active or Disabled."):  # fmt: skip
        assert words in page.text


def test_a_save_of_a_record_that_moved_on_is_refused_with_reload(agent, shopper):
    form = profile_form(shopper, first_name="Janet")
    Customer.objects.filter(pk=shopper.pk).update(version=shopper.version + 1)  # someone else's change
    page = save(agent, shopper, form)
    assert page.status_code == 412
    assert "Reload" in page.text
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_the_customers_own_email_change_makes_an_open_editor_stale(agent, shopper):
    # given Ann loaded the record; then Jane changes her sign-in email in My Account
    form = profile_form(shopper, phone="+1 512 555 0100")
    jane = browser(shopper.user)
    changed = jane.post(reverse("storefront:security"), {"action": "email", "email": "jane.b@example.com",
                                                         "password": PASSWORD})  # fmt: skip
    assert changed.status_code == 302
    # when Ann saves what she loaded: refused, so Jane's new email is not overwritten
    assert save(agent, shopper, form).status_code == 412
    shopper.refresh_from_db()
    assert (shopper.email, shopper.phone) == ("jane.b@example.com", "")


def test_a_save_without_the_version_is_refused(agent, shopper):
    form = profile_form(shopper, first_name="Janet")
    del form["version"]
    assert save(agent, shopper, form).status_code == 428
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_a_save_while_someone_else_holds_the_lock_is_refused_naming_them(agent, shopper, supervisor):
    other = browser(supervisor)
    page = save(other, shopper, profile_form(shopper, first_name="Sam's edit"))
    assert page.status_code == 409
    assert "Ann Agent is editing Jane Shopper" in page.text
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_a_save_without_opening_the_record_is_refused(signed_in, csr, shopper):
    page = save(signed_in(csr), shopper, profile_form(shopper, first_name="Janet"))
    assert page.status_code == 409
    assert "choose Edit to lock the record" in page.text


def test_the_profile_shows_the_price_preview_and_a_changed_locale_changes_it(agent, shopper):
    page = agent.get(reverse("service:customer", args=[shopper.pk]))
    assert "$14.25" in page.text
    preview = agent.get(reverse("service:customer_price_preview", args=[shopper.pk]), {"preferred_locale": "fr_FR"})
    assert preview.text == "14,25\u00a0$US"
    assert agent.get(reverse("service:customer_price_preview", args=[shopper.pk]),
                     {"preferred_locale": "de_DE"}).text == "14,25\u00a0$"  # fmt: skip


def test_the_profile_shows_registration_information(signed_in, csr, shopper):
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]))
    for words in ("Registration Information", shopper.shared_id, "Registered user", "Sign-in email", "Last sign-in"):
        assert words in page.text


def test_an_account_profile_has_business_fields_and_three_statuses(signed_in, csr, store):
    org = factories.organization(store=store, name="Acme Outfitters")
    client = signed_in(csr)
    open_record(client, org)
    page = client.get(reverse("service:customer", args=[org.pk]))
    for words in ("Business Name", "Business Number", "Suspended", "not permitted to make purchases"):
        assert words in page.text
    org.refresh_from_db()
    form = {"version": org.version, "organization_name": "Acme Outfitters Ltd", "business_number": "BN-7788",
            "email": "buying@acme.test", "phone": "", "preferred_locale": "en_US", "status": "SUSPENDED"}  # fmt: skip
    assert save(client, org, form).status_code == 302
    org.refresh_from_db()
    assert (org.organization_name, org.business_number, org.status) == ("Acme Outfitters Ltd", "BN-7788", "SUSPENDED")
    assert Event.objects.filter(action="customer.status_changed", subject_id=str(org.pk)).exists()


def test_a_shopper_cannot_post_a_profile_save(signed_in, other_shopper, shopper):
    page = save(signed_in(other_shopper.user), shopper, profile_form(shopper, first_name="Hacked"))
    assert page.status_code in {302, 403}
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_another_stores_csr_gets_not_found(signed_in, csr_other_store, shopper):
    page = save(signed_in(csr_other_store), shopper, profile_form(shopper, first_name="Carla's edit"))
    assert page.status_code == 404


# --- Customer Status: Disabled means no sign-in, reversibly ----------------------------------------


def test_a_disabled_user_cannot_sign_in_and_a_re_enabled_one_can(agent, shopper, csr):
    save(agent, shopper, profile_form(shopper, status="DISABLED"))
    assert Customer.objects.get(pk=shopper.pk).status == "DISABLED"
    page = Client().post(reverse("storefront:sign_in"), {"email": shopper.email, "password": PASSWORD})
    assert "This account is disabled, so you cannot sign in." in page.text
    # reversible: Active again
    open_record(agent, Customer.objects.get(pk=shopper.pk))
    save(agent, shopper, profile_form(shopper, status="ACTIVE"))
    shopper_browser = Client()
    signed = shopper_browser.post(reverse("storefront:sign_in"), {"email": shopper.email, "password": PASSWORD})
    assert signed.status_code == 302
    assert "_auth_user_id" in shopper_browser.session


def test_disabling_ends_the_users_open_session(agent, shopper):
    shopper_browser = browser(shopper.user)
    assert shopper_browser.get(reverse("storefront:my_account")).status_code == 200
    save(agent, shopper, profile_form(shopper, status="DISABLED"))
    assert shopper_browser.get(reverse("storefront:my_account")).status_code == 302


# --- Addresses ----------------------------------------------------------------------------------

NEW_ADDRESS = {"first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St", "city": "Dallas", "region": "TX",
               "postal_code": "75201", "country": "us", "label": "Office"}  # fmt: skip


def version_of(customer: Customer) -> int:
    return Customer.objects.get(pk=customer.pk).version


def test_add_an_address_as_default_billing_keeps_the_summary_and_the_lock(agent, shopper):
    before = version_of(shopper)
    response = agent.post(reverse("service:customer_address_add", args=[shopper.pk]),
                          {**NEW_ADDRESS, "version": before, "address": "new", "default_billing": "1"})  # fmt: skip
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.billing_summary == "9 Elm St, Dallas, 75201 US"
    assert shopper.version == before + 1
    assert shopper.lease_is_live()  # one step of the open editor
    assert Event.objects.filter(action="address.added", subject_id=str(shopper.pk), on_behalf_of_id=shopper.pk).exists()
    page = agent.get(response["Location"])
    assert "Address added." in page.text
    assert "Dallas" in page.text


def test_an_incomplete_address_is_refused_by_field_and_kept_open(agent, shopper):
    page = agent.post(reverse("service:customer_address_add", args=[shopper.pk]),
                      {**NEW_ADDRESS, "city": "", "line1": "x" * 161, "version": version_of(shopper),
                       "address": "new"})  # fmt: skip
    assert page.status_code == 400
    assert "Enter the city." in page.text
    assert "At most 160 characters. This has 161." in page.text
    assert shopper.addresses.count() == 1


def test_edit_set_default_shipping_and_remove_an_address(agent, shopper):
    second = factories.address(shopper, line1="5 Oak Rd", city="Houston", postal_code="77002")
    edited = agent.post(reverse("service:customer_address_update", args=[shopper.pk, second.pk]),
                        {**NEW_ADDRESS, "line1": "6 Oak Rd", "version": version_of(shopper),
                         "address": second.pk})  # fmt: skip
    assert edited.status_code == 302
    assert Address.objects.get(pk=second.pk).line1 == "6 Oak Rd"
    agent.post(reverse("service:customer_address_default", args=[shopper.pk, second.pk]),
               {"use": "shipping", "version": version_of(shopper)})  # fmt: skip
    assert shopper.addresses.get(is_default_shipping=True).pk == second.pk
    agent.post(reverse("service:customer_address_remove", args=[shopper.pk, second.pk]),
               {"version": version_of(shopper)})  # fmt: skip
    assert not Address.objects.filter(pk=second.pk).exists()
    assert Event.objects.filter(action="address.removed", subject_id=str(shopper.pk)).count() == 1


def test_the_addresses_tab_asks_before_removing(agent, shopper):
    page = agent.get(reverse("service:customer", args=[shopper.pk]), {"tab": "addresses"})
    assert "Remove Address - Confirm" in page.text
    assert "Set as default billing" not in page.text  # the only address is the default of both


def test_another_customers_address_is_not_found(agent, shopper, other_shopper):
    theirs = other_shopper.addresses.get()
    page = agent.post(reverse("service:customer_address_remove", args=[shopper.pk, theirs.pk]),
                      {"version": version_of(shopper)})  # fmt: skip
    assert page.status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


# --- Customer Segments --------------------------------------------------------------------------


@pytest.fixture
def vip(db) -> Segment:
    return Segment.objects.create(code="vip", name="VIP", description="Our best customers")


def test_add_segment_then_remove_it(agent, shopper, vip):
    page = agent.get(reverse("service:customer", args=[shopper.pk]), {"tab": "segments"})
    assert "Add Customer Segment Membership" in page.text
    added = agent.post(reverse("service:customer_segment_add", args=[shopper.pk]),
                       {"segment": vip.pk, "version": version_of(shopper), "tab": "segments"})  # fmt: skip
    assert added.status_code == 302
    assert list(shopper.segments.values_list("code", flat=True)) == ["vip"]
    page = agent.get(added["Location"])
    assert "Jane Shopper added to the VIP segment." in page.text
    assert "Remove Customer Segment Membership - Confirm" in page.text
    agent.post(reverse("service:customer_segment_remove", args=[shopper.pk, vip.pk]),
               {"version": version_of(shopper), "tab": "segments"})  # fmt: skip
    assert not shopper.segments.exists()
    actions = list(Event.objects.filter(subject_id=str(shopper.pk), action__startswith="customer.segment")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["customer.segment_added", "customer.segment_removed"]


def test_public_is_shown_and_cannot_be_removed(agent, shopper):
    public = Segment.objects.get(code="PUBLIC")
    page = agent.get(reverse("service:customer", args=[shopper.pk]), {"tab": "segments"})
    assert "PUBLIC" in page.text
    assert "Remove Segment PUBLIC" not in page.text
    refused = agent.post(reverse("service:customer_segment_remove", args=[shopper.pk, public.pk]),
                         {"version": version_of(shopper), "tab": "segments"})  # fmt: skip
    assert refused.status_code == 409
    assert "it cannot be removed" in refused.text


def test_a_segment_change_needs_the_lock(signed_in, csr, shopper, vip):
    page = signed_in(csr).post(reverse("service:customer_segment_add", args=[shopper.pk]),
                               {"segment": vip.pk, "version": shopper.version})  # fmt: skip
    assert page.status_code == 409
    assert not shopper.segments.exists()


# --- Orders -------------------------------------------------------------------------------------


def test_the_orders_tab_sorts_by_date_and_creates_an_order(signed_in, csr, shopper, store, clock):
    import datetime as dt

    first = placed_order(shopper, store)
    clock.advance(dt.timedelta(days=1))
    second = placed_order(shopper, store)
    client = signed_in(csr)
    newest = client.get(reverse("service:customer", args=[shopper.pk]), {"tab": "orders"}).text
    assert newest.index(second.number) < newest.index(first.number)
    oldest = client.get(reverse("service:customer", args=[shopper.pk]), {"tab": "orders", "sort": "oldest"}).text
    assert oldest.index(first.number) < oldest.index(second.number)
    assert reverse("service:order", args=[first.number]) in oldest
    assert "Create Order" in oldest
    created = client.post(reverse("service:takeover_new"), {"customer": shopper.pk})
    assert created.status_code == 302
    assert "/service/takeovers/" in created["Location"]
