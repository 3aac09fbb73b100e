"""Undo of an address or profile change in a session's changeset: a CSR in an assisted session
edits Jane's record in the console, then undoes each change from the assist bar's What changed —
form POSTs as the CSR makes them. An undo goes through the record's services (its lock and version),
is audited, and is refused with a reason when the record has moved on since."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from concierge.assist.models import AssistedSession
from concierge.audit.models import Event
from concierge.customers.models import Address, Customer
from concierge.testing import factories

pytestmark = pytest.mark.django_db

ADDRESS = {"label": "", "first_name": "Jane", "last_name": "Shopper", "line1": "100 Congress Ave", "line2": "",
           "city": "Austin", "region": "TX", "postal_code": "78701", "country": "US", "phone": ""}  # fmt: skip


def open_record(client: Client, customer: Customer) -> None:
    """Edit in the console's record editor: the record locks for this browser."""
    customer.refresh_from_db()
    response = client.post(reverse("service:customer_open", args=[customer.pk]), {"version": customer.version})
    assert response.status_code == 302


def edit_address(client: Client, address: Address, **changes: str) -> None:
    """My Account → Addresses → Edit → Save address, as the agent in the session."""
    address.refresh_from_db()
    form = {"action": "update", "address": address.pk, **{f: getattr(address, f) for f in ADDRESS}, **changes}
    response = client.post("/account/addresses/", form)
    assert response.status_code == 302, response.content.decode()[:500]


def save_profile(client: Client, customer: Customer, **changes: str) -> None:
    """My Account → Edit profile → Save profile."""
    customer.refresh_from_db()
    form = {"first_name": customer.first_name, "last_name": customer.last_name, "phone": customer.phone, **changes}
    response = client.post("/account/profile/", form)
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def session(signed_in, csr, shopper) -> tuple[Client, AssistedSession, Address]:
    """Ann acting for Jane (Order help, case 4711), who has one address."""
    address = shopper.addresses.first() or factories.address(shopper)
    client = signed_in(csr)
    client.post("/service/assist/access/", {"customer": shopper.pk, "reason": "Order help", "ticket": "4711"})
    return client, AssistedSession.objects.get(agent=csr), address


def undo(client: Client, event: Event) -> str:
    response = client.post(f"/assist/changes/undo/{event.pk}")
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_an_address_edit_and_a_profile_field_are_undone_from_what_changed(session, shopper):
    client, assisted, address = session
    edit_address(client, address, line1="9 Elm Street", city="Round Rock")
    save_profile(client, shopper, phone="+1 512 555 0100")
    page = client.get("/assist/changes/").content.decode()
    assert "Address changed" in page
    assert "Street address" in page
    assert "100 Congress Ave → 9 Elm Street" in page
    assert "Customer details changed" in page
    assert "Telephone #" in page
    assert "+1 512 555 0100" in page
    assert page.count(">Undo</button>") == 2

    edited = Event.objects.get(action="address.updated", assisted_session_id=assisted.pk)
    page = undo(client, edited)
    assert "Undone: the address is back as it was." in page
    address.refresh_from_db()
    assert (address.line1, address.city) == ("100 Congress Ave", "Austin")

    profile = Event.objects.get(action="customer.updated", assisted_session_id=assisted.pk)
    page = undo(client, profile)
    assert "Undone: the profile is back as it was." in page
    shopper.refresh_from_db()
    assert shopper.phone == ""
    assert not shopper.lease_is_live()  # the undo let go of the record's lock it took
    assert page.count("Already undone.") == 2
    undone = Event.objects.filter(action="assist.change_undone", assisted_session_id=assisted.pk)
    assert {e.data["undid"] for e in undone} == {"address.updated", "customer.updated"}
    assert all(e.actor_label == "Ann Agent" and e.on_behalf_of_id == shopper.pk for e in undone)
    # The undo's own edits are audited changes of the session too, and are not offered Undo again.
    assert "This change was an undo." in page
    # Jane's ledger lists the changes, not the record's lock the undo took and let go.
    jane = Client()
    jane.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    ledger = jane.get("/account/customer-service/").content.decode()
    assert "Changed an address" in ledger
    assert "Record opened for editing" not in ledger
    assert "Record closed" not in ledger


def test_an_address_added_is_removed_and_an_address_removed_is_restored(session, shopper):
    client, assisted, address = session
    client.post("/account/addresses/", {"action": "add", **ADDRESS, "line1": "1 River Road", "city": "Waco"})
    client.post("/account/addresses/", {"action": "remove", "address": address.pk})
    assert list(shopper.addresses.values_list("line1", flat=True)) == ["1 River Road"]
    page = client.get("/assist/changes/").content.decode()
    assert "Address · Jane Shopper, 1 River Road, Waco TX 78701, US" in page
    assert "Address · Jane Shopper, 100 Congress Ave" in page

    removed = Event.objects.get(action="address.removed", assisted_session_id=assisted.pk)
    assert removed.data["fields"]["line1"] == "100 Congress Ave"  # what the removal recorded
    page = undo(client, removed)
    assert "Undone: the address is back in the address book." in page
    assert set(shopper.addresses.values_list("line1", flat=True)) == {"1 River Road", "100 Congress Ave"}

    added = Event.objects.get(action="address.added", assisted_session_id=assisted.pk,
                              data__fields__line1="1 River Road")  # fmt: skip
    page = undo(client, added)
    assert "Undone: the address is removed." in page
    assert list(shopper.addresses.values_list("line1", flat=True)) == ["100 Congress Ave"]


def test_undo_is_refused_when_a_later_edit_changed_the_same_field(session, shopper):
    client, assisted, address = session
    edit_address(client, address, line1="9 Elm Street")
    edit_address(client, address, line1="11 Oak Lane")  # a later edit of the same field
    first = Event.objects.filter(action="address.updated", assisted_session_id=assisted.pk).earliest("pk")
    page = undo(client, first)
    assert "This change cannot be undone: Street address changed again since." in page
    address.refresh_from_db()
    assert address.line1 == "11 Oak Lane"
    assert not Event.objects.filter(action="assist.change_undone").exists()


def test_undo_is_refused_while_another_csr_edits_the_record(session, shopper, store):
    client, assisted, _ = session
    save_profile(client, shopper, first_name="Janet")
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    other = Client()
    other.force_login(bob, backend="concierge.identity.backends.EmailBackend")
    open_record(other, shopper)  # Bob opens the record for editing
    profile = Event.objects.get(action="customer.updated", assisted_session_id=assisted.pk)
    page = client.get("/assist/changes/").content.decode()
    assert "Bob Agent is editing the record now." in page
    page = undo(client, profile)
    assert "This change cannot be undone: Bob Agent is editing the record now." in page
    shopper.refresh_from_db()
    assert shopper.first_name == "Janet"


def test_nothing_is_undone_once_the_customer_is_disabled(session, shopper):
    """A disabled customer is served by no one: the agent's session ends on their next request, and
    the undo with it (a record disabled between the two is refused as "disabled since")."""
    client, assisted, address = session
    edit_address(client, address, city="Round Rock")
    Customer.objects.filter(pk=shopper.pk).update(status=Customer.Status.DISABLED)
    edited = Event.objects.get(action="address.updated", assisted_session_id=assisted.pk)
    page = undo(client, edited)
    assert "Your session on behalf of the customer has ended." in page
    address.refresh_from_db()
    assert address.city == "Round Rock"
    assert not Event.objects.filter(action="assist.change_undone").exists()


def test_the_console_review_shows_the_changes_without_undo(session, shopper, signed_in, supervisor):
    client, assisted, address = session
    edit_address(client, address, city="Round Rock")
    page = signed_in(supervisor).get(f"/service/sessions/{assisted.pk}/").content.decode()
    assert "Austin → Round Rock" in page
    assert ">Undo</button>" not in page


def test_a_profile_change_is_refused_while_customer_service_edits_the_record(session, shopper, store):
    client, _, _ = session
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    other = Client()
    other.force_login(bob, backend="concierge.identity.backends.EmailBackend")
    open_record(other, shopper)
    response = client.post("/account/profile/", {"first_name": "Janet", "last_name": "Shopper", "phone": ""})
    assert "Bob Agent is editing Jane Shopper" in response.content.decode()
    shopper.refresh_from_db()
    assert shopper.first_name == "Jane"


def test_the_profile_form_refuses_bad_input_with_field_errors(session, shopper):
    client, _, _ = session
    response = client.post("/account/profile/", {"first_name": "", "last_name": "x" * 200, "phone": "call me"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a first name." in page
    assert "at most" in page.lower() or "characters" in page
    assert "Enter a telephone number" in page


def test_a_profile_change_the_profile_form_does_not_make_is_not_offered_undo(session, shopper):
    """A change of the record that the Customer Profile's Save cannot put back (here the preferred
    currency) is listed, and refused with the reason, instead of an undo that would change nothing."""
    from concierge.assist.services import assisting
    from concierge.audit.services import record
    from concierge.core.context import ActingContext

    client, assisted, _ = session
    ctx = assisting(ActingContext(user=assisted.agent), assisted)
    with transaction.atomic():
        event = record(ctx, action="customer.updated", subject_kind="customer", subject_id=shopper.pk,
                       changes={"preferred_currency": ("USD", "EUR")})  # fmt: skip
    page = client.get("/assist/changes/").content.decode()
    assert "Only the profile&#x27;s own fields can be undone here." in page
    page = undo(client, event)
    assert "This change cannot be undone: Only the profile" in page
    assert not Event.objects.filter(action="assist.change_undone").exists()


def test_remove_customer_data_redacts_the_streets_that_address_events_recorded(session, shopper, signed_in, supervisor):
    """A removed or changed address's values live on in its events (so that it can be undone);
    Remove customer data finds and redacts those too, not only the addresses the customer has."""
    client, _, address = session
    edit_address(client, address, line1="5 Vanished Row")  # the old street only in the event now
    gift = {**ADDRESS, "first_name": "Omar", "last_name": "Gift", "line1": "9 Gone Court"}  # names nobody else
    client.post("/account/addresses/", {"action": "add", **gift})
    gone = Address.objects.get(line1="9 Gone Court")
    client.post("/account/addresses/", {"action": "remove", "address": gone.pk})  # only in its events
    client.post(reverse("service:assist_end"))
    staff = signed_in(supervisor)
    version = Customer.objects.get(pk=shopper.pk).version
    staff.post(reverse("service:customer_open", args=[shopper.pk]), {"version": version})
    version = Customer.objects.get(pk=shopper.pk).version
    response = staff.post(reverse("service:customer_remove_data", args=[shopper.pk]),
                          {"version": version, "tab": "policies", "confirmation": shopper.shared_id,
                           "reason": "Asked by the customer"})  # fmt: skip
    assert response.status_code == 302
    payloads = " ".join(str((e.changes, e.data)) for e in Event.objects.filter(action__startswith="address."))
    assert "100 Congress Ave" not in payloads
    assert "9 Gone Court" not in payloads
    assert "5 Vanished Row" not in payloads
