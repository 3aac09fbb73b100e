"""The Customer Service console face."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concierge.audit.selectors import events_by_actor
from concierge.identity.policies import can_use_console

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Console users only: others are sent to sign in (anonymous) or refused (shoppers, sellers)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.ctx.user
        if user is None:
            return redirect_to_login(request.get_full_path())
        if not can_use_console(user):
            return render(request, "service/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The Customer Service page, where staff land after signing in (seed 000 step 2)."""
    user = request.ctx.user
    return render(
        request,
        "service/home.html",
        {
            "stores": user.stores.order_by("name"),
            "roles": user.groups.order_by("name").values_list("name", flat=True),
            "recent_events": events_by_actor(actor_id=user.pk, limit=15),
        },
    )
