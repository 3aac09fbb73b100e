"""Reading a form's text safely, refusing what no form field may hold, and showing a service's
refusal on an HTML form."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = "Remove the control characters (such as NUL) from this field."


def text_limit_message(limit: int) -> str:
    return f"At most {limit:,} characters."


def text_problem(value: str, *, limit: int | None = None, required: str = "") -> str:
    """What is wrong with a piece of text a person typed, in words, or "" when nothing is.

    A control character (NUL and the like, which no text column stores): "Remove the control
    characters …"; over ``limit`` characters: "At most 500 characters. This has 5,000." (the text
    is refused, never shortened); empty while ``required`` holds a message: that message. The one
    check of typed text, for forms, query strings and services alike.
    """
    if CONTROL_CHARACTERS.search(value):
        return CONTROL_CHARACTER_MESSAGE
    if limit is not None and len(value) > limit:
        return f"{text_limit_message(limit)} This has {len(value):,}."
    if required and not value.strip():
        return required
    return ""


def text_errors(data: Mapping[str, Any], limits: Mapping[str, int | None]) -> dict[str, list[str]]:
    """A field error for each field of ``limits`` whose value in ``data`` :func:`text_problem`
    refuses (a limit of None checks control characters only)."""
    problems = {name: text_problem(str(data.get(name, "") or ""), limit=limit) for name, limit in limits.items()}
    return {name: [problem] for name, problem in problems.items() if problem}


def posted_text(data: Mapping[str, Any], name: str, *, limit: int, required: str = "") -> str:
    """A text field of a form or query, stripped, or a refusal naming the field — never a cut.

    Refused as :func:`text_problem` says (a control character, over ``limit``, empty while
    required): :class:`DomainError` ``request.invalid`` (400) with ``fields={name: [...]}``, which
    :func:`add_domain_error` puts on the form.
    """
    value = str(data.get(name, "") or "").strip()
    if problem := text_problem(value, limit=limit, required=required):
        raise DomainError(CommonError.REQUEST_INVALID, problem, status=400, fields={name: [problem]})
    return value


def checks_text[View: Callable[..., Any]](view: View) -> View:
    """Marks a view that gives its own field errors for control characters (through
    ``posted_text``, or a service that checks with ``text_problem``), so the request safety net
    (``core.errors_middleware``) lets a NUL through to it."""
    view.checks_text = True  # type: ignore[attr-defined]  # a marker attribute on a function, read by the safety net
    return view
