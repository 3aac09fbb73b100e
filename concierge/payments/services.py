"""Payment sources and money-moving calls. Every gateway call carries an idempotency key: the same
key with the same request answers the first result (one gateway call); with another request, 422;
while the first is still in flight, 409 (RELIABILITY bar 18)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.views.decorators.debug import sensitive_variables

from concierge.audit.services import record
from concierge.catalog.pricing import currencies_offered
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.core.forms import text_problem
from concierge.core.money import Money
from concierge.customers.policies import AssociateAct, check_associate_may
from concierge.identity.roles import Priv
from concierge.payments.actions import PaymentAction
from concierge.payments.errors import PaymentError
from concierge.payments.gateway import GatewayResult, TestGateway, luhn_valid
from concierge.payments.models import GiftCertificate, PaymentSource, PaymentTransaction

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer
    from concierge.orders.models import Order
    from concierge.stores.models import Store

gateway = TestGateway
logger = logging.getLogger("concierge.payments")
# An authorization that no order has claimed by then is reversed (checkout takes seconds).
ORPHAN_AFTER = dt.timedelta(minutes=10)
HOLDER_NAME_LIMIT = 120  # PaymentSource.holder_name


def _card_error(field: str, message: str) -> DomainError:
    return DomainError(PaymentError.CARD_INVALID, message, status=422, fields={field: [message]})


@sensitive_variables("number", "digits", "cvc", "token")
def payment_source_add_card(
    ctx: ActingContext,
    *,
    customer: Customer,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str,
    holder_name: str,
    make_default: bool = False,
    default_if_first: bool = True,
) -> PaymentSource:
    """Put a card on file. The number is exchanged for a gateway token here and then forgotten;
    the CVV is checked for form and never kept (RELIABILITY bar 27). An associate of the account in
    use needs a role that may change its payment methods."""
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    digits = re.sub(r"[\s-]", "", number or "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise _card_error("number", "Enter a valid card number.")
    today = clock.now().date()
    if not 1 <= exp_month <= 12:
        raise _card_error("exp_month", "Enter the expiry month (1-12).")
    if exp_year < 100:
        exp_year += 2000
    if exp_year > today.year + 20:
        raise _card_error("exp_year", "Enter a valid expiry year.")
    if (exp_year, exp_month) < (today.year, today.month):
        raise _card_error("exp_year", "This card has expired.")
    if not re.fullmatch(r"\d{3,4}", cvc or ""):
        raise _card_error("cvc", "Enter the 3 or 4 digit security code.")
    holder_name = (holder_name or "").strip()
    if problem := text_problem(holder_name, limit=HOLDER_NAME_LIMIT, required="Enter the name on the card."):
        raise _card_error("holder_name", problem)
    token = gateway.tokenize(digits)
    same = customer.payment_sources.filter(
        kind=PaymentSource.Kind.CARD, is_active=True, brand=token.brand, last4=token.last4,
        exp_month=exp_month, exp_year=exp_year,
    ).first()  # fmt: skip
    if same is not None and not make_default:
        return same  # the card is on file already: one entry per card
    with transaction.atomic():
        if make_default:
            PaymentSource.objects.filter(customer=customer, is_default=True).update(is_default=False)
        source = PaymentSource.objects.create(
            customer=customer,
            kind=PaymentSource.Kind.CARD,
            brand=token.brand,
            last4=token.last4,
            exp_month=exp_month,
            exp_year=exp_year,
            holder_name=holder_name,
            gateway_token=token.token,
            is_default=make_default
            or (default_if_first and not customer.payment_sources.filter(is_active=True).exists()),
        )
        record(ctx, action=PaymentAction.SOURCE_ADDED, subject_kind="customer", subject_id=customer.pk,
               data={"source": source.pk, "label": source.label})  # fmt: skip
    return source


def _gift_digest(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).upper().encode()).hexdigest()


def gift_certificate_issue(ctx: ActingContext, *, store: Store, amount: Money) -> tuple[GiftCertificate, str]:
    """Issue a gift certificate; returns it and its code, which is shown only now."""
    if amount.currency != store.currency or amount.amount <= 0:
        raise DomainError(PaymentError.GIFT_CERTIFICATE_INVALID, f"Enter a positive amount in {store.currency}.",
                          status=422, fields={"amount": ["Enter a positive amount."]})  # fmt: skip
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    with transaction.atomic():
        certificate = GiftCertificate.objects.create(
            store=store, code_digest=_gift_digest(code), last4=code[-4:], currency=amount.currency,
            initial_amount=amount.rounded().amount, balance=amount.rounded().amount,
        )  # fmt: skip
        record(ctx, action=PaymentAction.GIFT_CERTIFICATE_ISSUED, subject_kind="gift_certificate",
               subject_id=certificate.pk,
               data={"amount": str(certificate.initial_amount), "currency": certificate.currency})  # fmt: skip
    return certificate, code


@sensitive_variables("code")
def payment_source_add_gift_certificate(ctx: ActingContext, *, customer: Customer, code: str) -> PaymentSource:
    """Put a gift certificate of the customer's store on file by its code."""
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    certificate = GiftCertificate.objects.filter(code_digest=_gift_digest(code or ""), is_active=True).first()
    if certificate is None or certificate.store_id != customer.store_id or certificate.balance <= 0:
        message = "This gift certificate code is not valid here, or has no balance left."
        raise DomainError(PaymentError.GIFT_CERTIFICATE_INVALID, message, status=422, fields={"code": [message]})
    existing = customer.payment_sources.filter(gift_certificate=certificate, is_active=True).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        source = PaymentSource.objects.create(
            customer=customer, kind=PaymentSource.Kind.GIFT_CERTIFICATE, last4=certificate.last4,
            gateway_token=f"gc_{certificate.pk}", gift_certificate=certificate,
            is_default=not customer.payment_sources.filter(is_active=True).exists(),
        )  # fmt: skip
        record(ctx, action=PaymentAction.SOURCE_ADDED, subject_kind="customer", subject_id=customer.pk,
               data={"source": source.pk, "label": source.label})  # fmt: skip
    return source


def _gift_hold(certificate_id: int, amount: Decimal) -> GatewayResult:
    """Authorize on a gift certificate: hold the amount from its balance, all or nothing."""
    held = GiftCertificate.objects.filter(pk=certificate_id, is_active=True, balance__gte=amount).update(
        balance=F("balance") - amount
    )
    if not held:
        return GatewayResult(False, "", "The gift certificate balance is not enough for this order.")
    return GatewayResult(True, f"gc_hold_{secrets.token_hex(6)}")


def _gift_release(certificate_id: int, amount: Decimal) -> GatewayResult:
    GiftCertificate.objects.filter(pk=certificate_id).update(balance=F("balance") + amount)
    return GatewayResult(True, f"gc_release_{secrets.token_hex(6)}")


def payment_source_open_account(ctx: ActingContext, *, customer: Customer, credit_limit: Money) -> PaymentSource:
    """Give a B2B organization an on-account payment source with a credit limit (administrators)."""
    if ctx.user is not None and not ctx.has_perm(Priv.ADMINISTER):
        raise DomainError(CommonError.PERMISSION_DENIED, "Only administrators open accounts.", status=403)
    if customer.kind != customer.Kind.ACCOUNT or credit_limit.amount <= 0:
        message = "On account is for organizations, with a positive credit limit."
        raise DomainError(CommonError.REQUEST_INVALID, message, status=422, fields={"credit_limit": [message]})
    if credit_limit.currency not in (offered := currencies_offered(customer.store)):
        message = f"The credit limit is in a currency {customer.store.name} sells in: {', '.join(offered)}."
        raise DomainError(CommonError.REQUEST_INVALID, message, status=422, fields={"credit_limit": [message]})
    with transaction.atomic():
        source = PaymentSource.objects.create(
            customer=customer, kind=PaymentSource.Kind.ON_ACCOUNT, gateway_token=f"acct_{customer.pk}",
            credit_limit=credit_limit.rounded().amount, currency=credit_limit.currency, is_default=True,
        )  # fmt: skip
        record(ctx, action=PaymentAction.SOURCE_ADDED, subject_kind="customer", subject_id=customer.pk,
               data={"source": source.pk, "label": "On account", "credit_limit": str(source.credit_limit),
                     "currency": source.currency})  # fmt: skip
    return source


def _credit_hold(source_id: int, amount: Decimal) -> GatewayResult:
    """Authorize on account: hold credit, all or nothing, within the limit."""
    held = PaymentSource.objects.filter(pk=source_id, credit_used__lte=F("credit_limit") - amount).update(
        credit_used=F("credit_used") + amount
    )
    if not held:
        return GatewayResult(False, "", "This order is over the organization's available credit.")
    return GatewayResult(True, f"acct_hold_{secrets.token_hex(6)}")


def _credit_release(source_id: int, amount: Decimal) -> GatewayResult:
    PaymentSource.objects.filter(pk=source_id, credit_used__gte=amount).update(credit_used=F("credit_used") - amount)
    return GatewayResult(True, f"acct_release_{secrets.token_hex(6)}")


def payment_source_remove(ctx: ActingContext, *, customer: Customer, source_id: int) -> None:
    check_associate_may(ctx, AssociateAct.ACCOUNT_DETAILS)
    with transaction.atomic():
        source = (
            PaymentSource.objects.select_for_update().filter(pk=source_id, customer=customer, is_active=True).first()
        )
        if source is None:
            raise DomainError(PaymentError.SOURCE_NOT_FOUND, "No such payment method.", status=404)
        source.is_active = False
        source.is_default = False
        source.save(update_fields=["is_active", "is_default"])
        record(ctx, action=PaymentAction.SOURCE_REMOVED, subject_kind="customer", subject_id=customer.pk,
               data={"source": source.pk, "label": source.label})  # fmt: skip


def _digest(**request: object) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


# What each settled call records, by kind then by status: no action is built from a string.
_A, _K, _S = PaymentAction, PaymentTransaction.Kind, PaymentTransaction.Status
_SETTLED = (_S.SUCCEEDED, _S.DECLINED, _S.FAILED)
_OUTCOME_ACTIONS: dict[str, dict[str, PaymentAction]] = {
    _K.AUTHORIZE: dict(
        zip(_SETTLED, (_A.AUTHORIZE_SUCCEEDED, _A.AUTHORIZE_DECLINED, _A.AUTHORIZE_FAILED), strict=True)
    ),
    _K.CAPTURE: dict(zip(_SETTLED, (_A.CAPTURE_SUCCEEDED, _A.CAPTURE_DECLINED, _A.CAPTURE_FAILED), strict=True)),
    _K.REVERSE: dict(zip(_SETTLED, (_A.REVERSE_SUCCEEDED, _A.REVERSE_DECLINED, _A.REVERSE_FAILED), strict=True)),
    _K.REFUND: dict(zip(_SETTLED, (_A.REFUND_SUCCEEDED, _A.REFUND_DECLINED, _A.REFUND_FAILED), strict=True)),
}


def _replay(existing: PaymentTransaction, digest: str) -> PaymentTransaction:
    """The first result of an idempotency key, if the request is the same and it has settled."""
    if existing.request_digest != digest:
        raise DomainError(
            PaymentError.IDEMPOTENCY_MISMATCH,
            "This idempotency key was already used for a different request.",
            status=422,
        )
    if existing.status == PaymentTransaction.Status.PENDING:
        raise DomainError(PaymentError.IN_FLIGHT, "This payment request is still being processed.", status=409)
    return existing


def _open_pending(
    *,
    key: str,
    digest: str,
    kind: str,
    amount: Money,
    order: Order | None,
    source: PaymentSource | None,
    parent: PaymentTransaction | None,
) -> PaymentTransaction:
    """Record the call before it is made; committed before the gateway is called."""
    with transaction.atomic():
        pending = PaymentTransaction.objects.create(
            order=order, source=source, parent=parent, kind=kind, amount=amount.amount, currency=amount.currency,
            source_label=source.label if source else "", idempotency_key=key, request_digest=digest,
        )  # fmt: skip
        if kind == PaymentTransaction.Kind.AUTHORIZE and order is None:
            # Committed with the row: if no order ever claims this authorization, it is reversed.
            from concierge.payments.tasks import reverse_if_orphaned  # the one allowed cycle, services <-> tasks

            reverse_if_orphaned.using(run_after=clock.now() + ORPHAN_AFTER).enqueue(pending.pk)
    return pending


def _settle(pending: PaymentTransaction, *, status: str, reference: str = "", message: str) -> PaymentTransaction:
    """Move a pending transaction to its one settled status (the table on the model refuses any other)."""
    row = PaymentTransaction.objects.select_for_update().get(pk=pending.pk)
    row.transition_to(status)
    row.gateway_reference, row.message, row.settled_at = reference, message[:200], clock.now()
    row.save(update_fields=["status", "gateway_reference", "message", "settled_at"])
    return row


def _record_outcome(
    ctx: ActingContext, row: PaymentTransaction, *, order: Order | None, data: dict[str, object]
) -> None:
    record(ctx, action=_OUTCOME_ACTIONS[row.kind][row.status], subject_kind="order" if order else "payment",
           subject_id=order.pk if order else row.pk, data={"transaction": row.pk, **data})  # fmt: skip


def _idempotent(
    ctx: ActingContext,
    *,
    key: str,
    kind: str,
    amount: Money,
    order: Order | None,
    source: PaymentSource | None,
    parent: PaymentTransaction | None,
    call: Callable[[], GatewayResult],
) -> PaymentTransaction:
    """Make ``call`` once per idempotency ``key``: record it pending, call, settle and audit."""
    digest = _digest(kind=kind, amount=amount.amount, currency=amount.currency, source=getattr(source, "pk", None),
                     parent=getattr(parent, "pk", None))  # fmt: skip
    if (existing := PaymentTransaction.objects.filter(idempotency_key=key).first()) is not None:
        return _replay(existing, digest)
    try:
        pending = _open_pending(key=key, digest=digest, kind=kind, amount=amount, order=order, source=source,
                                parent=parent)  # fmt: skip
    except IntegrityError:
        return _replay(PaymentTransaction.objects.get(idempotency_key=key), digest)
    try:
        result = call()
    except Exception as exc:
        logger.exception("Gateway call %s %s failed", kind, pending.pk)
        with transaction.atomic():
            failed = _settle(pending, status=PaymentTransaction.Status.FAILED,
                             message="The payment service did not answer.")  # fmt: skip
            _record_outcome(ctx, failed, order=order, data={})
        raise DomainError(
            PaymentError.GATEWAY_UNAVAILABLE, "The payment service is not answering. Please try again.", status=503
        ) from exc
    status = PaymentTransaction.Status.SUCCEEDED if result.approved else PaymentTransaction.Status.DECLINED
    with transaction.atomic():
        settled = _settle(pending, status=status, reference=result.reference, message=result.message)
        _record_outcome(ctx, settled, order=order, data={"amount": str(amount.amount), "currency": amount.currency,
                                                         "source": settled.source_label})  # fmt: skip
    return settled


def check_source_currency(source: PaymentSource, currency: str) -> None:
    """A payment in ``currency`` from ``source``: an account's credit and a gift certificate pay only
    in their own currency (never mixed, never converted); a card pays in any."""
    if source.kind == PaymentSource.Kind.ON_ACCOUNT and source.currency and source.currency != currency:
        message = (f"The organization's account is in {source.currency} and this order is in {currency}: "
                   f"pay another way, or ask for an account in {currency}.")  # fmt: skip
        raise DomainError(PaymentError.CURRENCY_MISMATCH, message, status=422, fields={"payment": [message]})
    if (certificate := source.gift_certificate) is not None and certificate.currency != currency:
        message = (
            f"This gift certificate is in {certificate.currency} and this order is in {currency}: pay another way."
        )
        raise DomainError(PaymentError.GIFT_CERTIFICATE_INVALID, message, status=422, fields={"payment": [message]})


def payment_authorize(
    ctx: ActingContext, *, source: PaymentSource, amount: Money, idempotency_key: str, order: Order | None = None
) -> PaymentTransaction:
    """Authorize ``amount`` on ``source``; a decline is a settled DECLINED transaction, not an error."""
    if not source.is_active:
        raise DomainError(PaymentError.SOURCE_NOT_FOUND, "This payment method is no longer on file.", status=404)
    check_source_currency(source, amount.currency)
    if source.kind == PaymentSource.Kind.ON_ACCOUNT:

        def call() -> GatewayResult:
            return _credit_hold(source.pk, amount.amount)
    elif (certificate := source.gift_certificate) is not None:
        certificate_id = certificate.pk

        def call() -> GatewayResult:
            return _gift_hold(certificate_id, amount.amount)
    else:

        def call() -> GatewayResult:
            return gateway.authorize(source.gateway_token, amount.amount)

    return _idempotent(ctx, key=idempotency_key, kind=PaymentTransaction.Kind.AUTHORIZE, amount=amount, order=order,
                       source=source, parent=None, call=call)  # fmt: skip


def payment_capture(
    ctx: ActingContext, *, authorization: PaymentTransaction, amount: Money, idempotency_key: str
) -> PaymentTransaction:
    if (
        authorization.kind != PaymentTransaction.Kind.AUTHORIZE
        or authorization.status != PaymentTransaction.Status.SUCCEEDED
    ):
        raise DomainError(PaymentError.NOT_CAPTURABLE, "Only a successful authorization can be captured.", status=409)
    if authorization_reversed(authorization):
        raise DomainError(PaymentError.NOT_CAPTURABLE, "This authorization was reversed.", status=409)
    if authorization.source is not None and (
        authorization.source.gift_certificate_id is not None
        or authorization.source.kind == PaymentSource.Kind.ON_ACCOUNT
    ):

        def call() -> GatewayResult:  # held at authorization: kept now (an invoice follows on account)
            return GatewayResult(True, f"gc_capture_{secrets.token_hex(6)}")
    else:

        def call() -> GatewayResult:
            return gateway.capture(authorization.gateway_reference, amount.amount)

    return _idempotent(ctx, key=idempotency_key, kind=PaymentTransaction.Kind.CAPTURE, amount=amount,
                       order=authorization.order, source=authorization.source, parent=authorization,
                       call=call)  # fmt: skip


def payment_reverse(
    ctx: ActingContext, *, authorization: PaymentTransaction, idempotency_key: str
) -> PaymentTransaction:
    amount = Money(authorization.amount, authorization.currency)
    captures = authorization.children.filter(
        kind=PaymentTransaction.Kind.CAPTURE, status=PaymentTransaction.Status.SUCCEEDED
    )
    captured = sum(captures.values_list("amount", flat=True), Decimal(0))
    captured += authorization_released(authorization)  # parts already released are not held any more
    source = authorization.source
    if source is not None and source.kind == PaymentSource.Kind.ON_ACCOUNT:

        def call() -> GatewayResult:  # credit held and not captured is available again
            return _credit_release(source.pk, amount.amount - captured)
    elif source is not None and (certificate_id := source.gift_certificate_id) is not None:

        def call() -> GatewayResult:  # what was held and not captured goes back to the balance
            return _gift_release(certificate_id, amount.amount - captured)
    else:

        def call() -> GatewayResult:
            return gateway.reverse(authorization.gateway_reference, amount.amount)

    return _idempotent(ctx, key=idempotency_key, kind=PaymentTransaction.Kind.REVERSE, amount=amount,
                       order=authorization.order, source=source, parent=authorization, call=call)  # fmt: skip


def authorization_reversed(authorization: PaymentTransaction) -> bool:
    """Whether the whole authorization was reversed (a release of part of it leaves the rest in force)."""
    return authorization.children.filter(
        kind=PaymentTransaction.Kind.REVERSE, status=PaymentTransaction.Status.SUCCEEDED, amount=authorization.amount
    ).exists()


def authorization_released(authorization: PaymentTransaction) -> Decimal:
    """How much of an authorization in force was released (an order made cheaper before it shipped)."""
    released = authorization.children.filter(
        kind=PaymentTransaction.Kind.REVERSE, status=PaymentTransaction.Status.SUCCEEDED
    ).exclude(amount=authorization.amount)
    return sum(released.values_list("amount", flat=True), Decimal(0))


def payment_release(
    ctx: ActingContext, *, authorization: PaymentTransaction, amount: Money, idempotency_key: str
) -> PaymentTransaction:
    """Release ``amount`` of an authorization not captured (a partial reversal); the rest stays
    authorized and capturable. Used when an order becomes cheaper before it ships."""
    if authorization.kind != PaymentTransaction.Kind.AUTHORIZE or not Decimal(0) < amount.amount < authorization.amount:
        raise DomainError(PaymentError.NOT_CAPTURABLE, "Only part of an authorization can be released.", status=409)
    source = authorization.source
    if source is not None and source.kind == PaymentSource.Kind.ON_ACCOUNT:

        def call() -> GatewayResult:
            return _credit_release(source.pk, amount.amount)
    elif source is not None and (certificate_id := source.gift_certificate_id) is not None:

        def call() -> GatewayResult:
            return _gift_release(certificate_id, amount.amount)
    else:

        def call() -> GatewayResult:
            return gateway.reverse(authorization.gateway_reference, amount.amount)

    return _idempotent(ctx, key=idempotency_key, kind=PaymentTransaction.Kind.REVERSE, amount=amount,
                       order=authorization.order, source=source, parent=authorization, call=call)  # fmt: skip


def card_expired(source: PaymentSource, *, today: dt.date | None = None) -> bool:
    today = today or clock.now().date()
    return bool(
        source.exp_year and source.exp_month and (source.exp_year, source.exp_month) < (today.year, today.month)
    )
