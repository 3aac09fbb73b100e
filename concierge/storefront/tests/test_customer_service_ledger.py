"""My Account → Customer service: the customer's ledger of who helped them, End access now."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from concierge.assist.models import AssistedSession
from concierge.assist.services import assisting, session_end, session_start
from concierge.audit.models import Event
from concierge.carts.services import cart_add, cart_open
from concierge.core.context import ActingContext
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def customer_client(customer) -> Client:
    client = Client()
    client.force_login(customer.user, backend="concierge.identity.backends.EmailBackend")
    return client


def agent_session(csr, customer, **fields) -> AssistedSession:
    return session_start(ActingContext(user=csr), customer_id=customer.pk, **fields)


def test_the_ledger_lists_who_helped_when_why_and_what_changed_in_their_words(csr, shopper, store):
    session = agent_session(csr, shopper, reason="Order help", ticket="4711")
    ctx = assisting(ActingContext(user=csr), session)
    cart, _ = cart_open(ctx, anonymous_token=None)
    from concierge.carts.locks import cart_lock

    grant = cart_lock(ctx, cart=cart)
    sku = factories.product(store=store, name="Canyon Base Layer")
    cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1, lease_token=grant.token)
    session_end(ctx)

    page = customer_client(shopper).get("/account/customer-service/").content.decode()
    assert "Ann from customer service" in page  # the first name and team, not the full name
    assert "Agent" not in page.split("Customer service sessions", 1)[1].split("</main>", 1)[0]
    assert "Order help" in page
    assert "4711" in page
    assert "Added Canyon Base Layer to your cart" in page
    assert "End access now" not in page  # nothing is live


def test_a_store_that_prefers_full_names_shows_them(csr, shopper, store):
    store.assist_ledger_full_names = True
    store.save()
    agent_session(csr, shopper)
    page = customer_client(shopper).get("/account/customer-service/").content.decode()
    assert "Ann Agent from customer service" in page


def test_end_access_now_ends_the_live_session_and_the_agents_next_action_is_refused(signed_in, csr, shopper):
    agent = signed_in(csr)
    agent.post("/service/assist/access/", {"customer": shopper.pk})
    session = AssistedSession.objects.get(agent=csr)
    customer = customer_client(shopper)
    live = customer.get("/account/customer-service/").content.decode()
    assert "Live now" in live
    assert "End access now" in live

    response = customer.post(f"/account/customer-service/{session.pk}/end/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.end_reason == AssistedSession.EndReason.ENDED_BY_CUSTOMER
    ended = Event.objects.get(action="assist.session_ended_by_customer")
    assert ended.actor_id == shopper.user.pk
    assert "You ended it" in customer.get("/account/customer-service/").content.decode()

    # The agent's next step in the account finds the session over.
    agent.get("/account/")
    assert not AssistedSession.objects.filter(agent=csr, ended_at=None).exists()
    assert "Live now" not in customer.get("/account/customer-service/").content.decode()


def test_a_customer_sees_only_their_own_sessions_and_cannot_end_anothers(csr, shopper, other_shopper):
    theirs = agent_session(csr, other_shopper, reason="Sales")
    customer = customer_client(shopper)
    assert "Sales" not in customer.get("/account/customer-service/").content.decode()
    assert customer.post(f"/account/customer-service/{theirs.pk}/end/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_an_agent_assisting_the_customer_is_refused_the_ledger(signed_in, csr, shopper):
    agent = signed_in(csr)
    agent.post("/service/assist/access/", {"customer": shopper.pk})
    assert agent.get("/account/customer-service/").status_code == 403


def test_a_store_that_asks_for_it_emails_the_customer_when_a_session_starts_and_ends(
    csr, shopper, store, django_capture_on_commit_callbacks
):
    store.assist_session_emails = True
    store.save()
    with django_capture_on_commit_callbacks(execute=True):
        session = agent_session(csr, shopper, reason="Returns and refunds")
    with django_capture_on_commit_callbacks(execute=True):
        session_end(assisting(ActingContext(user=csr), session))
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        f"Customer service is helping you at {store.name}",
        f"Customer service has finished helping you at {store.name}",
    ]
    assert "Ann from customer service started helping you" in mail.outbox[0].body
    assert "/account/customer-service/" in mail.outbox[1].body
