"""``{% live_presence "order" order.number editing=editing %}``: who else has this record open.

Renders the presence line of a console page and the data its script needs. Use it only on a page
whose view has already decided that the viewer may see the record: the tag signs that decision
into the page's stream token.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from concierge.core import live
from concierge.core.display import time_zone_of, viewer_locale

register = template.Library()


@register.simple_tag(takes_context=True)
def live_presence(
    context: template.Context, kind: str, key: Any, *, editing: bool = False, noun: str = "record", where: Any = None
) -> SafeString:
    """The presence line for the record ``kind:key`` (``order:R-1001``, ``customer:42``, ``cart:C-7``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return SafeString("")
    topic = f"{kind}:{key}"
    values: dict[str, Any] = {
        "token": live.stream_token(user.pk, [topic]),
        "topic": topic,
        "editing": editing,
        "noun": noun,
        "time_zone": time_zone_of(where),
        "locale": viewer_locale().replace("_", "-"),
        "request": request,
    }
    return SafeString(render_to_string("service/_live_presence.html", values, request=request))
