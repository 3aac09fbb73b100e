"""Who am I acting as, and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Router, Schema, Status

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import EmailText, Id, Secret, ShortText
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf, tagged_not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.identity import services
from concierge.identity.access import access_of
from concierge.identity.models import ApiToken
from concierge.identity.roles import Priv
from concierge.identity.selectors import active_tokens

if TYPE_CHECKING:
    from concierge.customers.models import Customer

router = Router(tags=["identity"])


class PersonOut(Schema):
    id: int
    name: str
    email: str


class CustomerRefOut(Schema):
    id: int
    shared_id: str
    name: str
    kind: str


class MeOut(Schema):
    """Who acts, and for whom: the signed-in user, the customer served, the account in use."""

    user: PersonOut
    roles: list[str]
    privileges: list[str]
    stores: list[str]
    customer: CustomerRefOut | None
    account: CustomerRefOut | None
    assisted_session: int | None
    acting_as: str


class TokenCreateIn(Schema):
    email: EmailText
    password: Secret
    name: ShortText = "API token"


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    key: str


def _customer_ref(customer: Customer | None) -> CustomerRefOut | None:
    if customer is None:
        return None
    return CustomerRefOut(
        id=customer.pk,
        shared_id=customer.shared_id,
        name=customer.display_name,
        kind=customer.kind,
    )


def acting_as_text(ctx: ActingContext) -> str:
    who = ctx.actor_label
    if ctx.is_assisting and ctx.customer is not None:
        return f"{who} on behalf of {ctx.customer.display_name}"
    if ctx.account is not None:
        return f"{who} for {ctx.account.display_name}"
    return who


class PartyOut(Schema):
    id: int
    name: str


class ActingOut(Schema):
    """Who acts (the agent) and for whom (the customer), in which assisted session."""

    agent: PartyOut
    on_behalf_of: PartyOut | None
    session: int | None
    acting_as: str


def acting_out(ctx: ActingContext) -> ActingOut:
    customer = ctx.customer if ctx.is_assisting else None
    return ActingOut(
        agent=PartyOut(id=ctx.signed_in_user.pk, name=ctx.signed_in_user.display_name),
        on_behalf_of=PartyOut(id=customer.pk, name=customer.display_name) if customer else None,
        session=ctx.assisted_session.pk if ctx.is_assisting else None,
        acting_as=acting_as_text(ctx),
    )


@router.get("/me", response={200: MeOut, **ERRORS_AUTH}, auth=token_or_session)
def me(request: ConciergeRequest) -> MeOut:
    ctx: ActingContext = request.ctx
    user = ctx.user
    if user is None:  # the route's auth admits only signed-in users; stay safe if that changes
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    return MeOut(
        user=PersonOut(id=user.pk, name=user.display_name, email=user.email),
        roles=list(access_of(user).roles),
        privileges=sorted(p.value for p in Priv if user.has_perm(p)),
        stores=list(access_of(user).store_codes),
        customer=_customer_ref(ctx.customer),
        account=_customer_ref(ctx.account),
        assisted_session=getattr(ctx.assisted_session, "pk", None),
        acting_as=acting_as_text(ctx),
    )


@router.post(
    "/auth/tokens",
    response={201: TokenCreatedOut, 401: ErrorOut, 429: ErrorOut, **ERRORS_INPUT},
    auth=None,
)
@tagged_not_on_behalf(OnBehalfDenied.API_TOKENS)
def token_create(request: ConciergeRequest, payload: TokenCreateIn) -> Status:
    """Exchange an email and password for an API token. The key is shown only in this answer."""
    ctx: ActingContext = request.ctx
    refuse_on_behalf(ctx, OnBehalfDenied.API_TOKENS)
    user = services.sign_in_check(request, email=payload.email, password=payload.password, client_ip=ctx.client_ip)
    token, key = services.api_token_create(ActingContext(user=user, request_id=ctx.request_id), name=payload.name)
    return Status(201, TokenCreatedOut(**TokenOut.model_validate(token).model_dump(), key=key))


@router.get("/auth/tokens", response={200: list[TokenOut], **ERRORS_AUTH}, auth=token_or_session)
@tagged_not_on_behalf(OnBehalfDenied.API_TOKENS)
def token_list(request: ConciergeRequest) -> list[ApiToken]:
    refuse_on_behalf(request.ctx, OnBehalfDenied.API_TOKENS)
    return list(active_tokens(request.ctx))


@router.delete(
    "/auth/tokens/{token_id}",
    response={204: None, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
    auth=token_or_session,
)
def token_revoke(request: ConciergeRequest, token_id: Id) -> Status:
    services.api_token_revoke(request.ctx, token_id=token_id)
    return Status(204, None)


@router.post("/auth/sign-out-everywhere", response={204: None, **ERRORS_AUTH}, auth=token_or_session)
def sign_out_everywhere(request: ConciergeRequest) -> Status:
    """End every browser session of the caller and revoke all their API tokens (this one too)."""
    services.user_sign_out_everywhere(request.ctx)
    return Status(204, None)
