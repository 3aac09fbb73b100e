"""``{% session_reasons as reasons %}``: the session reasons a session start offers; and
``{% session_reason_fields store id %}``: the reason and case reference fields of a session start
(``service/_session_reason_fields.html``), for a list that offers one per row."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from concierge.assist.services import session_reasons as active_session_reasons
from concierge.stores.models import Store

register = template.Library()

FIELDS_TEMPLATE = "service/_session_reason_fields.html"
# Where the row's id goes: no id a page gives (a customer's number, "profile", "takeover") holds it.
_ID = "\x00row-id\x00"


@register.simple_tag
def session_reasons(given: tuple[str, ...] | str = "") -> tuple[str, ...]:
    """The reasons ``given`` (by ``session_reason_fields``, which keys its copy by them), else the
    active ones now. A variable a page does not have arrives as ""."""
    return given if isinstance(given, tuple) and given else active_session_reasons()


@register.simple_tag
def session_reason_fields(store: Store, id: int | str) -> SafeString:
    """The fields of ``FIELDS_TEMPLATE`` for a session with a customer of ``store``, ids ending in
    ``id``. A page of twenty customers offers the same fields twenty times, and each included copy
    costs as much as the rest of its row: they are rendered once per store's settings and reasons
    (the whole of what they show) and the row's id written in."""
    fields = _fields(
        store.name, store.assist_reason_required, store.assist_case_required, store.assist_verification,
        active_session_reasons(),
    )  # fmt: skip
    # mark_safe: ``fields`` is the template engine's autoescaped output, and the id put in is escaped.
    return mark_safe(fields.replace(_ID, escape(str(id))))  # noqa: S308


@lru_cache(maxsize=256)
def _fields(name: str, reason_required: bool, case_required: bool, verification: str, reasons: tuple[str, ...]) -> str:
    store = Store(
        name=name, assist_reason_required=reason_required, assist_case_required=case_required,
        assist_verification=verification,
    )  # fmt: skip
    return str(get_template(FIELDS_TEMPLATE).render({"store": store, "id": _ID, "offered_reasons": reasons}))
