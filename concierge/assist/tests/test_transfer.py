"""Warm transfer: Ann hands Jane's live session to Bob with a note; Bob accepts and gets the session,
its reason and case, its changeset and the cart lock; Ann leaves it; Jane's ledger shows it."""

from __future__ import annotations

import pytest
from django.test import Client

from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.core import clock
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="concierge.identity.backends.EmailBackend")
    type(user).objects.filter(pk=user.pk).update(last_login=clock.now())
    return client


@pytest.fixture
def bob(store):
    return factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")


@pytest.fixture
def ann_assisting(csr, shopper, store, bob):
    ann = signed_in_client(csr)
    signed_in_client(bob)  # Bob is signed in: he is someone Ann can hand to
    ann.post("/service/assist/access/", {"customer": shopper.pk, "reason": "Order help", "ticket": "4711"})
    ann.post("/cart/lock/")
    ann.post("/cart/add/", {"sku": factories.product(store=store, name="Canyon Base Layer").pk, "quantity": 1})
    return ann


def test_a_warm_transfer_moves_the_session_and_the_cart_lock(ann_assisting, csr, bob, shopper):
    page = ann_assisting.get("/assist/transfer/").content.decode()
    assert "Bob Agent" in page
    ann_assisting.post("/assist/transfer/", {"to": bob.pk, "note": "Wants it by Friday"})
    offer = SessionTransfer.objects.get()
    assert (offer.to_agent, offer.note, offer.status) == (bob, "Wants it by Friday", "OFFERED")

    bob_client = signed_in_client(bob)
    home = bob_client.get("/service/").content.decode()
    assert "Ann Agent</strong> offers you Jane Shopper" in home
    assert "Wants it by Friday" in home
    accepted = bob_client.post(f"/service/transfers/{offer.pk}/accept")
    assert accepted["Location"] == "/account/"
    session = AssistedSession.objects.get(pk=offer.session_id)
    assert session.agent == bob
    assert (session.reason, session.ticket) == ("Order help", "4711")
    cart = Cart.objects.get(customer=shopper)
    assert cart.lease_holder == bob
    moved = Event.objects.get(action="cart.lock_taken_over", subject_id=str(cart.pk))
    assert (moved.actor_id, moved.data["previous_holder"]) == (bob.pk, csr.pk)
    # Bob's browser holds the lock: he changes the cart at once.
    sku = factories.product(store=shopper.store, name="Summit Sun Hat")
    bob_client.post("/cart/add/", {"sku": sku.pk, "quantity": 1})
    assert cart.lines.count() == 2
    # Ann has left the session: her next step is as herself.
    ann_assisting.get("/account/")
    assert not AssistedSession.objects.filter(agent=csr, ended_at=None).exists()
    # The changeset so far is Bob's now, and the handover is in it and in Jane's ledger.
    assert Event.objects.filter(assisted_session_id=session.pk, action="cart.line_added").count() == 2
    jane = Client()
    jane.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    assert "Ann handed you over to Bob from customer service" in jane.get("/account/customer-service/").content.decode()


def test_a_transfer_is_refused_to_someone_who_may_not_serve_the_customer(ann_assisting, csr_other_store):
    signed_in_client(csr_other_store)
    response = ann_assisting.post("/assist/transfer/", {"to": csr_other_store.pk})
    assert response.status_code == 400
    assert "Choose a colleague" in response.content.decode()
    assert not SessionTransfer.objects.exists()


def test_declined_and_withdrawn_offers_leave_the_session_with_its_agent(ann_assisting, csr, bob):
    ann_assisting.post("/assist/transfer/", {"to": bob.pk})
    offer = SessionTransfer.objects.get()
    bob_client = signed_in_client(bob)
    bob_client.post(f"/service/transfers/{offer.pk}/decline")
    offer.refresh_from_db()
    assert offer.status == "DECLINED"
    assert AssistedSession.objects.get(pk=offer.session_id).agent == csr
    ann_assisting.post("/assist/transfer/", {"to": bob.pk})
    second = SessionTransfer.objects.get(status="OFFERED")
    ann_assisting.post("/assist/transfer/withdraw/", {"transfer": second.pk})
    second.refresh_from_db()
    assert second.status == "WITHDRAWN"
    assert Event.objects.filter(action="assist.transfer_withdrawn", data__transfer=second.pk).exists()
    bob_client.post(f"/service/transfers/{second.pk}/accept")  # too late: withdrawn
    assert AssistedSession.objects.get(pk=offer.session_id).agent == csr


def test_a_note_with_a_nul_byte_or_over_the_limit_is_refused_and_offers_nothing(ann_assisting, bob):
    nul = ann_assisting.post("/assist/transfer/", {"to": bob.pk, "note": "call\x00back"})
    assert nul.status_code == 400
    long = ann_assisting.post("/assist/transfer/", {"to": bob.pk, "note": "x" * 501})
    assert long.status_code == 400
    assert "at most 500 characters" in long.content.decode()
    assert not SessionTransfer.objects.exists()
