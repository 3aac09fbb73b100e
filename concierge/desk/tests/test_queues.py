"""The supervisor's desk's queues in the console, as a supervisor works them: the home's counts, each
queue's rows (sorted, filtered by store, paged), Approve / Reject in place (never one's own), Unlock
with a reason, End a session with a reason and Transfer it; a CSR is refused the desk; another
store's row is not there and its id is 404."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from concierge.assist.models import AssistedSession, SessionTransfer
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.desk.queues import HELD, LOCKS, QUEUES, REFUNDS, SESSIONS, age_words, desk_scope, queue_page
from concierge.desk.tests.queue_support import (
    awaiting_refund,
    browser,
    live_session,
    locked_cart,
    locked_order,
    on_hold,
)
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def counted(body: str, name: str) -> int:
    """The count the desk's home shows beside a queue's name (and says with it to a screen reader)."""
    found = re.search(rf'aria-label="{re.escape(name)}: (\d+)">\s*<span class="desk-count-number">(\d+)</span>', body)
    assert found, f"{name} is not on the desk"
    assert found.group(1) == found.group(2)
    return int(found.group(1))


def queue_url(key: str, **query: str) -> str:
    url = reverse("service:desk_queue", args=[key])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def us_supervisor(store):
    """A supervisor of the US store only."""
    return factories.staff("Supervisor", stores=[store], first_name="Uma", last_name="Lead")


@pytest.fixture
def canadian(other_store):
    return factories.shopper(store=other_store, first_name="Chloe", last_name="Tremblay")


@pytest.fixture
def world(store, other_store, shopper, other_shopper, canadian, csr, csr_other_store, administrator):
    """One row of every queue in each store."""
    rows: dict[str, Any] = {
        "held": on_hold(shopper, store),
        "held_ca": on_hold(canadian, other_store),
        "refund": awaiting_refund(administrator, other_shopper, store),
    }
    rows["order_lock"] = rows["held"]
    locked_order(csr, rows["held"])
    rows["session_ca"], rows["cart_ca"] = locked_cart(csr_other_store, canadian)
    rows["session"] = live_session(csr, other_shopper)
    return rows


def test_a_csr_is_refused_the_desk_and_sees_no_desk_tab(csr, world):
    ann = browser(csr)
    assert ann.get(reverse("service:desk")).status_code == 403
    for key in QUEUES:
        assert ann.get(queue_url(key)).status_code == 403
    refund = world["refund"]
    assert ann.post(reverse("service:desk_refund_approve", args=[refund.pk]), {}).status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.AWAITING_APPROVAL
    assert 'href="/service/desk/"' not in ann.get(reverse("service:home")).content.decode()


def test_the_home_counts_each_queue_of_the_stores_served_and_links_to_it(supervisor, us_supervisor, world):
    sam = browser(supervisor)
    home = sam.get(reverse("service:desk"))
    assert home.status_code == 200
    words = home.content.decode()
    assert counted(words, "Orders On Hold") == 2
    assert counted(words, "Refunds Awaiting Approval") == 1
    assert counted(words, "Locked orders and carts") == 2
    assert counted(words, "Live assisted sessions") == 2
    body = home.content.decode()
    for key in QUEUES:
        assert f'href="{queue_url(key)}"' in body
    assert 'href="/service/desk/analytics/"' in body
    assert '<a class="tab" href="/service/desk/">Desk</a>' in body
    # a supervisor of the US store only counts its rows
    words = browser(us_supervisor).get(reverse("service:desk")).content.decode()
    assert counted(words, "Orders On Hold") == 1
    assert counted(words, "Locked orders and carts") == 1
    assert counted(words, "Live assisted sessions") == 1


def test_on_hold_shows_the_holds_by_name_the_age_and_opens_the_holds_tab(supervisor, world, clock):
    import datetime as dt

    clock.advance(dt.timedelta(hours=3, minutes=5))
    body = browser(supervisor).get(queue_url(HELD.key)).content.decode()
    order = world["held"]
    assert f'href="/service/orders/{order.number}/?tab=holds"' in body
    words = text(body)
    assert "Large order review" in words
    assert "First order" in words
    assert "TOTAL_ABOVE" not in body
    assert "FIRST_ORDER" not in body
    assert "3 hours 5 minutes" in words
    assert "Jane Shopper" in words
    assert "Chloe Tremblay" in words


def test_every_queue_shows_only_the_stores_served(us_supervisor, world):
    uma = browser(us_supervisor)
    held = text(uma.get(queue_url(HELD.key)).content.decode())
    assert world["held"].number in held
    assert world["held_ca"].number not in held
    locks = text(uma.get(queue_url(LOCKS.key)).content.decode())
    assert f"Order {world['held'].number}" in locks
    assert "Chloe Tremblay" not in locks
    sessions = text(uma.get(queue_url(SESSIONS.key)).content.decode())
    assert "Omar Other" in sessions
    assert "Chloe Tremblay" not in sessions
    assert world["refund"].order.number in text(uma.get(queue_url(REFUNDS.key)).content.decode())
    # the other store's rows by id are not found
    cart, session = world["cart_ca"], world["session_ca"]
    assert uma.post(reverse("service:desk_cart_unlock", args=[cart.pk]), {"reason": "x"}).status_code == 404
    assert uma.post(reverse("service:desk_order_unlock", args=[world["held_ca"].number]),
                    {"reason": "x"}).status_code == 404  # fmt: skip
    assert uma.post(reverse("service:desk_session_end", args=[session.pk]), {"note": "x"}).status_code == 404
    assert uma.get(reverse("service:desk_session_transfer", args=[session.pk])).status_code == 404
    assert Cart.objects.get(pk=cart.pk).lease_is_live()
    assert AssistedSession.objects.get(pk=session.pk).is_open


def test_the_store_filter_and_the_headers_sort(supervisor, store, other_store, world):
    sam = browser(supervisor)
    only_ca = text(sam.get(queue_url(HELD.key, store=str(other_store.pk))).content.decode())
    assert world["held_ca"].number in only_ca
    assert world["held"].number not in only_ca
    body = sam.get(queue_url(HELD.key, sort="total", dir="desc")).content.decode()
    assert 'aria-sort="descending"' in body
    usd_first = body.index(world["held"].number) < body.index(world["held_ca"].number)
    body = sam.get(queue_url(HELD.key, sort="total", dir="asc")).content.decode()
    assert (body.index(world["held"].number) < body.index(world["held_ca"].number)) != usd_first
    # an unknown sort is the queue's own
    assert sam.get(queue_url(HELD.key, sort="nonsense")).status_code == 200


def test_approve_in_place_issues_the_refund_and_unlocks_the_order(supervisor, world):
    refund = world["refund"]
    sam = browser(supervisor)
    page = sam.get(queue_url(REFUNDS.key)).content.decode()
    assert f'action="{reverse("service:desk_refund_approve", args=[refund.pk])}"' in page
    version = Order.objects.get(pk=refund.order_id).version
    response = sam.post(reverse("service:desk_refund_approve", args=[refund.pk]),
                        {"version": version, "back": queue_url(REFUNDS.key)})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == queue_url(REFUNDS.key)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.ISSUED
    assert refund.decided_by == supervisor
    assert not Order.objects.get(pk=refund.order_id).lease_is_live()
    approved = Event.objects.get(action="refund.approved", subject_id=str(refund.order_id))
    assert approved.actor_id == supervisor.pk
    after = text(sam.get(queue_url(REFUNDS.key)).content.decode())
    assert "approved" in after
    assert "No refunds are awaiting approval" in after


def test_never_ones_own_refund(administrator, world):
    refund = world["refund"]  # requested by Ada
    ada = browser(administrator)
    page = text(ada.get(queue_url(REFUNDS.key)).content.decode())
    assert "You requested it: another person decides" in page
    response = ada.post(reverse("service:desk_refund_approve", args=[refund.pk]), {})
    assert response.status_code == 403
    assert "You requested this refund" in text(response.content.decode())
    response = ada.post(reverse("service:desk_refund_reject", args=[refund.pk]), {"reason": "No"})
    assert response.status_code == 403
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.AWAITING_APPROVAL
    assert not Order.objects.get(pk=refund.order_id).lease_is_live()  # the lock it took is let go


def test_reject_asks_for_a_reason(supervisor, world):
    refund = world["refund"]
    sam = browser(supervisor)
    response = sam.post(reverse("service:desk_refund_reject", args=[refund.pk]), {"reason": " "})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Give a reason for rejecting the refund." in text(body)
    assert '<details class="desk-action" open>' in body
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.AWAITING_APPROVAL
    response = sam.post(reverse("service:desk_refund_reject", args=[refund.pk]), {"reason": "Not our fault."})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.decision_note) == (Refund.Status.REJECTED, "Not our fault.")


def test_a_refund_whose_order_someone_edits_is_refused_naming_them(supervisor, csr, world):
    refund = world["refund"]
    locked_order(csr, refund.order)
    response = browser(supervisor).post(reverse("service:desk_refund_approve", args=[refund.pk]), {})
    assert response.status_code == 409
    assert "Ann Agent is modifying order" in text(response.content.decode())


def test_unlock_an_order_with_a_reason_audited(supervisor, world):
    order = world["held"]
    sam = browser(supervisor)
    url = reverse("service:desk_order_unlock", args=[order.number])
    refused = sam.post(url, {"reason": ""})
    assert refused.status_code == 422
    assert "Give a reason for unlocking the order." in text(refused.content.decode())
    assert sam.post(url, {"reason": "Ann went home."}).status_code == 302
    assert not Order.objects.get(pk=order.pk).lease_is_live()
    event = Event.objects.get(action="order.force_unlocked", subject_id=str(order.pk))
    assert event.data["reason"] == "Ann went home."


def test_unlock_a_cart_with_a_reason_audited(supervisor, csr_other_store, world):
    cart = world["cart_ca"]
    sam = browser(supervisor)
    body = sam.get(queue_url(LOCKS.key)).content.decode()
    assert "Cart of Chloe Tremblay" in text(body)
    assert "Carla" in text(body)
    url = reverse("service:desk_cart_unlock", args=[cart.pk])
    assert sam.post(url, {"reason": "x" * 501}).status_code == 422
    assert sam.post(url, {"reason": "Carla's browser crashed."}).status_code == 302
    assert not Cart.objects.get(pk=cart.pk).lease_is_live()
    event = Event.objects.get(action="cart.force_unlocked", subject_id=str(cart.pk))
    assert (event.actor_id, event.data["reason"], event.data["previous_holder_id"]) == (
        supervisor.pk,
        "Carla's browser crashed.",
        csr_other_store.pk,
    )


def test_without_the_unlock_privilege_the_locks_have_no_unlock(store, supervisor, world):
    from django.contrib.auth.models import Permission

    lead = factories.staff("CSR", stores=[store], first_name="Lee", last_name="Lead")
    lead.user_permissions.add(Permission.objects.get(codename="view_desk"))
    lee = browser(lead)
    page = lee.get(queue_url(LOCKS.key)).content.decode()
    assert f"Order {world['held'].number}" in text(page)
    assert "Reason for unlocking" not in page
    refused = lee.post(reverse("service:desk_order_unlock", args=[world["held"].number]), {"reason": "Stuck"})
    assert refused.status_code == 403
    assert "Unlocking an order needs the Unlock Order privilege." in text(refused.content.decode())
    assert Order.objects.get(pk=world["held"].pk).lease_is_live()
    assert "Reason for unlocking" in browser(supervisor).get(queue_url(LOCKS.key)).content.decode()


def test_end_a_session_with_a_reason_and_the_agent_is_told(supervisor, csr, world):
    session = world["session"]
    ann = browser(csr)
    kept = ann.session  # the agent's browser carries the session, as Access customer's account leaves it
    kept["assisted_session_id"] = session.pk
    kept.save()
    sam = browser(supervisor)
    url = reverse("service:desk_session_end", args=[session.pk])
    assert sam.post(url, {"note": ""}).status_code == 422
    assert sam.post(url, {"note": "Customer asked for a manager."}).status_code == 302
    session.refresh_from_db()
    assert (session.end_reason, session.ended_by, session.end_note) == (
        AssistedSession.EndReason.ENDED_BY_SUPERVISOR,
        supervisor,
        "Customer asked for a manager.",
    )
    assert Event.objects.filter(action="assist.session_ended_by_supervisor").count() == 1
    # the agent's next step tells them who ended it and why
    told = text(ann.get("/account/", follow=True).content.decode())
    assert f"{supervisor.display_name} ended your session on behalf of Omar Other. Reason: Customer asked for a " \
        "manager. You are signed in as yourself." in told  # fmt: skip
    again = sam.post(url, {"note": "Again"})
    assert again.status_code == 409
    assert "That session has already ended." in text(again.content.decode())


def test_transfer_offers_the_session_to_a_colleague_who_accepts_it(supervisor, csr, store, other_shopper, world):
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Baker")
    bob_browser = browser(bob)
    session = world["session"]
    sam = browser(supervisor)
    url = reverse("service:desk_session_transfer", args=[session.pk])
    form = text(sam.get(url).content.decode())
    assert "Bob Baker" in form
    assert "Ann Agent is assisting Omar Other" in form
    refused = sam.post(url, {"to": "", "note": ""})
    assert refused.status_code == 400
    assert "Choose a colleague." in text(refused.content.decode())
    assert sam.post(url, {"to": bob.pk, "note": "Ann is off at five."}).status_code == 302
    offer = SessionTransfer.objects.get(session=session)
    assert (offer.from_agent, offer.to_agent, offer.note) == (csr, bob, "Ann is off at five.")
    assert bob_browser.post(reverse("service:transfer_accept", args=[offer.pk])).status_code == 302
    assert AssistedSession.objects.get(pk=session.pk).agent == bob


def test_a_queue_page_costs_the_same_statements_for_3_rows_and_for_12(supervisor, store, csr, administrator,
                                                                       django_assert_max_num_queries):  # fmt: skip
    ctx = ActingContext(user=supervisor)
    counts: dict[str, list[int]] = {key: [] for key in QUEUES}
    queue_page(desk_scope(ctx), LOCKS)  # the stores' names are kept per process: read them once
    for n in (3, 9):
        for _ in range(n):
            customer = factories.shopper(store=store)
            order = on_hold(customer, store)
            locked_order(administrator, order)
            awaiting_refund(administrator, customer, store)
            agent = factories.staff("CSR", stores=[store])
            locked_cart(agent, customer)
        for key, queue in QUEUES.items():
            scope = desk_scope(ctx)
            with django_assert_max_num_queries(4) as captured:
                page = queue_page(scope, queue)
            counts[key].append(len(captured.captured_queries))
            assert page.rows
    for key, (small, large) in counts.items():
        assert small == large, key


def test_age_in_words():
    import datetime as dt

    assert age_words(dt.timedelta(seconds=20)) == "less than a minute"
    assert age_words(dt.timedelta(minutes=1)) == "1 minute"
    assert age_words(dt.timedelta(hours=2, minutes=5)) == "2 hours 5 minutes"
    assert age_words(dt.timedelta(days=3, hours=1, minutes=9)) == "3 days 1 hour"


def test_a_queue_is_paged_and_a_page_past_the_end_is_the_last(supervisor, store, world):
    scope = desk_scope(ActingContext(user=supervisor))
    first = queue_page(scope, HELD, sort="number", page=1, size=1)
    second = queue_page(scope, HELD, sort="number", page=2, size=1)
    assert (first.total, first.pages, first.has_next, second.has_previous) == (2, 2, True, True)
    assert {first.rows[0].number, second.rows[0].number} == {world["held"].number, world["held_ca"].number}
    assert queue_page(scope, HELD, sort="number", page=9, size=1).page == 2
