"""Create Refund on the order console and the four-eyes decision, as staff meet them: the button on
Details, the wizard (amount, note, Refund Options, Next, Finish), the refunds on Payments and
Returns and exchanges, and Approve / Reject for a second person with Approve Refund."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from concierge.orders.models import Order
from concierge.orders.refunds import refundable
from concierge.orders.tests.refund_support import captured_order
from concierge.payments.models import PaymentTransaction, Refund
from concierge.testing import factories
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, store) -> Order:
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    return captured_order(shopper, store)


@pytest.fixture
def second_supervisor(store):
    return factories.staff("Supervisor", stores=[store], first_name="Sue", last_name="Second")


def url(name: str, order: Order, *rest: object) -> str:
    return reverse(f"service:{name}", args=[order.number, *rest])


def page(order: Order, tab: str) -> str:
    return reverse("service:order", args=[order.number]) + f"?tab={tab}"


def version(order: Order) -> int:
    return Order.objects.get(pk=order.pk).version


def edit(client: Client, order: Order) -> None:
    assert client.post(url("order_edit", order), {"version": version(order)}).status_code == 302


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def next_step(client: Client, order: Order, **fields: str):
    data = {"version": version(order), "amount": "", "note": "Goodwill: the parcel was late.",
            "destination": "ORIGINAL", **fields}  # fmt: skip
    return client.post(url("order_refund", order), data)


def test_create_refund_is_on_details_for_the_privilege_while_editing(order, supervisor, csr):
    sam = browser(supervisor)
    hint = "Create Refund: choose Edit to lock the order first."
    assert hint in text(sam.get(page(order, "details")).content.decode())
    edit(sam, order)
    body = sam.get(page(order, "details")).content.decode()
    assert f'action="{url("order_refund", order)}"><button class="button" type="submit">Create Refund</button>' in body
    ann = browser(csr)  # a CSR has no Can Create Refund
    assert "Create Refund" not in ann.get(page(order, "details")).content.decode()


def test_the_wizard_asks_the_amount_a_note_and_the_refund_options(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    words = text(sam.get(url("order_refund", order)).content.decode())
    assert "Create Refund Step 1 of 2: Amount and Refund Options" in words
    assert "Refund amount (USD)" in words
    assert "Note" in words
    assert "Refund Options Original payment source Visa ending in 4242" in words
    assert "Manual Refund Paid by other means, such as a cheque: recorded, not sent." in words
    assert "Up to $" in words
    assert "Above $50.00 a refund waits for approval by a second person." in words
    assert "Next" in words


def test_a_manual_refund_through_the_wizard_is_recorded_listed_and_the_order_unlocked(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    response = next_step(sam, order, amount="20.00", destination="MANUAL", note="Cheque 1042 posted today.")
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert response["Location"] == url("order_refund", order) + f"?done={refund.pk}"
    done = text(sam.get(response["Location"]).content.decode())
    assert "Step 2 of 2: Refund created" in done
    assert ("Manual refund of $20.00 recorded. Pay it to the customer by other means, such as a cheque: nothing "
            "was sent to a card.") in done  # fmt: skip
    assert "Finish" in done
    assert refund.status == Refund.Status.ISSUED
    assert refund.destination == Refund.Destination.MANUAL
    assert not Order.objects.get(pk=order.pk).lease_is_live()  # Next was a save: unlocked
    for tab in ("payments", "returns"):
        listed = text(sam.get(page(order, tab)).content.decode())
        assert "Refunds" in listed
        assert "$20.00 Manual Refund Issued" in listed
        assert "Cheque 1042 posted today." in listed
    assert "Manual refund recorded (not sent)" in text(sam.get(page(order, "notes")).content.decode())


def test_a_refund_to_the_original_card_is_issued(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    response = next_step(sam, order, amount="12.34")
    done = text(sam.get(response["Location"]).content.decode())
    assert "Refund of $12.34 issued to Visa ending in 4242." in done
    assert PaymentTransaction.objects.get(kind="REFUND").amount == Decimal("12.34")


@pytest.mark.parametrize(("amount", "message"), [
    ("", "Enter an amount, e.g. 12.50."),
    ("twelve", "Enter an amount, e.g. 12.50."),
    ("0", "Enter an amount above zero."),
    ("1.999", "Enter the amount to the cent, e.g. 12.50."),
    ("5000", "At most "),
])  # fmt: skip
def test_bad_amounts_are_refused_on_the_form_and_nothing_is_refunded(order, supervisor, amount, message):
    sam = browser(supervisor)
    edit(sam, order)
    response = next_step(sam, order, amount=amount)
    assert response.status_code in {400, 422}
    body = response.content.decode()
    assert "Step 1 of 2" in text(body)
    assert message in text(body)
    assert f'value="{amount}"' in body  # what was typed is kept
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=order.pk).lease_is_live()  # still editing


def test_a_note_is_required_and_one_over_the_limit_is_refused_naming_it(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    assert "Write a note with the details." in text(next_step(sam, order, amount="5", note="").content.decode())
    over = next_step(sam, order, amount="5", note="n" * 501)
    assert over.status_code == 422
    assert "500" in text(over.content.decode())
    assert not Refund.objects.exists()


def test_next_without_the_lock_shows_lock_lost_and_refunds_nothing(order, supervisor):
    sam = browser(supervisor)
    response = next_step(sam, order, amount="5.00")
    assert response.status_code == 409
    assert "Lock lost" in text(response.content.decode())
    assert not Refund.objects.exists()


def test_next_on_a_page_older_than_the_order_shows_order_changed(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    response = next_step(sam, order, amount="5.00", version=str(version(order) - 1))
    assert response.status_code == 412
    assert "Order changed" in text(response.content.decode())
    assert not Refund.objects.exists()


def test_a_csr_without_can_create_refund_is_refused(order, csr):
    ann = browser(csr)
    edit(ann, order)
    assert ann.get(url("order_refund", order)).status_code == 403
    response = next_step(ann, order, amount="5.00")
    assert response.status_code == 403
    assert "Creating a refund needs the Can Create Refund privilege." in text(response.content.decode())
    assert not Refund.objects.exists()


# --- Four-eyes (bar 20) ------------------------------------------------------------------------------


def test_above_the_threshold_the_requester_sees_awaiting_approval_and_cannot_approve(order, supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    done = text(sam.get(next_step(sam, order, amount="60.00")["Location"]).content.decode())
    assert "This refund of $60.00 is Awaiting Approval" in done
    assert "it is above the store's approval threshold of $50.00, so a second person with the Approve Refund" in done
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.AWAITING_APPROVAL
    assert not PaymentTransaction.objects.filter(kind="REFUND").exists()
    edit(sam, order)
    payments = sam.get(page(order, "payments")).content.decode()
    assert "Awaiting Approval" in payments
    assert "(you requested it)" in text(payments)
    assert ">Approve</button>" not in payments
    # posting the decision anyway is refused in words, supervisor or not
    response = sam.post(url("refund_approve", order, refund.pk), {"version": version(order)})
    assert response.status_code == 403
    assert "You requested this refund, so you cannot approve it" in text(response.content.decode())
    assert Refund.objects.get().status == Refund.Status.AWAITING_APPROVAL


def test_a_second_supervisor_finds_it_on_the_home_page_and_approves_it(order, supervisor, second_supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    next_step(sam, order, amount="60.00", note="Damaged on arrival; customer kept it.")
    refund = Refund.objects.get()
    sue = browser(second_supervisor)
    home = text(sue.get(reverse("service:home")).content.decode())
    assert "Refunds awaiting approval" in home
    assert f"Order {order.number} $60.00 Sam" in home
    assert "Choose Edit to approve or reject this refund." in text(sue.get(page(order, "payments")).content.decode())
    edit(sue, order)
    assert ">Approve</button>" in sue.get(page(order, "payments")).content.decode()
    response = sue.post(url("refund_approve", order, refund.pk), {"version": version(order)})
    assert response.status_code == 302
    assert response["Location"] == page(order, "payments")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.ISSUED
    assert refund.decided_by == second_supervisor
    listed = text(sue.get(page(order, "payments")).content.decode())
    assert "Issued Approved by Sue Second" in listed
    assert "No refunds are awaiting approval" in text(sue.get(reverse("service:home")).content.decode())
    notes = text(sue.get(page(order, "notes")).content.decode())
    assert "Refund approved $60.00" in notes
    assert "Damaged on arrival; customer kept it." in notes
    assert "Refund issued" in notes


def test_a_rejection_needs_a_reason_and_frees_the_amount(order, supervisor, second_supervisor):
    sam = browser(supervisor)
    edit(sam, order)
    next_step(sam, order, amount="60.00")
    refund = Refund.objects.get()
    before = refundable(order).amount
    sue = browser(second_supervisor)
    edit(sue, order)
    missing = sue.post(url("refund_reject", order, refund.pk), {"version": version(order), "reason": ""})
    assert missing.status_code == 422
    assert "Give a reason for rejecting the refund." in text(missing.content.decode())
    response = sue.post(url("refund_reject", order, refund.pk), {"version": version(order),
                                                                 "reason": "Outside the goodwill policy"})  # fmt: skip
    assert response.status_code == 302
    assert Refund.objects.get().status == Refund.Status.REJECTED
    assert refundable(order).amount == before + Decimal("60.00")
    listed = text(sue.get(page(order, "payments")).content.decode())
    assert "Rejected Rejected by Sue Second" in listed
    assert "Reason: Outside the goodwill policy" in listed
    assert "Refund rejected; its amount can be refunded again" in text(sue.get(page(order, "notes")).content.decode())


def test_a_csr_sees_the_waiting_refund_but_no_decision(order, supervisor, csr):
    sam = browser(supervisor)
    edit(sam, order)
    next_step(sam, order, amount="60.00")
    ann = browser(csr)
    edit(ann, order)
    payments = ann.get(page(order, "payments")).content.decode()
    assert "Awaiting approval by a person with the Approve Refund privilege." in text(payments)
    assert ">Approve</button>" not in payments
    assert "Refunds awaiting approval" not in ann.get(reverse("service:home")).content.decode()


def test_the_wizard_opened_without_the_lock_says_to_choose_edit(order, supervisor):
    words = text(browser(supervisor).get(url("order_refund", order)).content.decode())
    assert f"Order {order.number} is not open for editing by you: Cancel, choose Edit, then Create Refund." in words
