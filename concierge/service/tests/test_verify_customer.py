"""Per-session customer verification in the console: where the store requires it, Access customer's
account (and a deep link's confirm, and Create New Order) sends the customer a one-time code, and the
session starts only when the agent types the right one on the Verify customer step."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.test import Client

from concierge.assist.models import AssistedSession, CartTakeover, SessionVerification
from concierge.assist.verification import shopper_topic
from concierge.audit.models import Event
from concierge.core import live

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(store):
    store.assist_verification = store.Verification.REQUIRED
    store.save()
    return store


@pytest.fixture
def agent(signed_in, csr, django_capture_on_commit_callbacks):
    """The CSR's client; each request runs what it left for after its commit (the email, the live
    event), as a real request does."""
    client = signed_in(csr)

    def request(method: str, path: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method)(path, data or {})

    request.client = client  # type: ignore[attr-defined]  # the tests read the client's session through it
    return request


def access(agent, customer, **fields):
    return agent("post", "/service/assist/access/", {"customer": customer.pk, **fields})


def emailed_code(to: str = "jane@example.com") -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    found = re.search(r"^\s+(\d{3} \d{3})$", str(message.body), flags=re.MULTILINE)
    assert found, message.body
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code.replace(' ', '')) + 1) % 1_000_000:06d}"


def test_with_verification_off_access_starts_the_session_at_once(agent, csr, shopper):
    response = access(agent, shopper, reason="Order help")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    session = AssistedSession.objects.get(agent=csr)
    assert session.verified_at is None
    assert not SessionVerification.objects.exists()
    assert mail.outbox == []


def test_required_sends_a_code_and_starts_no_session_until_the_right_one(agent, csr, shopper, required):
    response = access(agent, shopper, reason="Order help", ticket="4711")
    verification = SessionVerification.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/service/assist/verify/{verification.pk}/"
    assert not AssistedSession.objects.exists()
    [message] = mail.outbox
    assert message.to == ["jane@example.com"]
    assert "Ann from customer service asks you to confirm" in message.body
    code = emailed_code()

    page = agent("get", response["Location"])
    text = page.content.decode()
    assert "Verify customer" in text
    assert "jane@example.com" in text
    assert "5 tries left" in text

    started = agent("post", response["Location"], {"code": code})
    assert started.status_code == 302
    assert started["Location"] == "/account/"
    session = AssistedSession.objects.get(agent=csr)
    assert (session.reason, session.ticket) == ("Order help", "4711")
    assert session.verified_at is not None
    assert session.verified_with == "EMAIL_AND_DEVICE"
    assert agent.client.session["assisted_session_id"] == session.pk
    assert agent("get", "/account/").status_code == 200  # the storefront acts for Jane now
    verification.refresh_from_db()
    assert (verification.status, verification.session_id) == ("VERIFIED", session.pk)
    actions = list(Event.objects.order_by("pk").values_list("action", flat=True))
    assert actions.index("assist.verification_sent") < actions.index("assist.session_started")
    assert "assist.verification_confirmed" in actions


def test_a_wrong_code_is_refused_with_a_field_error_and_the_try_counted(agent, shopper, required):
    access(agent, shopper)
    verification = SessionVerification.objects.get()
    code = emailed_code()
    refused = agent("post", f"/service/assist/verify/{verification.pk}/", {"code": wrong(code)})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="verify-code-error"' in text
    assert "That is not the code we sent. 4 tries left." in text
    assert not AssistedSession.objects.exists()
    verification.refresh_from_db()
    assert verification.tries == 1
    failed = Event.objects.get(action="assist.verification_failed")
    assert failed.data["tries"] == 1
    assert failed.data["spent"] is False
    # Not six digits: said plainly, and no try is counted.
    typo = agent("post", f"/service/assist/verify/{verification.pk}/", {"code": "12ab"})
    assert typo.status_code == 400
    assert "Enter the 6-digit code" in typo.content.decode()
    verification.refresh_from_db()
    assert verification.tries == 1
    # The right code still works, spaced as it is read out or not.
    assert (
        agent("post", f"/service/assist/verify/{verification.pk}/", {"code": code.replace(" ", "")}).status_code == 302
    )
    assert AssistedSession.objects.count() == 1


def test_an_expired_code_starts_no_session(agent, shopper, required, clock):
    access(agent, shopper)
    verification = SessionVerification.objects.get()
    code = emailed_code()
    clock.advance(dt.timedelta(minutes=10, seconds=1))
    page = agent("get", f"/service/assist/verify/{verification.pk}/").content.decode()
    assert "The code has expired. Send a new code." in page
    refused = agent("post", f"/service/assist/verify/{verification.pk}/", {"code": code})
    assert refused.status_code == 409
    assert "The code has expired (it works for 10 minutes). Send a new code." in refused.content.decode()
    assert not AssistedSession.objects.exists()
    verification.refresh_from_db()
    assert verification.status == "EXPIRED"
    assert Event.objects.filter(action="assist.verification_expired").count() == 1


def test_too_many_wrong_tries_spend_the_code_and_a_new_code_must_be_sent(agent, csr, shopper, required):
    access(agent, shopper)
    verification = SessionVerification.objects.get()
    url = f"/service/assist/verify/{verification.pk}/"
    code = emailed_code()
    for _ in range(4):
        agent("post", url, {"code": wrong(code)})
    last = agent("post", url, {"code": wrong(code)})
    assert "it was the last try: this code no longer works. Send a new code." in last.content.decode()
    verification.refresh_from_db()
    assert (verification.status, verification.tries) == ("SPENT", 5)
    spent = agent("post", url, {"code": code})
    assert spent.status_code == 409
    assert "Too many wrong codes" in spent.content.decode()
    assert not AssistedSession.objects.exists()

    resent = agent("post", f"{url}resend")
    assert resent.status_code == 302
    assert len(mail.outbox) == 2
    new_code = emailed_code()
    assert agent("post", url, {"code": code if code != new_code else wrong(code)}).status_code == 400
    assert agent("post", url, {"code": new_code}).status_code == 302
    assert AssistedSession.objects.get(agent=csr).verified_at is not None
    sends = Event.objects.filter(action="assist.verification_sent").order_by("pk").values_list("data", flat=True)
    assert [d["send"] for d in sends] == [1, 2]


def test_the_code_is_in_no_audit_event_and_no_page_the_agent_sees(agent, shopper, required):
    access(agent, shopper, reason="Order help")
    verification = SessionVerification.objects.get()
    code = emailed_code()
    digits = code.replace(" ", "")
    url = f"/service/assist/verify/{verification.pk}/"
    pages = [
        agent("get", url),
        agent("post", url, {"code": wrong(code)}),
        agent("get", f"/service/customers/{shopper.pk}/"),
    ]
    assert digits not in verification.code_hash
    agent("post", url, {"code": code})
    session = AssistedSession.objects.get()
    pages += [agent("get", "/account/"), agent("get", "/"), agent("get", f"/service/sessions/{session.pk}/")]
    for page in pages:
        text = page.content.decode()
        assert digits not in text
        assert code not in text
        for token in re.findall(r'data-live-token="([^"]+)"', text):
            read = live.read_stream_token(token)
            assert read is not None
            assert shopper_topic(shopper.user_id) not in read[1]  # never a stream of the customer's own
    for event in Event.objects.all():
        blob = json.dumps([event.data, event.changes])
        assert digits not in blob
        assert code not in blob


def test_the_customers_own_pages_hear_the_code_and_the_agents_do_not(agent, shopper, required, settings):
    # The test's transaction never commits, so PostgreSQL's NOTIFY would never be sent: the event
    # goes straight to this process's hub (the transport has its own tests in core/tests/test_live.py).
    settings.CONCIERGE_LIVE_NOTIFY = False
    heard: list[live.Event] = []
    unsubscribe = live.hub.subscribe([shopper_topic(shopper.user_id)], heard.append)
    try:
        access(agent, shopper)
    finally:
        unsubscribe()
    [event] = heard
    assert event.kind == "verification"
    assert event.data["code"] == emailed_code()
    assert event.data["helper"] == "Ann from customer service"

    # The customer's own page carries a stream token for their topic; it is theirs alone.
    own = Client()
    own.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    found = re.search(r'data-live-token="([^"]+)"', own.get("/").content.decode())
    assert found
    assert live.read_stream_token(found.group(1)) == (shopper.user_id, [shopper_topic(shopper.user_id)])


def test_the_ledger_and_the_session_page_show_the_verification(agent, shopper, required):
    access(agent, shopper, reason="Order help")
    verification = SessionVerification.objects.get()

    own = Client()
    own.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    waiting = own.get("/account/customer-service/").content.decode()
    assert "Waiting for your code" in waiting
    assert "read them the code sent to your email and your signed-in devices" in waiting

    agent("post", f"/service/assist/verify/{verification.pk}/", {"code": emailed_code()})
    session = AssistedSession.objects.get()
    ledger = own.get("/account/customer-service/").content.decode()
    assert "You confirmed this session with a code sent to your email and your signed-in devices" in ledger
    assert "Waiting for your code" not in ledger
    agent("post", "/service/assist/end/", {"next": "/service/"})
    page = agent("get", f"/service/sessions/{session.pk}/").content.decode()
    assert "Confirmed by the customer with a code sent to their email and signed-in devices" in page


def test_a_deep_link_goes_on_to_the_order_it_named_once_the_code_is_right(agent, shopper, required, order):
    confirm = agent("get", f"/service/assist/?order={order.number}").content.decode()
    assert "asks the customer to confirm each session" in confirm
    response = access(agent, shopper, then=f"/account/orders/{order.number}/")
    assert not AssistedSession.objects.exists()
    started = agent("post", response["Location"], {"code": emailed_code()})
    assert started["Location"] == f"/account/orders/{order.number}/"


def test_create_new_order_waits_for_the_code_then_creates_the_order(agent, csr, shopper, required):
    response = agent("post", "/service/takeovers/new/", {"customer": shopper.pk, "reason": "Order help"})
    verification = SessionVerification.objects.get()
    assert response["Location"] == f"/service/assist/verify/{verification.pk}/"
    assert not CartTakeover.objects.exists()
    assert not AssistedSession.objects.exists()
    assert "Create New Order" in agent("get", response["Location"]).content.decode()
    done = agent("post", response["Location"], {"code": emailed_code()})
    takeover = CartTakeover.objects.get()
    assert done["Location"] == f"/service/takeovers/{takeover.number}/"
    assert takeover.session.verified_at is not None
    assert takeover.session.reason == "Order help"


def test_continuing_an_order_after_its_session_ended_asks_for_a_new_code(agent, csr, shopper, required):
    response = agent("post", "/service/takeovers/new/", {"customer": shopper.pk})
    agent("post", response["Location"], {"code": emailed_code()})
    takeover = CartTakeover.objects.get()
    assert takeover.session is not None
    AssistedSession.objects.filter(pk=takeover.session.pk).update(ended_at=takeover.created_at, status="ENDED")
    again = agent("post", f"/service/takeovers/{takeover.number}/cart/")
    resume = SessionVerification.objects.get(purpose="RESUME")
    assert again["Location"] == f"/service/assist/verify/{resume.pk}/"
    assert "Continue order" in agent("get", again["Location"]).content.decode()
    done = agent("post", again["Location"], {"code": emailed_code()})
    assert done["Location"] == f"/service/takeovers/{takeover.number}/"
    takeover.refresh_from_db()
    resume.refresh_from_db()
    assert takeover.session_id == resume.session_id
    assert takeover.status == "IN_CART"


def test_a_guest_order_for_an_anonymous_shopper_needs_no_code(agent, store, required):
    guest = {"kind": "guest", "first_name": "Gina", "last_name": "Guest", "email": "g@example.com", "store": store.pk}
    response = agent("post", "/service/takeovers/new/", guest)
    assert response.status_code == 302
    assert CartTakeover.objects.count() == 1
    assert not SessionVerification.objects.exists()


def test_cancel_sends_no_session_and_the_code_stops_working(agent, shopper, required):
    access(agent, shopper)
    verification = SessionVerification.objects.get()
    code = emailed_code()
    cancelled = agent("post", f"/service/assist/verify/{verification.pk}/cancel")
    assert cancelled["Location"] == f"/service/customers/{shopper.pk}/"
    refused = agent("post", f"/service/assist/verify/{verification.pk}/", {"code": code})
    assert refused.status_code == 409
    assert not AssistedSession.objects.exists()
    assert Event.objects.filter(action="assist.verification_cancelled").exists()


def test_another_agents_verification_is_not_found(agent, shopper, required, store):
    from concierge.testing import factories

    access(agent, shopper)
    verification = SessionVerification.objects.get()
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob")
    other = Client()
    other.force_login(bob, backend="concierge.identity.backends.EmailBackend")
    assert other.get(f"/service/assist/verify/{verification.pk}/").status_code == 404
    assert other.post(f"/service/assist/verify/{verification.pk}/", {"code": emailed_code()}).status_code == 404
    assert not AssistedSession.objects.exists()


def test_the_store_admin_shows_the_setting(client, administrator, store):
    client.force_login(administrator, backend="concierge.identity.backends.EmailBackend")
    page = client.get(f"/admin/stores/store/{store.pk}/change/").content.decode()
    assert 'name="assist_verification"' in page
    assert "Required: the customer confirms each session with a one-time code" in page


def test_the_confirmation_is_how_the_session_started_not_a_change_in_it(agent, shopper, required):
    from concierge.assist.changeset import session_changeset

    access(agent, shopper)
    verification = SessionVerification.objects.get()
    agent("post", f"/service/assist/verify/{verification.pk}/", {"code": emailed_code()})
    session = AssistedSession.objects.get()
    confirmed = Event.objects.get(action="assist.verification_confirmed")
    assert confirmed.data["session"] == session.pk
    assert confirmed.assisted_session_id is None
    assert session_changeset(session) == []
