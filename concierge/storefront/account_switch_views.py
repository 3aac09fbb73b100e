"""The account switcher ("Buying for: Myself / Acme Outfitters") and an account's Associates page,
for shoppers who are associates of accounts (seed 004 "Managing Associates")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from concierge.assist.context import ACCOUNT_KEY
from concierge.core.errors import DomainError
from concierge.core.forms import checks_text
from concierge.core.redirects import safe_next
from concierge.core.requests import ConciergeRequest
from concierge.customers.associates import (
    account_associate_add,
    account_associate_remove,
    account_associates,
    account_clear,
    account_select,
)
from concierge.customers.models import AccountAssociate


@login_required
@require_POST
def buying_for(request: ConciergeRequest) -> HttpResponse:
    """Choose the account to buy for, or Myself (``account_id`` empty). Back where they were."""
    ctx = request.ctx
    back = safe_next(request, request.POST.get("next"), default="storefront:home")
    account_id = request.POST.get("account_id", "")
    if not account_id:
        account_clear(ctx)
        request.session.pop(ACCOUNT_KEY, None)
        messages.info(request, "You are buying for yourself.")
        return HttpResponseRedirect(back)
    try:
        account = account_select(ctx, account_id=account_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    request.session[ACCOUNT_KEY] = account.pk
    messages.success(request, f"You are now buying for {account.display_name}.")
    return HttpResponseRedirect(back)


@checks_text
@login_required
@require_http_methods(["GET", "POST"])
def associates(request: ConciergeRequest) -> HttpResponse:
    """The account's Associates, for its Account administrator: Add Associate (User Email, Role,
    Save) and Remove Associate (with its confirmation)."""
    ctx = request.ctx
    errors: dict[str, list[str]] = {}
    values = {"email": "", "role": AccountAssociate.Role.BUYER.value}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                values = {"email": request.POST.get("email", ""), "role": request.POST.get("role", "")}
                added = account_associate_add(ctx, email=values["email"], role=values["role"])
                role = added.get_role_display()
                messages.success(request, f"{added.user.display_name} is now an associate ({role}).")
            else:
                account_associate_remove(ctx, associate_id=request.POST.get("associate_id"))
                messages.success(request, "The associate was removed. Their user account is kept.")
            return redirect("storefront:associates")
        except DomainError as exc:
            if exc.status == 403:
                return _refused(request, exc)
            errors = exc.fields
            messages.error(request, exc.message)
    try:
        rows = account_associates(ctx)
    except DomainError as exc:
        return _refused(request, exc)
    removing = next((a for a in rows if str(a.pk) == request.GET.get("remove")), None)
    context = {
        "rows": rows,
        "roles": AccountAssociate.Role.choices,
        "values": values,
        "errors": errors,
        "removing": removing,
    }
    return render(request, "storefront/associates.html", context, status=400 if errors else 200)


def _refused(request: ConciergeRequest, exc: DomainError) -> HttpResponse:
    return render(request, "storefront/associates_refused.html", {"message": exc.message}, status=exc.status)
