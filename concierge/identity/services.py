"""Sign-in, sign-out everywhere, API tokens and staff accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.core.forms import text_problem
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf
from concierge.core.prepared import PreparedQuery
from concierge.identity.actions import IdentityAction
from concierge.identity.errors import IdentityError
from concierge.identity.models import ApiToken, SignInThrottle, User
from concierge.identity.policies import may_sign_in
from concierge.identity.roles import Priv, Role
from concierge.identity.signals import signed_out_everywhere

if TYPE_CHECKING:
    from django.http import HttpRequest

    from concierge.stores.models import Store


# --- Sign-in throttling -------------------------------------------------------------------------


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CONCIERGE_SIGN_IN_WINDOW_SECONDS)


def _count_attempt(key: str) -> int:
    """Count one attempt for ``key`` in the current window and return the count, atomically: every
    concurrent attempt is counted before any password is checked."""
    now = clock.now()
    window_start = now - _window()
    with transaction.atomic():
        if SignInThrottle.objects.filter(key=key, window_started_at__gte=window_start).update(
            failures=F("failures") + 1
        ) or SignInThrottle.objects.filter(key=key, window_started_at__lt=window_start).update(
            failures=1, window_started_at=now
        ):
            return SignInThrottle.objects.get(key=key).failures
        try:
            with transaction.atomic():
                SignInThrottle.objects.create(key=key, failures=1, window_started_at=now)
            return 1
        except IntegrityError:
            SignInThrottle.objects.filter(key=key).update(failures=F("failures") + 1)
            return SignInThrottle.objects.get(key=key).failures


def _email_key(email: str) -> str:
    return f"email:{email.strip().lower()[:254]}"


def sign_in_check(request: HttpRequest | None, *, email: str, password: str, client_ip: str) -> User:
    """The user with these credentials, or a clear refusal.

    Each attempt is counted per email and per client address *before* the password is checked, and
    refused once either count passes the limit within the window; a success takes its attempt back
    (the email's count is cleared, the address's lowered by one), so only failures accumulate.
    """
    limit = settings.CONCIERGE_SIGN_IN_MAX_FAILURES
    email_key = _email_key(email)
    keys = [email_key] + ([f"ip:{client_ip}"] if client_ip else [])
    counts = [_count_attempt(key) for key in keys]
    # A shared address (an office) gets more room than one email address.
    if counts[0] > limit or (len(counts) > 1 and counts[1] > limit * 4):
        minutes = max(1, settings.CONCIERGE_SIGN_IN_WINDOW_SECONDS // 60)
        raise DomainError(
            CommonError.AUTH_THROTTLED,
            f"Too many failed sign-in attempts. Try again in {minutes} minutes.",
            status=429,
        )
    user = authenticate(request, email=email, password=password)
    if user is None:
        _refuse_if_disabled(email=email, password=password)
        with transaction.atomic():
            record(
                ActingContext(user=None, client_ip=client_ip, system_label="sign-in"),
                action=IdentityAction.SIGN_IN_FAILED,
                subject_kind="sign_in",
                subject_id=hashlib.sha256(email_key.encode()).hexdigest()[:16],
            )
        raise DomainError(
            CommonError.AUTH_INVALID_CREDENTIALS,
            "The email address or password you entered is incorrect.",
            status=401,
        )
    with transaction.atomic():
        SignInThrottle.objects.filter(key=email_key).delete()
        if len(keys) > 1:
            SignInThrottle.objects.filter(key=keys[1], failures__gt=0).update(failures=F("failures") - 1)
        record(ActingContext(user=user, client_ip=client_ip), action=IdentityAction.SIGNED_IN, subject_kind="user",
               subject_id=user.pk)  # fmt: skip
    return user


def _refuse_if_disabled(*, email: str, password: str) -> None:
    """Right credentials of a disabled account get a clear refusal, not "incorrect" (bar 28). The
    password is checked only for disabled accounts, so the answer for others takes no longer."""
    candidate = User.objects.filter(email=email.strip().lower()).first()
    if candidate is not None and not may_sign_in(candidate) and candidate.check_password(password):
        raise DomainError(
            IdentityError.ACCOUNT_DISABLED,
            "This account is disabled, so you cannot sign in. Contact customer service for help.",
            status=403,
        )


# --- Sessions and tokens ------------------------------------------------------------------------


def user_sign_out_everywhere(ctx: ActingContext) -> None:
    """End every session of the signed-in user on every device, and revoke their API tokens."""
    user = _require_user(ctx)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        revoked = ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=clock.now())
        signed_out_everywhere.send(sender=User, user=user)
        record(ctx, action=IdentityAction.SIGNED_OUT_EVERYWHERE, subject_kind="user", subject_id=user.pk,
               data={"api_tokens_revoked": revoked})  # fmt: skip


def user_create_row(*, email: str, password: str, taken: DomainError, **fields: Any) -> User:
    """The ``User`` row of a new account, or ``taken`` when its email is in use: checked first,
    and again by the unique index when another request registers it at the same moment. Call it
    inside the transaction that completes the account (its roles, its customer)."""
    if User.objects.filter(email__iexact=email).exists():
        raise taken
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, **fields)
    except IntegrityError as exc:
        raise taken from exc


def api_token_create(ctx: ActingContext, *, name: str) -> tuple[ApiToken, str]:
    """A new API token for the signed-in user; returns the token and its key (shown only now)."""
    user = _require_user(ctx)
    name = name.strip()
    if not name:
        raise DomainError(CommonError.REQUEST_INVALID, "Give the token a name.", fields={"name": ["Required."]})
    if problem := text_problem(name, limit=ApiToken._meta.get_field("name").max_length):
        raise DomainError(CommonError.REQUEST_INVALID, problem, status=422, fields={"name": [problem]})
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[3 : 3 + ApiToken.PREFIX_LENGTH], digest=ApiToken.digest_of(key)
        )
        record(
            ctx,
            action=IdentityAction.API_TOKEN_CREATED,
            subject_kind="api_token",
            subject_id=token.pk,
            data={"name": token.name},
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
        record(ctx, action=IdentityAction.API_TOKEN_REVOKED, subject_kind="api_token", subject_id=token.pk)
    return token


# The token with its user, their customer and its store: the acting context of every API request,
# compiled once per process (core/prepared.py).
_TOKEN_WITH_USER = PreparedQuery(
    lambda digest: (
        ApiToken.objects.select_related("user__customer__store")
        .filter(digest=digest, revoked_at=None, user__is_active=True)
        .order_by("pk")[:1]
    ),
    digest="\x00digest",
)


def api_token_user(key: str, *, touch: bool = False) -> User | None:
    """The active user a bearer key belongs to, or ``None``. ``touch`` records the use (only for
    requests that change something: a GET never writes)."""
    token = _TOKEN_WITH_USER.first(digest=ApiToken.digest_of(key))
    if token is None:
        return None
    token.user.customer_loaded = True  # read with it: the acting context asks no more (EmailBackend.get_user)
    if not may_sign_in(token.user):
        return None
    now = clock.now()
    if touch and (token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5)):
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
    """Create a staff member with their roles and the stores they serve (administrators only)."""
    if ctx.user is not None and not ctx.has_perm(Priv.ADMINISTER):
        raise DomainError(CommonError.PERMISSION_DENIED, "Only administrators create staff accounts.", status=403)
    roles = list(roles)
    message = "An account with this email address already exists."
    taken = DomainError(IdentityError.EMAIL_TAKEN, message, fields={"email": [message]}, status=409)
    with transaction.atomic():
        user = user_create_row(email=email, password=password, taken=taken, first_name=first_name,
                               last_name=last_name, is_staff=Role.ADMINISTRATOR in roles)  # fmt: skip
        user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        user.stores.set(list(stores))
        record(
            ctx,
            action=IdentityAction.STAFF_CREATED,
            subject_kind="user",
            subject_id=user.pk,
            data={"roles": sorted(r.value for r in roles), "stores": sorted(s.code for s in user.stores.all())},
        )
    return user


# --- A person's own sign-in details (never on their behalf, bar 6) -------------------------------


def user_change_password(ctx: ActingContext, *, current: str, new: str) -> User:
    """The signed-in person changes their password, proving the current one first."""
    refuse_on_behalf(ctx, OnBehalfDenied.CHANGE_PASSWORD)
    user = _require_user(ctx)
    if not user.check_password(current or ""):
        message = "The current password is not right."
        raise DomainError(IdentityError.PASSWORD_WRONG, message, status=422, fields={"current_password": [message]})
    try:
        validate_password(new or "", user)
    except ValidationError as exc:
        raise DomainError(CommonError.REQUEST_INVALID, " ".join(exc.messages), status=422,
                          fields={"new_password": list(exc.messages)}) from None  # fmt: skip
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        record(ctx, action=IdentityAction.PASSWORD_CHANGED, subject_kind="user", subject_id=user.pk)
    return user


def user_change_email(ctx: ActingContext, *, password: str, email: str) -> User:
    """The signed-in person changes the email they sign in with. A shopper's customer record follows
    (``customers.services.customer_change_sign_in_email`` wraps this)."""
    refuse_on_behalf(ctx, OnBehalfDenied.SIGN_IN_EMAIL)
    user = _require_user(ctx)
    if not user.check_password(password or ""):
        message = "The password is not right."
        raise DomainError(IdentityError.PASSWORD_WRONG, message, status=422, fields={"password": [message]})
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        message = "Enter a valid email address."
        raise DomainError(CommonError.REQUEST_INVALID, message, status=422, fields={"email": [message]}) from None
    before = user.email
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(email=email)
            record(ctx, action=IdentityAction.EMAIL_CHANGED, subject_kind="user", subject_id=user.pk,
                   changes={"email": (before, email)})  # fmt: skip
    except IntegrityError:
        message = "An account with this email address already exists."
        raise DomainError(IdentityError.EMAIL_TAKEN, message, status=409, fields={"email": [message]}) from None
    user.email = email
    return user


def _require_user(ctx: ActingContext) -> User:
    if ctx.user is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in first.", status=401)
    return ctx.user
