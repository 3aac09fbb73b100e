"""Reset Customer Password (seed 004, done better): the Confirm dialog's OK emails the customer a
one-time, expiring link — never a password, never shown to the CSR — and "Forgot your password?"
on the sign-in page sends the same email. Followed through as the customer would."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import Customer
from concierge.customers.password_reset import REQUEST_SENT, REQUESTS_PER_HOUR
from concierge.testing import factories
from concierge.testing.clients import browser
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase 42"


def reset_from_the_console(client: Client, customer: Customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("service:customer_password_reset", args=[customer.pk]), {"tab": "profile"})


def link_in(message) -> str:
    found = re.search(r"https?://\S+/account/reset/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_csr_sends_a_link_the_customer_uses_once(signed_in, csr, shopper, django_capture_on_commit_callbacks):
    # given the CSR confirms Reset Customer Password
    agent = signed_in(csr)
    page = agent.get(reverse("service:customer", args=[shopper.pk]))
    assert "Customer Password Reset - Confirm" in page.text
    response = reset_from_the_console(agent, shopper, django_capture_on_commit_callbacks)
    shown = agent.get(response["Location"]).text
    assert "A password reset email has been sent to Jane Shopper." in shown
    # then the customer has an email with a link, and no password; the CSR's page has no link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jane@example.com"]
    assert message.subject == "Choose a new password for Northwind Outfitters"
    link = link_in(message)
    assert PASSWORD not in message.body
    assert "/account/reset/" not in shown
    assert Event.objects.filter(action="customer.password_reset_sent", subject_id=str(shopper.pk),
                                actor_label="Ann Agent").exists()  # fmt: skip
    # when the customer follows it and sets a new password twice
    customer_browser = Client()
    form = customer_browser.get(path_of(link))
    assert "Choose a new password" in form.text
    assert form["Referrer-Policy"] == "same-origin"
    done = customer_browser.post(path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    # then they sign in with it, and not with the old one
    signed = customer_browser.post(reverse("storefront:sign_in"), {"email": shopper.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302
    old = Client().post(reverse("storefront:sign_in"), {"email": shopper.email, "password": PASSWORD})
    assert old.status_code == 400
    # and the link works once
    again = Client().get(path_of(link))
    assert "This password reset link has already been used or has expired." in again.text
    assert "Ask for a new link" in again.text
    refused = Client().post(path_of(link), {"new_password1": "another one 12345", "new_password2": "another one 12345"})
    assert refused.status_code == 400
    assert Client().login(email=shopper.email, password=NEW_PASSWORD)


def test_a_reset_ends_the_customers_other_sessions(signed_in, csr, shopper, django_capture_on_commit_callbacks):
    elsewhere = browser(shopper.user)
    reset_from_the_console(signed_in(csr), shopper, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    Client().post(path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert elsewhere.get(reverse("storefront:my_account")).status_code == 302


def test_an_expired_link_is_refused(signed_in, csr, shopper, clock, django_capture_on_commit_callbacks):
    reset_from_the_console(signed_in(csr), shopper, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    clock.advance(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    page = Client().post(path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "This password reset link has already been used or has expired." in page.text
    assert Client().login(email=shopper.email, password=PASSWORD)


def test_passwords_that_differ_or_are_weak_are_refused(signed_in, csr, shopper, django_capture_on_commit_callbacks):
    reset_from_the_console(signed_in(csr), shopper, django_capture_on_commit_callbacks)
    path = path_of(link_in(mail.outbox[0]))
    differ = Client().post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert differ.status_code == 422
    assert "The two passwords do not match." in differ.text
    weak = Client().post(path, {"new_password1": "12345", "new_password2": "12345"})
    assert "This password is too short." in weak.text
    assert Client().login(email=shopper.email, password=PASSWORD)  # unchanged, and the link still works
    assert Client().get(path).status_code == 200


def test_a_forged_token_or_user_is_refused(shopper):
    page = Client().get(reverse("storefront:password_reset_confirm", args=["MQ", "abc-123"]))
    assert "has already been used or has expired" in page.text
    page = Client().get(reverse("storefront:password_reset_confirm", args=["!!", "abc-123"]))
    assert "has already been used or has expired" in page.text


def test_no_reset_for_a_disabled_user_or_a_guest(signed_in, csr, shopper, store, django_capture_on_commit_callbacks):
    Customer.objects.filter(pk=shopper.pk).update(status=Customer.Status.DISABLED)
    page = reset_from_the_console(signed_in(csr), shopper, django_capture_on_commit_callbacks)
    assert page.status_code == 409
    assert "is disabled and cannot sign in" in page.text
    guest = Customer.objects.create(shared_id="G000000001", kind=Customer.Kind.SINGLE_SESSION_USER, store=store,
                                    first_name="Gus", last_name="Guest", email="gus@example.com")  # fmt: skip
    page = reset_from_the_console(signed_in(csr), guest, django_capture_on_commit_callbacks)
    assert page.status_code == 409  # a guest has no sign-in: no button, and a post is refused
    assert "does not sign in, so there is no password to reset" in page.text
    assert "Reset Customer Password</button>" not in page.text
    assert mail.outbox == []


def test_only_staff_of_the_store_may_send_it(signed_in, csr_other_store, shopper, django_capture_on_commit_callbacks):
    page = reset_from_the_console(signed_in(csr_other_store), shopper, django_capture_on_commit_callbacks)
    assert page.status_code == 404
    assert mail.outbox == []


# --- Forgot your password? ----------------------------------------------------------------------


def test_forgot_your_password_sends_the_same_link(shopper, django_capture_on_commit_callbacks):
    client = Client()
    assert "Forgot your password?" in client.get(reverse("storefront:sign_in")).text
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("storefront:password_reset"), {"email": "JANE@example.com"})
    assert REQUEST_SENT in page.text
    link = link_in(mail.outbox[0])
    client.post(path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert Client().login(email=shopper.email, password=NEW_PASSWORD)


def test_forgot_your_password_answers_the_same_for_an_unknown_email(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = Client().post(reverse("storefront:password_reset"), {"email": "nobody@example.com"})
    assert page.status_code == 200
    assert REQUEST_SENT in page.text
    assert mail.outbox == []


def test_forgot_your_password_sends_a_few_emails_an_hour_at_most(shopper, django_capture_on_commit_callbacks):
    for _ in range(REQUESTS_PER_HOUR + 2):
        with django_capture_on_commit_callbacks(execute=True):
            page = Client().post(reverse("storefront:password_reset"), {"email": shopper.email})
        assert REQUEST_SENT in page.text
    assert len(mail.outbox) == REQUESTS_PER_HOUR


def test_forgot_your_password_refuses_an_over_long_email_naming_the_limit(db):
    page = Client().post(reverse("storefront:password_reset"), {"email": "a" * 250 + "@example.com"})
    assert page.status_code == 400
    assert "At most 254 characters." in page.text


def test_a_staff_member_can_reset_their_own_password(csr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("storefront:password_reset"), {"email": csr.email})
    link = link_in(mail.outbox[0])
    Client().post(path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert Client().login(email=csr.email, password=NEW_PASSWORD)
    assert factories.PASSWORD != NEW_PASSWORD
