"""Showing a service's refusal on an HTML form."""

from django import forms

from concierge.core.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put ``exc``'s field messages on their fields and its message on the form."""
    placed = False
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed or not any(f in form.fields for f in exc.fields):
        form.add_error(None, exc.message)
