"""Showing a service's refusal on an HTML form, and refusing what no form field may hold."""

import re
from collections.abc import Iterable, Mapping

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


def control_character_errors(data: Mapping[str, str], fields: Iterable[str]) -> dict[str, list[str]]:
    """A field error for each of ``fields`` whose posted value holds a NUL or another control
    character (which no database text column accepts): a clear error, never a 500."""
    return {f: [CONTROL_CHARACTER_MESSAGE] for f in fields if CONTROL_CHARACTERS.search(data.get(f, "") or "")}


def refuse_control_characters(data: Mapping[str, str], fields: Iterable[str]) -> None:
    if errors := control_character_errors(data, fields):
        raise DomainError(CommonError.REQUEST_INVALID, "Please correct the errors below.", status=422, fields=errors)
