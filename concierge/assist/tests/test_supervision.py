"""A supervisor ends another agent's live session with a reason, or offers it to a colleague: the
cart locks are let go, both ends are audited, the customer's ledger says a supervisor ended it, the
agent's next step tells them; only sessions of the stores the supervisor serves, never by a CSR."""

from __future__ import annotations

import pytest

from concierge.assist.ledger import customer_ledger
from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.assist.supervision import session_end_by_supervisor, session_transfer_by_supervisor
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.desk.tests.queue_support import browser, live_session, locked_cart
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_ending_lets_go_of_the_cart_locks_and_the_ledger_says_a_supervisor_ended_it(csr, supervisor, shopper):
    session, cart = locked_cart(csr, shopper)
    assert cart.lease_holder == csr
    ended = session_end_by_supervisor(ActingContext(user=supervisor), session_id=session.pk, note="Shift over.")
    assert (ended.end_reason, ended.ended_by, ended.end_note) == ("ENDED_BY_SUPERVISOR", supervisor, "Shift over.")
    assert not Cart.objects.get(pk=cart.pk).lease_is_live()
    assert Event.objects.filter(action="cart.unlocked", subject_id=str(cart.pk), data__session_ended=True).exists()
    by_supervisor = Event.objects.get(action="assist.session_ended_by_supervisor")
    assert (by_supervisor.actor_id, by_supervisor.data["note"], by_supervisor.data["agent"]) == (
        supervisor.pk,
        "Shift over.",
        "Ann Agent",
    )
    assert Event.objects.filter(action="assist.session_ended", data__reason="ENDED_BY_SUPERVISOR").exists()
    entry = customer_ledger(shopper)[0]
    assert entry.ended_how == "Ended by a customer service supervisor"


def test_the_agents_next_step_tells_them_who_ended_it_and_why(csr, supervisor, shopper):
    ann = browser(csr)
    ann.post("/service/assist/access/", {"customer": shopper.pk, "reason": "Order help"})
    session = AssistedSession.objects.get(agent=csr, ended_at=None)
    session_end_by_supervisor(ActingContext(user=supervisor), session_id=session.pk, note="Customer asked for me.")
    page = ann.get("/account/", follow=True).content.decode()
    assert (f"{supervisor.display_name} ended your session on behalf of Jane Shopper. Reason: Customer asked for "
            "me. You are signed in as yourself.") in page.replace("&#x27;", "'")  # fmt: skip


def test_only_a_supervisor_of_the_customers_store_may_end_it(csr, csr_other_store, other_store, store):
    canadian = factories.shopper(store=other_store, first_name="Chloe", last_name="Tremblay")
    session = live_session(csr_other_store, canadian)
    us_lead = factories.staff("Supervisor", stores=[store])
    with pytest.raises(NotFound):
        session_end_by_supervisor(ActingContext(user=us_lead), session_id=session.pk, note="x")
    with pytest.raises(PermissionDenied):
        session_end_by_supervisor(ActingContext(user=csr), session_id=session.pk, note="x")
    assert AssistedSession.objects.get(pk=session.pk).is_open


@pytest.mark.parametrize(("note", "words"), [("", "Give a reason"), ("x" * 501, "500"), ("a\x00b", "control")])
def test_a_reason_is_required_and_over_long_or_control_text_refused(csr, supervisor, shopper, note, words):
    session = live_session(csr, shopper)
    with pytest.raises(DomainError) as refused:
        session_end_by_supervisor(ActingContext(user=supervisor), session_id=session.pk, note=note)
    assert refused.value.code == "assist.end_note_required"
    assert words.lower() in refused.value.message.lower()
    assert AssistedSession.objects.get(pk=session.pk).is_open


def test_a_supervisor_offers_the_session_and_the_receiver_accepts_as_any_transfer(csr, supervisor, shopper, store):
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Baker")
    bob_browser = browser(bob)
    session = live_session(csr, shopper)
    offer = session_transfer_by_supervisor(ActingContext(user=supervisor), session_id=session.pk, to_user_id=bob.pk,
                                           note="Ann is needed elsewhere.")  # fmt: skip
    assert (offer.from_agent, offer.to_agent, offer.status) == (csr, bob, SessionTransfer.Status.OFFERED)
    event = Event.objects.get(action="assist.transfer_offered")
    assert (event.actor_id, event.data["by_supervisor"]) == (supervisor.pk, supervisor.display_name)
    with pytest.raises(DomainError) as twice:
        session_transfer_by_supervisor(ActingContext(user=supervisor), session_id=session.pk, to_user_id=bob.pk,
                                       note="")  # fmt: skip
    assert twice.value.status == 409
    home = bob_browser.get("/service/").content.decode()
    assert "Ann is needed elsewhere." in home
    assert bob_browser.post(f"/service/transfers/{offer.pk}/accept").status_code == 302
    assert AssistedSession.objects.get(pk=session.pk).agent == bob
