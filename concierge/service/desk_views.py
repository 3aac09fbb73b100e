"""The supervisor's desk in the console: its home with the count of each queue, and one page per
queue (sortable headers, a store filter, pages), with the queue's actions in place — Approve and
Reject a refund, Unlock an order or a cart, End a live session or Transfer it. Each action is a
POST that comes back to the queue as it was (sort, store, page); a refused one shows the queue
again with the reason beside the row."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.assist.supervision import (
    END_NOTE_MAX,
    session_end_by_supervisor,
    session_transfer_by_supervisor,
    supervised_session,
    supervisor_transfer_candidates,
)
from concierge.assist.transfer import NOTE_MAX as TRANSFER_NOTE_MAX
from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.desk.queues import (
    HELD,
    LOCKS,
    QUEUES,
    REFUNDS,
    SESSIONS,
    Queue,
    desk_cart_unlock,
    desk_order_unlock,
    desk_refund_approve,
    desk_refund_reject,
    desk_scope,
    desk_stores,
    may_view_desk,
    queue_counts,
    queue_page,
)
from concierge.identity.roles import Priv
from concierge.orders.editing import parse_version
from concierge.orders.locks import REASON_MAX
from concierge.orders.refunds import NOTE_MAX as REFUND_NOTE_MAX
from concierge.service.views import staff_required

View = Callable[..., HttpResponse]
ANALYTICS_PATH = "/service/desk/analytics/"

# The queues in the order the desk shows them, with what an empty one says.
EMPTY = {
    HELD.key: "No orders are On Hold in your stores.",
    REFUNDS.key: "No refunds are awaiting approval in your stores.",
    LOCKS.key: "Nobody holds the lock of an order or a cart in your stores now.",
    SESSIONS.key: "Nobody is assisting a customer in your stores now.",
}
DESCRIPTIONS = {
    HELD.key: "Orders waiting On Hold, with their holds and how long they have waited. Open one to decide its holds.",
    REFUNDS.key: "Refunds above the store's approval threshold, waiting for a second person to approve or reject.",
    LOCKS.key: "Orders open for editing and customers' carts locked by customer service, with who holds them.",
    SESSIONS.key: "Customer service acting for a customer now: end a session with a reason, or transfer it.",
}


def desk_required(view: View) -> View:
    """Supervisors and administrators (the View Desk privilege); a CSR is refused."""

    @staff_required
    @wraps(view)
    def wrapper(request: ConciergeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_view_desk(request.ctx):
            return render(request, "service/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _scope(request: ConciergeRequest) -> Any:
    return desk_scope(request.ctx, store_id=_int(request.GET.get("store")))


@require_GET
@desk_required
def desk_home(request: ConciergeRequest) -> HttpResponse:
    scope = _scope(request)
    counts = queue_counts(scope)
    queues = [(queue, counts[key], DESCRIPTIONS[key]) for key, queue in QUEUES.items()]
    return render(request, "service/desk/home.html", {
        "queues": queues, "stores": desk_stores(request.ctx), "store": scope.store,
        "analytics_url": ANALYTICS_PATH,
    })  # fmt: skip


def _queue(key: str) -> Queue:
    queue = QUEUES.get(key)
    if queue is None:
        raise Http404("No such queue.")
    return queue


def _render_queue(
    request: ConciergeRequest, queue: Queue, *, status: int = 200, row_error: dict[str, Any] | None = None,
    query: Any = None,
) -> HttpResponse:  # fmt: skip
    params = query if query is not None else request.GET
    scope = desk_scope(request.ctx, store_id=_int(params.get("store")))
    descending = {"desc": True, "asc": False}.get(params.get("dir", ""))
    page = queue_page(scope, queue, sort=params.get("sort", ""), descending=descending,
                      page=_int(params.get("page")) or 1)  # fmt: skip
    ctx = request.ctx
    store_part = f"store={scope.store.pk}&" if scope.store is not None else ""
    back = reverse("service:desk_queue", args=[queue.key]) + ("?" + params.urlencode() if params else "")
    return render(request, f"service/desk/{queue.key.replace('-', '_')}.html", {
        "queue": queue, "page": page, "stores": desk_stores(ctx), "store": scope.store, "store_part": store_part,
        "empty": EMPTY[queue.key], "description": DESCRIPTIONS[queue.key], "queues": QUEUES.values(),
        "back": back, "viewer_id": ctx.signed_in_user.pk,
        "may_approve": ctx.has_perm(Priv.APPROVE_REFUND), "may_unlock": ctx.has_perm(Priv.UNLOCK_ORDER),
        "row_error": row_error or {}, "reason_max": REASON_MAX, "refund_note_max": REFUND_NOTE_MAX,
        "end_note_max": END_NOTE_MAX, "refresh_seconds": settings.DESK_QUEUE_REFRESH_SECONDS,
    }, status=status)  # fmt: skip


@require_GET
@desk_required
def queue_view(request: ConciergeRequest, key: str) -> HttpResponse:
    return _render_queue(request, _queue(key))


def _back(request: ConciergeRequest, queue: Queue) -> str:
    back = request.POST.get("back", "")
    default = reverse("service:desk_queue", args=[queue.key])
    return back if back.startswith(default) else default


def _act(request: ConciergeRequest, queue: Queue, row: str, act: Callable[[], str]) -> HttpResponse:
    """Run an action on a queue's row: on success back to the queue with what happened; refused,
    the queue again with the reason beside the row (its form open, what was typed kept)."""
    back = _back(request, queue)
    try:
        done = act()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        query = QueryDict(back.split("?", 1)[1] if "?" in back else "")
        error = {"row": row, "message": exc.message, "fields": exc.fields, "values": request.POST}
        return _render_queue(request, queue, status=exc.status, row_error=error, query=query)
    messages.success(request, done)
    return redirect(back)


@checks_text
@require_POST
@desk_required
def refund_approve(request: ConciergeRequest, pk: int) -> HttpResponse:
    def act() -> str:
        refund = desk_refund_approve(request.ctx, refund_id=pk, version=parse_version(request.POST.get("version")))
        return f"Refund of order {refund.order.number} approved: {refund.get_status_display().lower()}."

    return _act(request, REFUNDS, f"refund-{pk}", act)


@checks_text
@require_POST
@desk_required
def refund_reject(request: ConciergeRequest, pk: int) -> HttpResponse:
    def act() -> str:
        refund = desk_refund_reject(request.ctx, refund_id=pk, reason=request.POST.get("reason", ""),
                                    version=parse_version(request.POST.get("version")))  # fmt: skip
        return f"Refund of order {refund.order.number} rejected."

    return _act(request, REFUNDS, f"refund-{pk}", act)


@checks_text
@require_POST
@desk_required
def order_unlock(request: ConciergeRequest, number: str) -> HttpResponse:
    def act() -> str:
        order, previous = desk_order_unlock(request.ctx, number=number, reason=request.POST.get("reason", ""))
        return f"Order {order.number} is unlocked." if previous else f"Order {order.number} was not locked any more."

    return _act(request, LOCKS, f"order-{number}", act)


@checks_text
@require_POST
@desk_required
def cart_unlock(request: ConciergeRequest, pk: int) -> HttpResponse:
    def act() -> str:
        cart, previous = desk_cart_unlock(request.ctx, cart_id=pk, reason=request.POST.get("reason", ""))
        whose = cart.customer.display_name if cart.customer is not None else "a shopper"
        return f"The cart of {whose} is unlocked." if previous else f"The cart of {whose} was not locked any more."

    return _act(request, LOCKS, f"cart-{pk}", act)


@checks_text
@require_POST
@desk_required
def session_end(request: ConciergeRequest, pk: int) -> HttpResponse:
    def act() -> str:
        session = session_end_by_supervisor(request.ctx, session_id=pk, note=request.POST.get("note", ""))
        return (f"The session of {session.agent.display_name} for {session.customer.display_name} has ended. "
                f"{session.agent.first_name or 'The agent'} is told on their next step.")  # fmt: skip

    return _act(request, SESSIONS, f"session-{pk}", act)


@checks_text
@require_http_methods(["GET", "POST"])
@desk_required
def session_transfer(request: ConciergeRequest, pk: int) -> HttpResponse:
    """Transfer: choose a colleague of the customer's store and write a note; they accept it from
    their Customer Service page, as any transfer."""
    ctx = request.ctx
    try:
        session = supervised_session(ctx, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError:
        messages.error(request, "That session has already ended.")
        return redirect("service:desk_queue", SESSIONS.key)
    back = _back(request, SESSIONS) if request.method == "POST" else request.GET.get("back", "")
    if not back.startswith(reverse("service:desk_queue", args=[SESSIONS.key])):
        back = reverse("service:desk_queue", args=[SESSIONS.key])
    errors: dict[str, list[str]] = {}
    message = ""
    status = 200
    if request.method == "POST":
        try:
            offer = session_transfer_by_supervisor(ctx, session_id=pk, to_user_id=request.POST.get("to", ""),
                                                   note=request.POST.get("note", ""))  # fmt: skip
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            errors, message, status = exc.fields, exc.message, exc.status
        else:
            messages.success(request, f"The session for {session.customer.display_name} is offered to "
                             f"{offer.to_agent.display_name}: it moves to them when they accept it.")  # fmt: skip
            return redirect(back)
    return render(request, "service/desk/transfer.html", {
        "session": session, "candidates": supervisor_transfer_candidates(ctx, session), "errors": errors,
        "message": message, "values": request.POST, "back": back, "note_max": TRANSFER_NOTE_MAX,
    }, status=status)  # fmt: skip
