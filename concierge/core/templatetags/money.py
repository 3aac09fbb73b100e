"""``{% load money %}`` for older templates: the same filters as the ``display`` builtin."""

from __future__ import annotations

from django import template

from concierge.core.templatetags.display import money, when

register = template.Library()
register.filter("money", money)
register.filter("when", when)
