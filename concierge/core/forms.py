"""Reading a form's text safely, and showing a service's refusal on an HTML form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from concierge.core.errors import CommonError, DomainError


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


def text_limit_message(limit: int) -> str:
    return f"At most {limit:,} characters."


def posted_text(data: Mapping[str, Any], name: str, *, limit: int, required: str = "") -> str:
    """A text field of a form or query, stripped, or a refusal naming the field — never a cut.

    Over ``limit`` characters: "At most 500 characters." (the text is not shortened); a NUL
    character: a field error (the request safety net answers 400 before a view sees one, this
    keeps a view correct on its own); empty while ``required`` holds a message: that message.
    Raises :class:`DomainError` ``request.invalid`` with ``fields={name: [...]}``, which
    :func:`add_domain_error` puts on the form.
    """
    value = str(data.get(name, "") or "").strip()
    problem = ""
    if "\x00" in value:
        problem = "Remove the NUL character (\\0): it is not allowed."
    elif len(value) > limit:
        problem = f"{text_limit_message(limit)} This has {len(value):,}."
    elif required and not value:
        problem = required
    if problem:
        raise DomainError(CommonError.REQUEST_INVALID, problem, status=400, fields={name: [problem]})
    return value
