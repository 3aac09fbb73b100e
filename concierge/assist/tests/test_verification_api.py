"""Per-session customer verification over the API: where the store requires it, starting a session
answers 202 with a pending verification; the session starts when the code the customer read out is
sent to its confirm route — right, in time, within the tries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from concierge.assist.models import AssistedSession, SessionVerification
from concierge.core.context import ActingContext
from concierge.identity.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(store):
    store.assist_verification = store.Verification.REQUIRED
    store.save()
    return store


@pytest.fixture
def api(csr, django_capture_on_commit_callbacks):
    """``api(path, body)``: a POST of the CSR's token, running what it left for after its commit."""
    _, key = api_token_create(ActingContext(user=csr), name="t")
    client = Client()

    def post(path: str, body: dict | None = None, *, key: str = key):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/v1{path}", body or {}, content_type="application/json",
                               headers={"Authorization": f"Bearer {key}"})  # fmt: skip

    return post


def emailed_code() -> str:
    found = re.search(r"^\s+(\d{3} \d{3})$", str(mail.outbox[-1].body), flags=re.MULTILINE)
    assert found
    return found.group(1).replace(" ", "")


def test_with_verification_off_the_api_starts_the_session_as_before(api, shopper):
    started = api("/assist/sessions", {"customer_id": shopper.pk})
    assert started.status_code == 201
    assert AssistedSession.objects.get(pk=started.json()["id"]).verified_at is None
    assert not SessionVerification.objects.exists()


def test_required_answers_202_and_the_right_code_starts_the_session(api, csr, shopper, required):
    pending = api("/assist/sessions", {"customer_id": shopper.pk, "reason": "Order help", "ticket": "4711"})
    assert pending.status_code == 202
    body = pending.json()
    assert body["status"] == "PENDING"
    assert body["tries_left"] == 5
    assert body["sent_with"] == "EMAIL_AND_DEVICE"
    assert not AssistedSession.objects.exists()
    code = emailed_code()
    assert code not in pending.content.decode()

    refused = api(f"/assist/verifications/{body['id']}/confirm", {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "assist.verification_wrong"
    assert refused.json()["fields"] == {"code": ["That is not the code we sent. 4 tries left."]}
    assert not AssistedSession.objects.exists()

    started = api(f"/assist/verifications/{body['id']}/confirm", {"code": code})
    assert started.status_code == 201
    session = AssistedSession.objects.get(pk=started.json()["id"])
    assert (session.agent, session.customer, session.channel) == (csr, shopper, "API")
    assert (session.reason, session.ticket) == ("Order help", "4711")
    assert session.verified_at is not None
    again = api(f"/assist/verifications/{body['id']}/confirm", {"code": code})
    assert again.status_code == 409
    assert again.json()["code"] == "assist.verification_closed"


def test_an_expired_or_spent_code_starts_no_session_until_a_new_one_is_sent(api, shopper, required, clock):
    body = api("/assist/sessions", {"customer_id": shopper.pk}).json()
    code = emailed_code()
    clock.advance(dt.timedelta(minutes=11))
    expired = api(f"/assist/verifications/{body['id']}/confirm", {"code": code})
    assert expired.status_code == 409
    assert expired.json()["code"] == "assist.verification_expired"

    resent = api(f"/assist/verifications/{body['id']}/resend")
    assert resent.status_code == 200
    assert resent.json()["status"] == "PENDING"
    new_code = emailed_code()
    wrong = f"{(int(new_code) + 7) % 10**6:06d}"
    for _ in range(5):
        api(f"/assist/verifications/{body['id']}/confirm", {"code": wrong})
    spent = api(f"/assist/verifications/{body['id']}/confirm", {"code": new_code})
    assert spent.status_code == 409
    assert spent.json()["code"] == "assist.verification_spent"
    assert not AssistedSession.objects.exists()


def test_a_session_cannot_be_started_around_the_code(csr, shopper, required):
    from concierge.assist.services import session_start
    from concierge.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        session_start(ActingContext(user=csr), customer_id=shopper.pk)
    assert refused.value.code == "assist.verification_required"
    assert not AssistedSession.objects.exists()


def test_another_callers_verification_is_not_found(api, shopper, required, store):
    from concierge.testing import factories

    body = api("/assist/sessions", {"customer_id": shopper.pk}).json()
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob")
    _, bobs_key = api_token_create(ActingContext(user=bob), name="t")
    refused = api(f"/assist/verifications/{body['id']}/confirm", {"code": emailed_code()}, key=bobs_key)
    assert refused.status_code == 404
    assert refused.json()["code"] == "assist.verification_closed"


def test_a_customer_with_no_way_to_receive_a_code_cannot_be_assisted_while_it_is_required(api, shopper, required):
    from concierge.customers.models import Customer

    Customer.objects.filter(pk=shopper.pk).update(email="", user=None)
    refused = api("/assist/sessions", {"customer_id": shopper.pk})
    assert refused.status_code == 409
    assert refused.json()["code"] == "assist.verification_undeliverable"


@pytest.mark.django_db(transaction=True)
def test_removing_customer_data_leaves_no_trace_in_a_start_that_asked_them_for_a_code(signed_in, supervisor, csr,
                                                                                       store):  # fmt: skip
    from concierge.assist.verification import verification_begin
    from concierge.customers.tests.test_erasure import (
        FIRST,
        LAST,
        a_customer_with_a_history,
        dump_database,
        remove_data,
        traces,
    )

    customer, _, _, _ = a_customer_with_a_history(store, csr)
    store.assist_verification = store.Verification.REQUIRED
    store.save()
    verification_begin(ActingContext(user=csr, store=store), customer_id=customer.pk, purpose="ACCESS",
                       ticket=f"{FIRST} {LAST} called again")  # fmt: skip
    assert remove_data(signed_in(supervisor), customer).status_code == 302
    assert traces(dump_database()) == {}
    assert SessionVerification.objects.get().ticket == ""
