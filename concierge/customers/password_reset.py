"""Resetting a customer's password (seed 004 "Resetting a User's Password"), better than the seed:
the customer receives a one-time, expiring link to choose a new password, never a password, and
the member of customer service who asked never sees the link.

The link carries the user's id and a token from Django's password reset token generator, which
hashes the user's password, last sign-in, email and (here) ``session_epoch`` with a timestamp: the
token stops working once the password changes (so it works once), after a sign-in, after "Sign out
everywhere", and after ``PASSWORD_RESET_TIMEOUT`` seconds. Time is read from the injected clock.

Both ways in send the same email: Reset Customer Password in the console
(:func:`customer_password_reset_send`) and "Forgot your password?" on the sign-in page
(:func:`password_reset_request`, which answers the same whether or not the email is known).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.mail import send_templated
from concierge.customers.actions import CustomerAction
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.customers.selectors import access_customer
from concierge.customers.services import require_update_privilege
from concierge.identity.actions import IdentityAction
from concierge.identity.models import User
from concierge.identity.policies import may_sign_in
from concierge.identity.services import user_sign_out_everywhere

if TYPE_CHECKING:
    from concierge.stores.models import Store

TEMPLATE = "customers/email/password_reset"
# "Forgot your password?" sends at most this many emails to one person per hour; more are not sent
# (the page answers the same), so the form cannot be used to flood someone's inbox.
REQUESTS_PER_HOUR = 3
REQUEST_SENT = (
    "If an account uses that email address, we have sent it a link to choose a new password. "
    "Check your inbox; the link works once."
)


class ResetTokens(PasswordResetTokenGenerator):
    """Django's reset tokens, also ended by "Sign out everywhere", on Concierge's clock."""

    key_salt = "concierge.customers.password_reset.ResetTokens"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}:{user.session_epoch}"

    def _now(self) -> dt.datetime:
        return clock.now().astimezone(dt.UTC).replace(tzinfo=None)


reset_tokens = ResetTokens()


def expiry_words() -> str:
    """How long a link works, in words ("3 days", "2 hours")."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    if seconds >= 86400 and seconds % 86400 == 0:
        n, unit = seconds // 86400, "day"
    elif seconds >= 3600:
        n, unit = seconds // 3600, "hour"
    else:
        n, unit = max(1, seconds // 60), "minute"
    return f"{n} {unit}{'s' if n != 1 else ''}"


def reset_path(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("storefront:password_reset_confirm", args=[uidb64, reset_tokens.make_token(user)])


def _send_after_commit(user: User, *, base_url: str, store: Store | None, name: str) -> None:
    """The email, once the transaction that records it commits (a rollback sends nothing). The link
    is made here and goes only into the email."""
    link = base_url.rstrip("/") + reset_path(user)
    store_name = store.name if store else "Concierge"
    context = {"name": name, "link": link, "expires": expiry_words(), "store_name": store_name}
    email = user.email
    transaction.on_commit(lambda: send_templated(email, TEMPLATE, context))


def customer_password_reset_send(ctx: ActingContext, *, customer_id: int, base_url: str) -> Customer:
    """Reset Customer Password (seed 004, after the Confirm dialog's OK): email the customer a reset
    link. Their record and password do not change until they use it, so this takes no lock."""
    require_update_privilege(ctx)
    with transaction.atomic():
        customer = access_customer(ctx, customer_id)
        user = customer.user
        if user is None or customer.kind != Customer.Kind.REGISTERED_USER:
            raise DomainError(CustomerError.NO_SIGN_IN, f"{customer.display_name} does not sign in, so there is no "
                              "password to reset.", status=409)  # fmt: skip
        if not may_sign_in(user):
            raise DomainError(CustomerError.DISABLED, f"{customer.display_name} is disabled and cannot sign in: set "
                              "the Customer Status to Active first.", status=409)  # fmt: skip
        record(ctx.for_customer(customer), action=CustomerAction.PASSWORD_RESET_SENT, subject_kind="customer",
               subject_id=customer.pk, data={"by": "customer service"})  # fmt: skip
        _send_after_commit(user, base_url=base_url, store=customer.store, name=customer.display_name)
    return customer


def _recently_sent(subject_kind: str, subject_id: int) -> int:
    since = clock.now() - dt.timedelta(hours=1)
    return Event.objects.filter(subject_kind=subject_kind, subject_id=str(subject_id),
                                action=CustomerAction.PASSWORD_RESET_SENT, occurred_at__gte=since).count()  # fmt: skip


def password_reset_request(ctx: ActingContext, *, email: str, base_url: str) -> str:
    """ "Forgot your password?": email a reset link to whoever signs in with ``email``, if anyone
    may. Always answers the same words, so the form tells nobody whether an email is known."""
    with transaction.atomic():
        user = User.objects.filter(email__iexact=(email or "").strip()[:254]).select_related("customer").first()
        if user is None or not may_sign_in(user) or not user.has_usable_password():
            return REQUEST_SENT
        customer = getattr(user, "customer", None)
        kind, pk = ("customer", customer.pk) if customer is not None else ("user", user.pk)
        if _recently_sent(kind, pk) >= REQUESTS_PER_HOUR:
            return REQUEST_SENT
        acting = ctx.for_customer(customer) if customer is not None else ctx
        record(acting, action=CustomerAction.PASSWORD_RESET_SENT, subject_kind=kind, subject_id=pk,
               data={"by": "the customer (Forgot your password?)"})  # fmt: skip
        name = customer.display_name if customer is not None else user.display_name
        _send_after_commit(user, base_url=base_url, store=customer.store if customer else None, name=name)
    return REQUEST_SENT


def password_reset_user(uidb64: str, token: str) -> User | None:
    """The user a reset link is for, while its token is good (unused, unexpired); else ``None``."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 1 <= pk < 2**63:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not may_sign_in(user) or not reset_tokens.check_token(user, token):
        return None
    return user


def link_refused() -> DomainError:
    return DomainError(CustomerError.RESET_LINK_INVALID, "This password reset link has already been used or has "
                       "expired. Ask for a new one below.", status=400)  # fmt: skip


def password_reset_complete(ctx: ActingContext, *, uidb64: str, token: str, password: str, confirm: str) -> User:
    """Set the new password a reset link's page was given twice (Django's password validators).
    The link then stops working, and every other session and API token of the person ends."""
    user = password_reset_user(uidb64, token)
    if user is None:
        raise link_refused()
    errors: dict[str, list[str]] = {}
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        errors["new_password1"] = list(exc.messages)
    if not errors and password != confirm:
        errors["new_password2"] = ["The two passwords do not match."]
    if errors:
        raise DomainError(CustomerError.INVALID, "Please choose another password.", status=422, fields=errors)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not reset_tokens.check_token(locked, token):  # a second use, racing the first
            raise link_refused()
        locked.set_password(password)
        locked.save(update_fields=["password"])
        acting = ActingContext(user=locked, client_ip=ctx.client_ip, request_id=ctx.request_id)
        record(acting, action=IdentityAction.PASSWORD_CHANGED, subject_kind="user", subject_id=locked.pk,
               data={"by": "password reset link"})  # fmt: skip
        user_sign_out_everywhere(acting)
    return locked
