"""A reason and a case reference on every session, required where the customer's store says so."""

from __future__ import annotations

import pytest

from concierge.assist.models import AssistedSession, SessionReason
from concierge.audit.models import Event

pytestmark = pytest.mark.django_db


def access(client, customer, **fields):
    return client.post("/service/assist/access/", {"customer": customer.pk, **fields})


def test_access_starts_with_the_reason_from_the_list_and_the_case_reference(signed_in, csr, shopper):
    client = signed_in(csr)
    response = access(client, shopper, reason="returns and refunds", ticket=" 4711 ")
    assert response.status_code == 302
    session = AssistedSession.objects.get(agent=csr)
    assert (session.reason, session.ticket) == ("Returns and refunds", "4711")  # the list's spelling
    started = Event.objects.get(action="assist.session_started")
    assert started.data["reason"] == "Returns and refunds"
    assert started.data["ticket"] == "4711"


def test_a_reason_that_is_not_on_the_list_starts_no_session(signed_in, csr, shopper):
    client = signed_in(csr)
    response = access(client, shopper, reason="Because", ticket="")
    assert response.status_code == 302
    assert not AssistedSession.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Choose the reason from the list." in page


def test_a_store_that_asks_for_a_reason_and_a_case_refuses_a_session_without_them(signed_in, csr, shopper, store):
    store.assist_reason_required = True
    store.assist_case_required = True
    store.save()
    client = signed_in(csr)
    access(client, shopper)
    assert not AssistedSession.objects.exists()
    access(client, shopper, reason="Order help")
    assert not AssistedSession.objects.exists()
    access(client, shopper, reason="Order help", ticket="CASE-9")
    assert AssistedSession.objects.get().ticket == "CASE-9"


def test_the_access_form_offers_the_active_reasons_and_marks_what_the_store_requires(signed_in, csr, shopper, store):
    SessionReason.objects.filter(name="Sales").update(is_active=False)
    store.assist_case_required = True
    store.save()
    page = signed_in(csr).get(f"/service/customers/{shopper.pk}/").content.decode()
    assert '<option value="Order help">Order help</option>' in page
    assert '<option value="Sales">' not in page
    assert 'name="ticket" maxlength="40" required' in page


def test_the_api_refuses_a_session_without_the_case_the_store_requires(client, csr, shopper, store):
    from concierge.core.context import ActingContext
    from concierge.identity.services import api_token_create

    store.assist_case_required = True
    store.save()
    _, key = api_token_create(ActingContext(user=csr), name="t")
    headers = {"Authorization": f"Bearer {key}"}
    refused = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk, "reason": "Order help"},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["code"] == "assist.case_required"
    assert refused.json()["fields"] == {"ticket": ["Enter the case reference."]}
    long = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk, "ticket": "x" * 41},
                       content_type="application/json", headers=headers)  # fmt: skip
    assert long.status_code == 422  # the schema's limit, named in the field's message
    assert "40" in str(long.json()["fields"])
    started = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk, "ticket": "4711"},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert started.status_code == 201


def test_an_administrator_adds_a_session_reason_and_the_change_is_audited(client, administrator):
    client.force_login(administrator, backend="concierge.identity.backends.EmailBackend")
    response = client.post(
        "/admin/assist/sessionreason/add/", {"name": "Fraud check", "position": 9, "is_active": "on"}
    )
    assert response.status_code == 302
    assert SessionReason.objects.filter(name="Fraud check", is_active=True).exists()
    assert Event.objects.filter(action="admin.sessionreason.added").exists()


def test_an_order_created_for_the_customer_carries_the_sessions_reason_and_case(signed_in, csr, shopper):
    from concierge.orders.models import Order

    client = signed_in(csr)
    response = client.post(
        "/service/takeovers/new/", {"customer": shopper.pk, "reason": "Order help", "ticket": "4711"}
    )
    assert response.status_code == 302
    order = Order.objects.get(customer=shopper)
    assert (order.assist_reason, order.assist_case) == ("Order help", "4711")
    page = client.get(f"/service/orders/{order.number}/").content.decode()
    assert "created by Ann Agent for Jane Shopper" in page
    assert "case 4711 · Order help" in page


def test_a_guest_order_is_not_created_without_the_case_the_store_requires(signed_in, csr, store):
    from concierge.customers.models import Customer

    store.assist_case_required = True
    store.save()
    guests = Customer.objects.count()
    guest = {"kind": "guest", "first_name": "Gina", "last_name": "Guest", "email": "g@example.com", "store": store.pk}
    response = signed_in(csr).post("/service/takeovers/new/", guest)
    assert response.status_code == 400
    assert "Enter the case reference." in response.content.decode()
    assert Customer.objects.count() == guests
