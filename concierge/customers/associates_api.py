"""The accounts the signed-in user may buy for (seed 004 "Managing Associates").

An API caller buys for one of them by naming it on each request with the ``X-Account`` header (its
``id``), as it names an assisted session with ``X-Assisted-Session``: the account is then the
customer served — its cart, prices and payment sources — and a checkout places the account's
order, placed by the caller. An account that is not theirs answers 404 ``account.unavailable``, a
disabled one 403 ``customer.disabled``; a suspended one is browsed and carted for, and its checkout
answers 403 ``account.suspended``. A browser session without the header keeps the account chosen
with the storefront's switcher.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router, Schema, Status

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import EmailText, Id
from concierge.core.errors import CommonError, DomainError
from concierge.core.requests import ConciergeRequest
from concierge.customers import associates
from concierge.customers.models import AccountAssociate
from concierge.customers.selectors import ActableAccount, accounts_for_user

router = Router(tags=["accounts"])


class BuyableAccountOut(Schema):
    """An account the caller may act for, and how."""

    id: int
    shared_id: str
    name: str
    status: str
    parent_id: int | None
    role: str
    role_label: str
    may_purchase: bool
    selected: bool


def _out(entry: ActableAccount, selected_id: int | None) -> BuyableAccountOut:
    account = entry.account
    return BuyableAccountOut(
        id=account.pk,
        shared_id=account.shared_id,
        name=account.display_name,
        status=account.status,
        parent_id=account.parent_id,
        role=entry.role,
        role_label=entry.role_label,
        may_purchase=entry.may_purchase,
        selected=account.pk == selected_id,
    )


@router.get("/me/accounts", response={200: list[BuyableAccountOut], **ERRORS_AUTH}, auth=token_or_session)
def my_accounts(request: ConciergeRequest) -> list[BuyableAccountOut]:
    """The accounts you may buy for — as an associate (role ``BUYER``, ``CATALOG_BROWSER`` or
    ``ADMIN``) or an assigned seller (``SELLER``) — by name, disabled ones left out; ``selected``
    marks the one this request acts for (``X-Account``, or the browser's choice)."""
    ctx = request.ctx
    if ctx.user is None:  # the route's auth admits only signed-in users; stay safe if that changes
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    selected = ctx.account.pk if ctx.account is not None and not ctx.is_assisting else None
    return [_out(entry, selected) for entry in accounts_for_user(ctx.user)]


class MyAccountAssociateOut(Schema):
    """An associate of the account in use."""

    id: int
    user_id: int
    name: str
    email: str
    role: str
    role_label: str
    added_at: dt.datetime


class AssociateAddIn(Schema):
    email: EmailText
    role: Literal["BUYER", "CATALOG_BROWSER", "ADMIN"] = "BUYER"


def _associate_out(associate: AccountAssociate) -> MyAccountAssociateOut:
    return MyAccountAssociateOut(
        id=associate.pk,
        user_id=associate.user_id,
        name=associate.user.display_name,
        email=associate.user.email,
        role=associate.role,
        role_label=associate.get_role_display(),
        added_at=associate.added_at,
    )


@router.get("/me/account/associates", response={200: list[MyAccountAssociateOut], **ERRORS_AUTH}, auth=token_or_session)
def account_associates(request: ConciergeRequest) -> list[MyAccountAssociateOut]:
    """The associates of the account you buy for (``X-Account``), for its Account administrator."""
    return [_associate_out(a) for a in associates.account_associates(request.ctx)]


@router.post(
    "/me/account/associates",
    response={201: MyAccountAssociateOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=token_or_session,
)
def account_associate_add(request: ConciergeRequest, payload: AssociateAddIn) -> Status:
    """Add Associate: a registered shopper, by their sign-in email, in a role. An unknown email is
    422 on ``email``; one already an associate 409 ``associate.exists``."""
    added = associates.account_associate_add(request.ctx, email=payload.email, role=payload.role)
    return Status(201, _associate_out(added))


@router.delete(
    "/me/account/associates/{associate_id}",
    response={204: None, 404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=token_or_session,
)
def account_associate_remove(request: ConciergeRequest, associate_id: Id) -> Status:
    """Remove Associate: the association goes, the user stays (not yourself: 409 ``associate.self``)."""
    associates.account_associate_remove(request.ctx, associate_id=associate_id)
    return Status(204, None)
