"""Email: one function to send a templated message, through Django's email framework.

Production sends by SMTP, configured by the environment (``EMAIL_HOST``, ``EMAIL_PORT``,
``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``, ``DEFAULT_FROM_EMAIL``). With no
``EMAIL_HOST`` — a fresh machine, the demo — :class:`OutboxBackend` keeps each message in the
``SentMail`` table instead, where the admin's "Sent mail" shows it. Tests read ``django.core.mail.outbox``.

A template ``<name>`` is two files: ``<name>.txt`` (the body; its first line is ``Subject: ...``)
and, optionally, ``<name>.html``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from concierge.core import clock
from concierge.core.models import SentMail


def send_templated(to: str | Sequence[str], template: str, context: dict[str, Any]) -> None:
    """Render ``template`` with ``context`` and send it to ``to``. Call it from a service after the
    change it announces commits (``transaction.on_commit``), so a rolled-back change sends nothing."""
    recipients = [to] if isinstance(to, str) else list(to)
    text = render_to_string(f"{template}.txt", context)
    first, _, body = text.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"{template}.txt must begin with a 'Subject: ...' line")
    subject = first.removeprefix("Subject:").strip()
    message = EmailMultiAlternatives(subject, body.lstrip("\n"), settings.DEFAULT_FROM_EMAIL, recipients)
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()


class OutboxBackend(BaseEmailBackend):
    """Keeps each message in ``SentMail`` (development and demo; never in production)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            SentMail.objects.create(
                sent_at=clock.now(),
                to=", ".join(message.recipients())[:1000],
                subject=str(message.subject)[:300],
                body=str(message.body),
                html=html,
            )
            sent += 1
        return sent
