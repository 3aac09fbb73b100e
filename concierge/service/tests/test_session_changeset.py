"""A session's changeset in the console, and Undo of a cart line while the session is open."""

from __future__ import annotations

import pytest

from concierge.assist.models import AssistedSession
from concierge.audit.models import Event
from concierge.carts.models import Cart, CartLine
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assisting(signed_in, csr, shopper, store):
    """Ann in an assisted session with Jane, holding the cart lock, after adding a base layer."""
    client = signed_in(csr)
    client.post("/service/assist/access/", {"customer": shopper.pk, "reason": "Order help", "ticket": "4711"})
    sku = factories.product(store=store, name="Canyon Base Layer")
    client.post("/cart/lock/")
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 1})
    session = AssistedSession.objects.get(agent=csr)
    return client, session, sku


def test_the_changeset_lists_what_changed_with_before_and_after(assisting):
    client, _, _ = assisting
    page = client.get("/assist/changes/").content.decode()
    assert "What changed in this session" in page
    assert "Item added to the cart: Canyon Base Layer" in page
    assert "0 → 1" in page
    assert "4711" in page
    assert ">Undo</button>" in page


def test_undo_of_a_cart_line_puts_it_back_and_is_audited(assisting):
    client, session, sku = assisting
    added = Event.objects.get(action="cart.line_added", assisted_session_id=session.pk)
    response = client.post(f"/assist/changes/undo/{added.pk}")
    assert response.status_code == 302
    assert not CartLine.objects.filter(sku=sku).exists()
    undone = Event.objects.get(action="assist.change_undone")
    assert undone.data["event"] == added.pk
    assert undone.assisted_session_id == session.pk
    page = client.get("/assist/changes/").content.decode()
    assert "Undone: the cart line is back as it was." in page
    assert "Already undone." in page


def test_undo_is_refused_when_the_line_moved_on_since(assisting):
    client, session, sku = assisting
    added = Event.objects.get(action="cart.line_added", assisted_session_id=session.pk)
    CartLine.objects.filter(sku=sku).update(quantity=4)  # the line changed since
    client.post(f"/assist/changes/undo/{added.pk}")
    assert CartLine.objects.get(sku=sku).quantity == 4
    assert not Event.objects.filter(action="assist.change_undone").exists()
    page = client.get("/assist/changes/").content.decode()
    assert "This change cannot be undone: The line has changed since." in page


def test_another_csr_sees_the_changes_but_no_undo_and_another_store_does_not_see_them(
    assisting, client, csr_other_store
):
    from django.test import Client

    _, session, _ = assisting
    bob = factories.staff("CSR", stores=[session.customer.store], email="bob@concierge.test", first_name="Bob")
    other = Client()
    other.force_login(bob, backend="concierge.identity.backends.EmailBackend")
    page = other.get(f"/service/sessions/{session.pk}/").content.decode()
    assert "Canyon Base Layer" in page
    assert ">Undo</button>" not in page
    added = Event.objects.get(action="cart.line_added", assisted_session_id=session.pk)
    other.post(f"/assist/changes/undo/{added.pk}")
    assert Cart.objects.get(customer=session.customer).lines.count() == 1
    carla = Client()
    carla.force_login(csr_other_store, backend="concierge.identity.backends.EmailBackend")
    assert carla.get(f"/service/sessions/{session.pk}/").status_code == 404
