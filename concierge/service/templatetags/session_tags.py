"""``{% session_reasons as reasons %}``: the session reasons a session start offers."""

from __future__ import annotations

from django import template

from concierge.assist.services import session_reasons as active_session_reasons

register = template.Library()


@register.simple_tag
def session_reasons() -> tuple[str, ...]:
    return active_session_reasons()
