"""Sign-in, sign-out everywhere, API tokens and staff accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.identity.errors import IdentityError
from concierge.identity.models import ApiToken, SignInThrottle, User
from concierge.identity.roles import Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.core.context import ActingContext
    from concierge.stores.models import Store


# --- Sign-in throttling -------------------------------------------------------------------------


def _throttle_keys(email: str, client_ip: str) -> list[str]:
    keys = [f"email:{email.strip().lower()[:254]}"]
    if client_ip:
        keys.append(f"ip:{client_ip}")
    return keys


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CONCIERGE_SIGN_IN_WINDOW_SECONDS)


def _check_throttle(keys: list[str]) -> None:
    window_start = clock.now() - _window()
    limit = settings.CONCIERGE_SIGN_IN_MAX_FAILURES
    if SignInThrottle.objects.filter(key__in=keys, window_started_at__gte=window_start, failures__gte=limit).exists():
        minutes = max(1, settings.CONCIERGE_SIGN_IN_WINDOW_SECONDS // 60)
        raise DomainError(
            CommonError.AUTH_THROTTLED,
            f"Too many failed sign-in attempts. Try again in {minutes} minutes.",
            status=429,
        )


def _count_failure(keys: list[str]) -> None:
    now = clock.now()
    window_start = now - _window()
    for key in keys:
        with transaction.atomic():
            # Conditional updates only: concurrent failures are all counted.
            if SignInThrottle.objects.filter(key=key, window_started_at__gte=window_start).update(
                failures=F("failures") + 1
            ):
                continue
            if SignInThrottle.objects.filter(key=key).update(failures=1, window_started_at=now):
                continue
            try:
                with transaction.atomic():
                    SignInThrottle.objects.create(key=key, failures=1, window_started_at=now)
            except IntegrityError:
                SignInThrottle.objects.filter(key=key).update(failures=F("failures") + 1)


def sign_in_check(request: HttpRequest | None, *, email: str, password: str, client_ip: str) -> User:
    """The user with these credentials, or a clear refusal. Failed attempts are throttled per
    email and per client address; a success clears the email's count."""
    keys = _throttle_keys(email, client_ip)
    _check_throttle(keys)
    user = authenticate(request, email=email, password=password)
    if user is None:
        _count_failure(keys)
        raise DomainError(
            CommonError.AUTH_INVALID_CREDENTIALS,
            "The email address or password you entered is incorrect.",
            status=401,
        )
    SignInThrottle.objects.filter(key=keys[0]).delete()
    return user


# --- Sessions and tokens ------------------------------------------------------------------------


def user_sign_out_everywhere(ctx: ActingContext) -> None:
    """End every session of the signed-in user, on every device, and revoke none of their data."""
    user = _require_user(ctx)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        record(ctx, action="user.signed_out_everywhere", subject_kind="user", subject_id=user.pk)


def api_token_create(ctx: ActingContext, *, name: str) -> tuple[ApiToken, str]:
    """A new API token for the signed-in user; returns the token and its key (shown only now)."""
    user = _require_user(ctx)
    name = name.strip()
    if not name:
        raise DomainError(CommonError.REQUEST_INVALID, "Give the token a name.", fields={"name": ["Required."]})
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:80], prefix=key[3 : 3 + ApiToken.PREFIX_LENGTH], digest=ApiToken.digest_of(key)
        )
        record(
            ctx, action="api_token.created", subject_kind="api_token", subject_id=token.pk, data={"name": token.name}
        )
    return token, key


def api_token_revoke(ctx: ActingContext, *, token_id: int) -> ApiToken:
    user = _require_user(ctx)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at=None).first()
        if token is None:
            raise DomainError(IdentityError.TOKEN_NOT_FOUND, "No such active token.", status=404)
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(ctx, action="api_token.revoked", subject_kind="api_token", subject_id=token.pk)
    return token


def api_token_user(key: str) -> User | None:
    """The active user a bearer key belongs to, or ``None``."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(key), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Staff --------------------------------------------------------------------------------------


def staff_create(
    ctx: ActingContext,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    roles: Iterable[Role],
    stores: Iterable[Store] = (),
) -> User:
    """Create a staff member with their roles and the stores they serve."""
    roles = list(roles)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise DomainError(
                IdentityError.EMAIL_TAKEN,
                "An account with this email address already exists.",
                fields={"email": ["An account with this email address already exists."]},
                status=409,
            )
        user = User.objects.create_user(
            email,
            password,
            first_name=first_name,
            last_name=last_name,
            is_staff=Role.ADMINISTRATOR in roles,
        )
        user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        user.stores.set(list(stores))
        record(
            ctx,
            action="staff.created",
            subject_kind="user",
            subject_id=user.pk,
            data={"roles": sorted(r.value for r in roles), "stores": sorted(s.code for s in user.stores.all())},
        )
    return user


def _require_user(ctx: ActingContext) -> User:
    if ctx.user is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    return ctx.user
