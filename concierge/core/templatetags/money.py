"""``{% load money %}`` for older templates: the same filters as the ``display`` builtin."""

from __future__ import annotations

from django import template

from concierge.core.display import format_amount
from concierge.core.templatetags.display import money, when

register = template.Library()
register.filter("money", money)
register.filter("when", when)


@register.simple_tag
def amount(value: object, currency: str, locale: str = "") -> str:
    """``{% amount order.total order.currency %}``: kept for older templates; prefer ``|money``."""
    return format_amount(value, currency)  # type: ignore[arg-type]
