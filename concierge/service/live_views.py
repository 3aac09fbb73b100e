"""The console's live presence: each open order, customer record or cart page says it is there.

The page carries a stream token naming the records it shows (``live_tags.live_presence``, issued by
the view that rendered it for its user); these endpoints take the token back, so they never decide
again who may see what. The answer is who else is there: the page shows it at once, and keeps it up
to date from the event stream, or from these answers every 2 s when the stream is down.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from concierge.core import live, viewers
from concierge.core.requests import ConciergeRequest
from concierge.service.views import staff_required

PAGE_LIMIT = 40


def _read(request: ConciergeRequest) -> tuple[list[str], str] | JsonResponse:
    read = live.read_stream_token(request.POST.get("token", ""))
    page = request.POST.get("page", "")
    if read is None or read[0] != request.user.pk:
        return JsonResponse(
            {"code": "live.token_invalid", "message": "This page's live updates have expired: reload the page."},
            status=403,
        )
    if not page or len(page) > PAGE_LIMIT or not page.replace("-", "").isalnum():
        return JsonResponse(
            {"code": "live.page_invalid", "message": f"A page id is 1 to {PAGE_LIMIT} letters, digits or dashes."},
            status=400,
        )
    return read[1], page


@require_POST
@staff_required
def live_here(request: ConciergeRequest) -> HttpResponse:
    read = _read(request)
    if isinstance(read, JsonResponse):
        return read
    topics, page = read
    user = request.ctx.signed_in_user
    name = user.get_full_name() or user.get_username()
    on = viewers.here(topics=topics, page=page, user_id=user.pk, name=name, editing=request.POST.get("editing") == "1")
    return JsonResponse(
        {
            "viewers": {topic: [v.as_json() for v in people] for topic, people in on.items()},
            "heartbeat_seconds": viewers.HEARTBEAT_SECONDS,
        }
    )


@require_POST
@staff_required
def live_leave(request: ConciergeRequest) -> HttpResponse:
    read = _read(request)
    if isinstance(read, JsonResponse):
        return read
    topics, page = read
    viewers.leave(topics=topics, page=page, user_id=request.ctx.signed_in_user.pk)
    return HttpResponse(status=204)
