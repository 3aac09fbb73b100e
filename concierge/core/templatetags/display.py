"""The two display filters of both faces (a template builtin: no ``{% load %}`` needed).

``{{ order.placed_at|when:order.store }}`` → ``Dec 1, 2026, 10:44 AM EST`` (``|when`` alone: the
store the viewer is in). ``{{ order.total|money:order.currency }}`` and ``{{ price|money }}`` (a
Money) → ``$1,641.93`` in the viewer's locale (concierge/core/display.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from concierge.core.display import currency_name, format_amount, format_when, locale_name, time_zone_name
from concierge.core.money import Money

register = template.Library()


@register.filter
def when(value: dt.datetime | dt.date | None, where: Any = None) -> str:
    return format_when(value, where)


@register.filter
def money(value: Money | Decimal | int | str | None, currency_or_locale: str = "") -> str:
    """For a Money the argument is ignored (older templates pass a locale; the viewer's is used)."""
    if isinstance(value, Money):
        return format_amount(value)
    return format_amount(value, currency_or_locale)


@register.filter
def currency_label(code: str) -> str:
    """``{{ store.currency|currency_label }}`` → ``US Dollar``."""
    return currency_name(code) if code else ""


@register.filter
def locale_label(code: str) -> str:
    """``{{ store.locale|locale_label }}`` → ``English (United States)``."""
    return locale_name(code) if code else ""


@register.filter
def zone_label(name: str) -> str:
    """``{{ store.time_zone|zone_label }}`` → ``Central Time``."""
    return time_zone_name(name) if name else ""
