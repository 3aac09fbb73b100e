"""Per-session customer verification: where a store requires it, an assisted session starts only
once the customer has confirmed it with a one-time code.

Starting a session (Access customer's account, a deep link, Create New Order, continuing an
order's work, the API) first makes a pending :class:`SessionVerification` — who asks, for whom, why
(the reason and case the start was given) and what the start is for — and sends the customer a
six-digit code: by email, and to their own signed-in pages (the live topic of their user, which
no page of staff ever listens on). The customer reads it out; the agent types it on the Verify
customer step. The session is created only with the right code, within ``CODE_MINUTES``, and
within ``MAX_TRIES`` wrong tries — after those the code is spent and a new one must be sent. The
code is never kept: the row holds its keyed hash (HMAC with the site's secret and a salt of its
own), and neither the audit log nor any page the agent sees carries it. Every send, failure,
expiry and success is audited; the session records when it was confirmed and where the code went.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from concierge.assist.actions import AssistAction
from concierge.assist.errors import AssistError
from concierge.assist.models import AssistedSession, CartTakeover, SessionVerification
from concierge.assist.policies import check_can_assist
from concierge.assist.services import session_reason_checked, session_start, verification_needed
from concierge.audit.services import record
from concierge.core import clock, live
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.core.mail import send_templated
from concierge.customers.models import Customer
from concierge.identity.roles import Priv

CODE_DIGITS = 6
CODE_MINUTES = 10
MAX_TRIES = 5
MAX_SENDS = 5
_HASH_SALT = "concierge.assist.verification.code"
_CODE = re.compile(rf"\d{{{CODE_DIGITS}}}")

V = SessionVerification
_CHANNEL = {
    V.Purpose.ACCESS: AssistedSession.Channel.STOREFRONT,
    V.Purpose.API: AssistedSession.Channel.API,
    V.Purpose.TAKEOVER: AssistedSession.Channel.CONSOLE,
    V.Purpose.RESUME: AssistedSession.Channel.CONSOLE,
}


def shopper_topic(user_id: int) -> str:
    """The live topic of a customer's own signed-in pages: only pages rendered for that user, not
    on behalf of them, carry a stream token for it."""
    return f"shopper:{user_id}"


def code_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=CODE_MINUTES)


def _hash(code: str, nonce: str) -> str:
    return f"{nonce}${salted_hmac(_HASH_SALT, f'{nonce}:{code}', algorithm='sha256').hexdigest()}"


def _matches(stored: str, code: str) -> bool:
    nonce, _, _ = stored.partition("$")
    return constant_time_compare(stored, _hash(code, nonce))


def _new_code() -> tuple[str, str]:
    """A fresh code and its hash."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    return code, _hash(code, secrets.token_hex(8))


def spaced(code: str) -> str:
    """ "482913" as it is read out: "482 913"."""
    return f"{code[:3]} {code[3:]}"


def _customer(customer_id: object) -> Customer | None:
    try:
        pk = int(str(customer_id))
    except ValueError:
        return None
    if not 1 <= pk < 2**63:
        return None
    return Customer.objects.select_related("user", "store").filter(pk=pk).first()


def verification_needed_for(customer_id: object) -> bool:
    """Whether starting a session for the customer ``customer_id`` goes through a code. An unknown
    customer is ``False``: the start itself then says it is not found, as it always has."""
    customer = _customer(customer_id)
    return customer is not None and verification_needed(customer)


def _sent_with(customer: Customer) -> str:
    email, device = bool(customer.email), customer.user_id is not None
    if email and device:
        return V.SentWith.EMAIL_AND_DEVICE
    if email:
        return V.SentWith.EMAIL
    if device:
        return V.SentWith.DEVICE
    raise DomainError(
        AssistError.VERIFICATION_UNDELIVERABLE,
        f"{customer.display_name} has no email address or sign-in of their own to send a code to, and "
        f"{customer.store.name} requires one for every session.",
        status=409,
    )


def _about(ctx: ActingContext, verification: SessionVerification) -> ActingContext:
    """The agent, naming the customer the verification is for (no session yet)."""
    return ctx.evolve(customer=verification.customer, store=verification.customer.store)


def _deliver(ctx: ActingContext, verification: SessionVerification, code: str) -> None:
    """Send ``code`` by email and to the customer's signed-in pages once the change commits, and
    audit the send (never the code)."""
    from concierge.assist.ledger import helper_name

    customer, store = verification.customer, verification.customer.store
    helper = helper_name(verification, full_names=store.assist_ledger_full_names)
    if verification.sent_with in (V.SentWith.EMAIL, V.SentWith.EMAIL_AND_DEVICE):
        from django.urls import reverse

        context = {
            "customer": customer, "store": store, "helper": helper, "code": spaced(code), "minutes": CODE_MINUTES,
            "url": settings.CONCIERGE_SITE_URL.rstrip("/") + reverse("storefront:customer_service_sessions"),
        }  # fmt: skip
        email = customer.email
        transaction.on_commit(lambda: send_templated(email, "assist/email/verification_code", context))
    if customer.user_id is not None:
        live.publish(shopper_topic(customer.user_id), "verification",
                     {"state": "sent", "code": spaced(code), "helper": helper, "minutes": CODE_MINUTES})  # fmt: skip
    record(_about(ctx, verification), action=AssistAction.VERIFICATION_SENT, subject_kind="customer",
           subject_id=customer.pk, data={"verification": verification.pk, "purpose": verification.purpose,
                                         "sent_with": verification.sent_with, "send": verification.sends})  # fmt: skip


def _tell_device(verification: SessionVerification, state: str) -> None:
    if verification.customer.user_id is not None:
        live.publish(shopper_topic(verification.customer.user_id), "verification", {"state": state})


def verification_begin(
    ctx: ActingContext,
    *,
    customer_id: object,
    purpose: str,
    reason: str = "",
    ticket: str = "",
    then: str = "",
    takeover: CartTakeover | None = None,
) -> SessionVerification:
    """Ask the customer to confirm a session: check everything the start would (may the agent
    assist them, the reason and case the store asks for), then send a code. Any other pending
    verification of the agent is cancelled (one start at a time)."""
    customer = check_can_assist(ctx, _customer(customer_id))
    if purpose in (V.Purpose.TAKEOVER, V.Purpose.RESUME) and not ctx.has_perm(Priv.UPDATE_CUSTOMER):
        raise DomainError(CommonError.PERMISSION_DENIED, "Cart takeover needs the customer update privilege.",
                          status=403)  # fmt: skip
    reason, ticket = session_reason_checked(customer.store, reason=reason, ticket=ticket)
    sent_with = _sent_with(customer)
    agent = ctx.signed_in_user
    code, code_hash = _new_code()
    now = clock.now()
    with transaction.atomic():
        for other in (
            SessionVerification.objects.select_for_update()
            .select_related("customer__store")
            .filter(agent=agent, status=V.Status.PENDING)
        ):
            _cancel(ctx, other)
        try:
            with transaction.atomic():
                verification = SessionVerification.objects.create(
                    store=customer.store, agent=agent, customer=customer, purpose=purpose, then=then[:200],
                    takeover=takeover, reason=reason, ticket=ticket, code_hash=code_hash, sent_with=sent_with,
                    created_at=now, sent_at=now, expires_at=now + code_lifetime(),
                )  # fmt: skip
        except IntegrityError:
            raise DomainError(AssistError.ALREADY_ASSISTING, "Another start of yours has just sent a code; try "
                              "again.", status=409) from None  # fmt: skip
        _deliver(ctx, verification, code)
    return verification


def verification_of(ctx: ActingContext, verification_id: object, *, lock: bool = False) -> SessionVerification:
    """The agent's own verification ``verification_id`` (anyone else's is not found)."""
    try:
        pk = int(str(verification_id))
    except ValueError:
        pk = 0
    rows = SessionVerification.objects.select_related("customer__store", "customer__user", "agent", "takeover")
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=pk, agent_id=ctx.user.pk if ctx.user else None).first() if 0 < pk < 2**63 else None
    if found is None:
        raise DomainError(AssistError.VERIFICATION_CLOSED, "No such verification of yours.", status=404)
    return found


def is_expired(verification: SessionVerification) -> bool:
    return verification.status == V.Status.PENDING and clock.now() >= verification.expires_at


def tries_left(verification: SessionVerification) -> int:
    return max(0, MAX_TRIES - verification.tries)


def _refuse_closed(verification: SessionVerification) -> None:
    if verification.status == V.Status.VERIFIED:
        raise DomainError(AssistError.VERIFICATION_CLOSED, "This code was already used: the session has started.",
                          status=409)  # fmt: skip
    if verification.status == V.Status.CANCELLED:
        raise DomainError(AssistError.VERIFICATION_CLOSED, "This verification was cancelled.", status=409)


def verification_confirm(ctx: ActingContext, *, verification_id: object, code: str) -> AssistedSession:
    """The agent enters the code the customer read out: with the right one, in time, the session
    starts — as the start asked (account access, a new order, an order continued, the API)."""
    typed = re.sub(r"[\s-]", "", code or "")
    failure: DomainError | None = None
    session: AssistedSession | None = None
    with transaction.atomic():
        verification = verification_of(ctx, verification_id, lock=True)
        _refuse_closed(verification)
        if not _CODE.fullmatch(typed):
            message = f"Enter the {CODE_DIGITS}-digit code the customer reads out to you."
            raise DomainError(AssistError.VERIFICATION_WRONG, message, status=400, fields={"code": [message]})
        if verification.status == V.Status.SPENT:
            raise DomainError(AssistError.VERIFICATION_SPENT, "Too many wrong codes: this code no longer works. "
                              "Send a new code.", status=409)  # fmt: skip
        if verification.status == V.Status.EXPIRED or is_expired(verification):
            if verification.status == V.Status.PENDING:
                verification.status = V.Status.EXPIRED
                verification.save(update_fields=["status"])
                record(_about(ctx, verification), action=AssistAction.VERIFICATION_EXPIRED, subject_kind="customer",
                       subject_id=verification.customer_id, data={"verification": verification.pk})  # fmt: skip
                _tell_device(verification, "closed")
            failure = DomainError(AssistError.VERIFICATION_EXPIRED, f"The code has expired (it works for "
                                  f"{CODE_MINUTES} minutes). Send a new code.", status=409)  # fmt: skip
        elif not _matches(verification.code_hash, typed):
            verification.tries += 1
            left = tries_left(verification)
            if left == 0:
                verification.status = V.Status.SPENT
                _tell_device(verification, "closed")
            verification.save(update_fields=["tries", "status"])
            record(_about(ctx, verification), action=AssistAction.VERIFICATION_FAILED, subject_kind="customer",
                   subject_id=verification.customer_id,
                   data={"verification": verification.pk, "tries": verification.tries, "spent": left == 0})  # fmt: skip
            message = (
                f"That is not the code we sent. {left} tr{'y' if left == 1 else 'ies'} left."
                if left
                else "That is not the code we sent, and it was the last try: this code no longer works. "
                "Send a new code."
            )
            failure = DomainError(AssistError.VERIFICATION_WRONG, message, status=400, fields={"code": [message]})
        else:
            session = _start(ctx, verification)
            verification.status = V.Status.VERIFIED
            verification.verified_at = session.verified_at
            verification.session = session
            verification.save(update_fields=["status", "verified_at", "session", "takeover"])
            # Before the session, not in it: how it started, not a change made in it (its changeset).
            record(_about(ctx, verification), action=AssistAction.VERIFICATION_CONFIRMED, subject_kind="customer",
                   subject_id=verification.customer_id, data={"verification": verification.pk, "session": session.pk,
                                                              "sent_with": verification.sent_with})  # fmt: skip
            _tell_device(verification, "confirmed")
    if failure is not None:
        raise failure
    assert session is not None  # noqa: S101 - set on the one branch that does not fail
    return session


def _start(ctx: ActingContext, verification: SessionVerification) -> AssistedSession:
    customer_id, reason, ticket = verification.customer_id, verification.reason, verification.ticket
    if verification.purpose == V.Purpose.TAKEOVER:
        from concierge.assist.takeover import takeover_create

        takeover = takeover_create(
            ctx, customer_id=customer_id, reason=reason, ticket=ticket, verification=verification
        )
        verification.takeover = takeover
        assert takeover.session is not None  # noqa: S101 - takeover_create starts its session
        return takeover.session
    session = session_start(ctx, customer_id=customer_id, reason=reason, ticket=ticket,
                            channel=_CHANNEL[V.Purpose(verification.purpose)], verification=verification)  # fmt: skip
    if verification.purpose == V.Purpose.RESUME and verification.takeover_id is not None:
        CartTakeover.objects.filter(pk=verification.takeover_id).update(session=session)
    return session


def verification_resend(ctx: ActingContext, *, verification_id: object) -> SessionVerification:
    """Send a new code: the old one stops working, the tries and the minutes start again. At most
    ``MAX_SENDS`` codes for one start."""
    code, code_hash = _new_code()
    with transaction.atomic():
        verification = verification_of(ctx, verification_id, lock=True)
        _refuse_closed(verification)
        if verification.sends >= MAX_SENDS:
            raise DomainError(AssistError.VERIFICATION_SENDS, f"{MAX_SENDS} codes were sent for this session "
                              "already: start again later.", status=429)  # fmt: skip
        check_can_assist(ctx, verification.customer)
        for other in (
            SessionVerification.objects.select_for_update()
            .select_related("customer__store")
            .filter(agent=verification.agent, status=V.Status.PENDING)
            .exclude(pk=verification.pk)
        ):
            _cancel(ctx, other)
        now = clock.now()
        verification.code_hash, verification.tries, verification.status = code_hash, 0, V.Status.PENDING
        verification.sends += 1
        verification.sent_at, verification.expires_at = now, now + code_lifetime()
        verification.save(update_fields=["code_hash", "tries", "status", "sends", "sent_at", "expires_at"])
        _deliver(ctx, verification, code)
    return verification


def verification_cancel(ctx: ActingContext, *, verification_id: object) -> SessionVerification:
    """The agent gives up on the start (Cancel): the code stops working."""
    with transaction.atomic():
        verification = verification_of(ctx, verification_id, lock=True)
        _refuse_closed(verification)
        _cancel(ctx, verification)
    return verification


def _cancel(ctx: ActingContext, verification: SessionVerification) -> None:
    was = verification.status
    verification.status = V.Status.CANCELLED
    verification.save(update_fields=["status"])
    record(_about(ctx, verification), action=AssistAction.VERIFICATION_CANCELLED, subject_kind="customer",
           subject_id=verification.customer_id, data={"verification": verification.pk, "was": was})  # fmt: skip
    if was == V.Status.PENDING:
        _tell_device(verification, "closed")
