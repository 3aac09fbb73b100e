"""The demo's mailbox: with no SMTP host configured, ``OutboxBackend`` keeps what Concierge sends
in ``SentMail``, and the admin's Sent mail shows it (read-only) — here, a password reset."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from concierge.core.models import SentMail

pytestmark = pytest.mark.django_db
SUBJECT = "Choose a new password for Northwind Outfitters"


@pytest.fixture
def outbox_backend(settings):
    """Mail goes where a fresh machine's does: the SentMail table, not the test outbox."""
    settings.EMAIL_BACKEND = "concierge.core.mail.OutboxBackend"


def test_a_reset_email_is_kept_in_sent_mail_and_the_admin_lists_it(
    outbox_backend, signed_in, csr, administrator, shopper, django_capture_on_commit_callbacks, client
):
    # given a CSR sends the shopper a password reset
    agent = signed_in(csr)
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(reverse("service:customer_password_reset", args=[shopper.pk]), {"tab": "profile"})
    # then it is kept, with its link, and not handed to the test outbox
    sent = SentMail.objects.get()
    assert (sent.to, sent.subject) == ("jane@example.com", SUBJECT)
    assert "/account/reset/" in sent.body
    assert mail.outbox == []
    # when an administrator opens Sent mail in the admin
    agent.logout()
    admin = signed_in(administrator)
    listing = admin.get(reverse("admin:core_sentmail_changelist"))
    shown = admin.get(reverse("admin:core_sentmail_change", args=[sent.pk]))
    # then the list shows the message by subject and recipient, and the message reads in full
    assert listing.status_code == 200
    assert SUBJECT in listing.text
    assert "jane@example.com" in listing.text
    assert shown.status_code == 200
    assert "/account/reset/" in shown.text


def test_sent_mail_is_read_only_and_for_administrators(outbox_backend, signed_in, csr, administrator, shopper):
    sent = SentMail.objects.create(sent_at=shopper.created_at, to=shopper.email, subject=SUBJECT, body="Hello")
    # customer service does not read the mailbox
    refused = signed_in(csr).get(reverse("admin:core_sentmail_changelist"))
    assert refused.status_code in {302, 403}
    assert SUBJECT not in refused.text
    # and the administrator cannot write a message nor change one
    admin = signed_in(administrator)
    assert admin.get(reverse("admin:core_sentmail_add")).status_code == 403
    admin.post(reverse("admin:core_sentmail_change", args=[sent.pk]), {"subject": "Changed"})
    assert SentMail.objects.get(pk=sent.pk).subject == SUBJECT
