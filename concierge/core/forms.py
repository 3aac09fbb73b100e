"""Reading a form's text safely, refusing what no form field may hold, and showing a service's
refusal on an HTML form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = "Remove the control characters (such as NUL) from this field."


def control_character_errors(data: Mapping[str, str], fields: Iterable[str]) -> dict[str, list[str]]:
    """A field error for each of ``fields`` whose posted value holds a NUL or another control
    character (which no database text column accepts): a clear error, never a 500."""
    return {f: [CONTROL_CHARACTER_MESSAGE] for f in fields if CONTROL_CHARACTERS.search(data.get(f, "") or "")}


def checks_text[View: Callable[..., Any]](view: View) -> View:
    """Marks a view that gives its own field errors for control characters (``control_character_errors``
    or ``posted_text``), so the request safety net lets its requests through to it."""
    view.checks_text = True  # type: ignore[attr-defined]
    return view


def refuse_control_characters(data: Mapping[str, str], fields: Iterable[str]) -> None:
    if errors := control_character_errors(data, fields):
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", status=422, fields=errors)
