"""Data policies, consent and erasure (seed 004 "Customer Data Policies"; RELIABILITY bar 25).

* :data:`CATALOGUE` — the data points Concierge knows how to read (and erase) for a customer, by
  key (``customer.email``, ``address.street`` …). A ``DataPoint`` row names one of these keys.
* :func:`policies_for` / :func:`data_point_values` — what the Customer Data Policies tab shows:
  the policies that apply to a customer, their consent, and the values collected.
* :func:`consent_set` — the customer gives or withdraws consent (storefront, API), never an agent
  on their behalf.
* :func:`customer_erase` — Remove customer data: every copy of the customer's name, email, phone
  and address goes, wherever Concierge keeps one (the record, the sign-in, addresses, orders'
  copies, shipments' contacts, payment sources, returns, assisted sessions, sent mail, sessions,
  API tokens, the search index and the audit log, by recorded redaction), while orders, payments
  and refunds keep their totals. The domains above customers (orders, returns, payments, assist)
  erase their own copies through the registry of :mod:`concierge.customers.erasure`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_SESSION_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from concierge.audit.models import Event
from concierge.audit.redaction import redact_mentions
from concierge.audit.services import record
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.models import SentMail
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import Guard, Then, customer_edit
from concierge.customers.erasure import DataHolder, ErasedValues, data_holders, mentions_any
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer, CustomerConsent, DataPolicy
from concierge.customers.search import index_customers
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

REASON_LIMIT = 200
NAMES_CUSTOMER = "The reason must not name the customer or their details."


# --- The catalogue of data points ------------------------------------------------------------


def _customer(attr: str) -> Callable[[Customer], list[str]]:
    return lambda c: [v] if (v := str(getattr(c, attr) or "")) else []


def _addresses(read: Callable[[Any], str]) -> Callable[[Customer], list[str]]:
    def values(c: Customer) -> list[str]:
        found = (read(a).strip() for a in c.addresses.order_by("-is_default_billing", "id"))
        return list(dict.fromkeys(v for v in found if v))

    return values


def _holder_names(c: Customer) -> list[str]:
    names = c.payment_sources.filter(is_active=True).exclude(holder_name="").values_list("holder_name", flat=True)
    return list(dict.fromkeys(names))


def _cards(c: Customer) -> list[str]:
    cards = c.payment_sources.filter(is_active=True, kind="CARD").values_list("brand", "last4")
    return [f"{brand} ending {last4}".strip() for brand, last4 in cards]


def _order_history(c: Customer) -> list[str]:
    count = c.orders.count()
    return [f"{count} order{'s' if count != 1 else ''}"] if count else []


# How retention erases one data point of a customer (``customers/retention.py``): it blanks the
# values where the customer's own rows keep them, inside the caller's transaction with the record
# locked, and answers the text removed (for the audit log's redaction), or None when the data point
# is kept for this customer (and why is in ``KEPT_BECAUSE``).
Erase = Callable[[Customer], list[str] | None]

KEPT_BECAUSE = {
    "customer.email": "The sign-in email address is kept while the customer signs in with it.",
    "order.history": "Orders are kept as records of the sale.",
}


def _erase_customer(attr: str, *, on_user: bool = False) -> Erase:
    def erase(c: Customer) -> list[str] | None:
        if attr == "email" and c.user_id is not None:
            return None  # the sign-in: Remove customer data ends it, retention does not
        removed = _customer(attr)(c)
        if on_user and c.user is not None and (value := getattr(c.user, attr)):
            removed.append(value)
            type(c.user).objects.filter(pk=c.user.pk).update(**{attr: ""})
        Customer.objects.filter(pk=c.pk).update(**{attr: ""})
        setattr(c, attr, "")
        return removed

    return erase


def _reset_locale(c: Customer) -> list[str] | None:
    Customer.objects.filter(pk=c.pk).update(preferred_locale=c.store.locale)
    c.preferred_locale = c.store.locale
    return []  # a locale names nobody: nothing to redact


def _erase_addresses(*attrs: str) -> Erase:
    def erase(c: Customer) -> list[str] | None:
        removed = [str(v) for row in c.addresses.values_list(*attrs) for v in row if v]
        c.addresses.update(**dict.fromkeys(attrs, ""))
        return removed

    return erase


def _erase_holder_names(c: Customer) -> list[str] | None:
    removed = _holder_names(c)
    c.payment_sources.exclude(holder_name="").update(holder_name="")
    return removed


def _erase_cards(c: Customer) -> list[str] | None:
    c.payment_sources.filter(is_active=True, kind="CARD").update(is_active=False, is_default=False)
    return []  # brand and last four digits: no text naming the customer


@dataclass(frozen=True, slots=True)
class DataPointKind:
    """One kind of personal data: its key, its name, how to read a customer's current values, and
    how retention erases them (None: never by retention, ``KEPT_BECAUSE`` says why)."""

    key: str
    name: str
    read: Callable[[Customer], list[str]]
    erase: Erase | None = None


CATALOGUE: dict[str, DataPointKind] = {
    kind.key: kind
    for kind in [
        DataPointKind("customer.first_name", "First name", _customer("first_name"),
                      _erase_customer("first_name", on_user=True)),
        DataPointKind("customer.last_name", "Last name", _customer("last_name"),
                      _erase_customer("last_name", on_user=True)),
        DataPointKind("customer.email", "Email address", _customer("email"), _erase_customer("email")),
        DataPointKind("customer.phone", "Telephone number", _customer("phone"), _erase_customer("phone")),
        DataPointKind("customer.preferred_locale", "Preferred locale", _customer("preferred_locale"), _reset_locale),
        DataPointKind("address.name", "Name on addresses", _addresses(lambda a: f"{a.first_name} {a.last_name}"),
                      _erase_addresses("first_name", "last_name")),
        DataPointKind("address.street", "Street", _addresses(lambda a: f"{a.line1} {a.line2}"),
                      _erase_addresses("line1", "line2")),
        DataPointKind("address.city", "City", _addresses(lambda a: a.city), _erase_addresses("city")),
        DataPointKind("address.region", "State / region", _addresses(lambda a: a.region), _erase_addresses("region")),
        DataPointKind("address.postal_code", "Postal code", _addresses(lambda a: a.postal_code),
                      _erase_addresses("postal_code")),
        DataPointKind("address.country", "Country", _addresses(lambda a: a.country), _erase_addresses("country")),
        DataPointKind("address.phone", "Telephone number on addresses", _addresses(lambda a: a.phone),
                      _erase_addresses("phone")),
        DataPointKind("payment.holder_name", "Card holder name", _holder_names, _erase_holder_names),
        DataPointKind("payment.card", "Cards on file (brand and last 4 digits)", _cards, _erase_cards),
        DataPointKind("order.history", "Order history", _order_history),
    ]
}  # fmt: skip


def validate_data_point_key(key: str) -> None:
    """A ``DataPoint.key`` must name a catalogue entry: Concierge can read and erase only those."""
    if key not in CATALOGUE:
        raise ValidationError(f"Unknown data point {key!r}. Choose one of: {', '.join(sorted(CATALOGUE))}.")


def data_point_choices() -> list[tuple[str, str]]:
    return [(kind.key, f"{kind.name} ({kind.key})") for kind in CATALOGUE.values()]


# --- What applies to a customer -----------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    """One row of the Customer Data Policies tab (and the storefront's Privacy page)."""

    policy: DataPolicy
    consent_given: bool
    consent_updated_at: datetime | None
    # When retention last removed the data this policy covers, after consent ended (the audit's).
    removed_under_retention_at: datetime | None = None

    @property
    def state(self) -> str:
        return self.policy.get_state_display()


def _applies_in_store(store_id: int) -> Q:
    return Q(stores__isnull=True) | Q(stores=store_id)


def policies_for(customer: Customer) -> list[PolicyRow]:
    """The policies that apply to ``customer``: the active ones of their store, and any they have a
    consent row for (whatever its state now), by name."""
    consents = {c.policy_id: c for c in CustomerConsent.objects.filter(customer=customer)}
    active = DataPolicy.objects.filter(_applies_in_store(customer.store_id), state=DataPolicy.State.ACTIVE)
    ids = set(active.values_list("pk", flat=True)) | set(consents)
    removed = retention_removals(customer)
    rows = []
    for policy in DataPolicy.objects.filter(pk__in=ids).prefetch_related("data_points").order_by("name", "pk"):
        consent = consents.get(policy.pk)
        rows.append(PolicyRow(policy, bool(consent and consent.given), consent.updated_at if consent else None,
                              removed.get(policy.reference_key)))  # fmt: skip
    return rows


def retention_removals(customer: Customer) -> dict[str, datetime]:
    """When retention last removed the customer's data under each policy, by reference key (its
    audit events, by the customer's subject index)."""
    from concierge.audit.models import Event

    events = Event.objects.filter(subject_kind="customer", subject_id=str(customer.pk),
                                  action=CustomerAction.RETENTION_ENFORCED).order_by("id")  # fmt: skip
    found: dict[str, datetime] = {}
    for data, at in events.values_list("data", "occurred_at"):
        if isinstance(data, dict) and isinstance(data.get("policy"), str):
            found[data["policy"]] = at
    return found


def active_policies_for(customer: Customer) -> list[PolicyRow]:
    """What the customer may consent to in the storefront: only active policies."""
    return [row for row in policies_for(customer) if row.policy.state == DataPolicy.State.ACTIVE]


@dataclass(frozen=True)
class DataPointValues:
    key: str
    name: str
    description: str
    values: list[str]


def data_point_values(customer: Customer, policy: DataPolicy) -> list[DataPointValues]:
    """Each data point ``policy`` covers, with the values collected for ``customer`` (seed 004
    "Viewing Data Points in a Data Policy")."""
    shown = []
    for point in policy.data_points.order_by("name", "pk"):
        kind = CATALOGUE.get(point.key)
        shown.append(DataPointValues(point.key, point.name, point.description, kind.read(customer) if kind else []))
    return shown


def policy_for(customer: Customer, policy_id: object) -> PolicyRow:
    """One policy that applies to ``customer``, else NotFound."""
    row = next((r for r in policies_for(customer) if str(r.policy.pk) == str(policy_id)), None)
    if row is None:
        raise NotFound("No such data policy applies to this customer.")
    return row


# --- Consent ------------------------------------------------------------------------------------


def consent_set(ctx: ActingContext, *, policy_id: object, given: bool) -> CustomerConsent:
    """The customer gives (``given``) or withdraws consent to an active policy of their store.

    Only the customer, signed in as themself: an agent in an assisted session is refused (bar 6).
    Audited as ``CONSENT_CHANGED``; the record's version moves on, as for any change of it.
    """
    refuse_on_behalf(ctx, OnBehalfDenied.DATA_CONSENT)
    customer = ctx.customer
    if ctx.user is None or customer is None or customer.user_id != ctx.user.pk:
        raise DomainError(CommonError.PERMISSION_DENIED, "Only the customer can change their consent.", status=403)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        policy = DataPolicy.objects.filter(
            _applies_in_store(locked.store_id), pk=_int(policy_id), state=DataPolicy.State.ACTIVE
        ).first()
        if policy is None:
            raise DomainError(CustomerError.POLICY_NOT_FOUND, "No such data policy is in force.", status=404)
        consent, created = CustomerConsent.objects.get_or_create(customer=locked, policy=policy)
        before = None if created else consent.given
        if before != given:
            now = clock.now()
            consent.given = given
            consent.updated_at = now
            consent.save(update_fields=["given", "updated_at"])
            Customer.objects.filter(pk=locked.pk).update(version=F("version") + 1, updated_at=now)
            record(ctx, action=CustomerAction.CONSENT_CHANGED, subject_kind="customer", subject_id=locked.pk,
                   changes={"consent": (before, given)}, data={"policy": policy.reference_key})  # fmt: skip
    return consent


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


# --- Erasure ------------------------------------------------------------------------------------


@dataclass
class Erasure:
    """What Remove customer data removed, by kind (shown to the supervisor and audited)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        if count:
            self.counts[what] = self.counts.get(what, 0) + count


def erased_email(user_id: int) -> str:
    """The sign-in of an erased user: unique, and undeliverable by design (RFC 6761 ``.invalid``)."""
    return f"erased-{user_id}@invalid"


def _confirm(customer: Customer, *, confirmation: str, reason: str) -> str:
    errors: dict[str, list[str]] = {}
    if confirmation.strip() != customer.shared_id:
        errors["confirmation"] = [f"Type the customer's Shared ID ({customer.shared_id}) to confirm."]
    problem = text_problem(reason, limit=REASON_LIMIT, required="Give the reason for removing the data.")
    if problem:
        errors["reason"] = [problem]
    if errors:
        raise DomainError(CustomerError.ERASURE_CONFIRMATION, "Customer data was not removed.", status=400,
                          fields=errors)  # fmt: skip
    return reason.strip()


def _personal_values(customer: Customer, holders: list[DataHolder]) -> list[str]:
    """Every piece of text naming the customer that erasure must leave nowhere: names, emails,
    phones and streets from the record, its sign-in and addresses, and what each data holder keeps
    (orders and their shipments, payment sources, returns …)."""
    values: list[str] = [customer.first_name, customer.last_name, customer.email, customer.phone]
    user = customer.user
    if user is not None:
        values += [user.first_name, user.last_name, user.email]
    for address in customer.addresses.all():
        values += [address.first_name, address.last_name, address.line1, address.line2, address.phone]
    values += _recorded_address_values(customer)
    for holder in holders:
        if holder.values is not None:
            values.extend(str(v) for v in holder.values(customer))
    full = [f"{customer.first_name} {customer.last_name}".strip()]
    if user is not None:
        full.append(f"{user.first_name} {user.last_name}".strip())
    return list(dict.fromkeys(v.strip() for v in values + full if v and v.strip()))


_NAMING_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line2", "phone")


def _recorded_address_values(customer: Customer) -> list[str]:
    """The names, streets and phones of addresses the customer no longer has (changed or removed),
    as their address events recorded them, so that erasure redacts those events too."""
    events = Event.objects.filter(subject_kind="customer", subject_id=str(customer.pk),
                                  action__startswith="address.").values_list("changes", "data")  # fmt: skip
    values: list[str] = []
    for changes, data in events:
        recorded = (data or {}).get("fields") if isinstance(data, dict) else None
        if isinstance(recorded, dict):
            values += [str(recorded.get(f) or "") for f in _NAMING_ADDRESS_FIELDS]
        for name, pair in (changes or {}).items():
            if name in _NAMING_ADDRESS_FIELDS and isinstance(pair, list):
                values += [str(v) for v in pair if v]
    return values


def _phone_digits(values: list[str]) -> list[str]:
    """Phones as the search index keeps them (digits only), so the index is cleared of them too."""
    digits = ("".join(ch for ch in v if ch.isdigit()) for v in values)
    return [d for d in digits if len(d) >= 7]


def _sessions_of(user_id: int) -> list[str]:
    """The session keys signed in as ``user_id`` (each session's data is encoded: decode to read)."""
    keys = []
    for session in Session.objects.iterator(chunk_size=500):
        data = session.get_decoded()
        if str(data.get("_auth_user_id", "")) == str(user_id):
            keys.append(session.session_key)
    return keys


def _erase_user(customer: Customer, report: Erasure) -> None:
    from concierge.identity.models import ApiToken

    user = customer.user
    if user is None:
        return
    keys = _sessions_of(user.pk)
    report.add("sessions", Session.objects.filter(session_key__in=keys).delete()[0])
    # Where sessions are also read from the shared cache (settings: cached_db with Redis), there too.
    caches[settings.SESSION_CACHE_ALIAS].delete_many([CACHED_SESSION_PREFIX + key for key in keys])
    report.add("API tokens", ApiToken.objects.filter(user=user).delete()[0])
    user.email = erased_email(user.pk)
    user.first_name = user.last_name = ""
    user.is_active = False
    user.session_epoch += 1
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "session_epoch", "password"])
    report.add("sign-in", 1)


def _erase_around(erased: ErasedValues, report: Erasure) -> None:
    """Tables of every customer that name this one: sent mail and the admin's own change list
    (only what names this customer for sure, not a first name alone that another may share)."""
    mail = SentMail.objects.filter(mentions_any(["to"], erased.emails)
                                   | mentions_any(["subject", "body", "html"], erased.telling))  # fmt: skip
    report.add("sent mail", mail.delete()[0])
    LogEntry.objects.filter(mentions_any(["object_repr", "change_message"], erased.telling)).delete()


def _subjects_of(customer: Customer, holders: list[DataHolder]) -> list[tuple[str, str]]:
    """The audit subjects that are the customer's: their record, sign-in, addresses and consents
    (the admin records its changes of each under the model's name), and each data holder's (payment
    sources, orders …)."""
    subjects = [("customer", str(customer.pk))]
    if customer.user_id:
        subjects.append(("user", str(customer.user_id)))
    subjects += [("address", str(pk)) for pk in customer.addresses.values_list("pk", flat=True)]
    subjects += [("customerconsent", str(pk)) for pk in customer.consents.values_list("pk", flat=True)]
    for holder in holders:
        if holder.subjects is not None:
            subjects += list(holder.subjects(customer))
    return subjects


def is_erased(customer: Customer) -> bool:
    """Whether Remove customer data has been done for ``customer`` (its audit event, by index)."""
    from concierge.audit.models import Event

    return Event.objects.filter(subject_kind="customer", subject_id=str(customer.pk),
                                action=CustomerAction.DATA_REMOVED).exists()  # fmt: skip


def customer_erase(ctx: ActingContext, *, customer_id: int, guard: Guard, confirmation: str, reason: str) -> Erasure:
    """Remove customer data (privilege ``remove_customer_data``), under the record's lock and version.

    Afterwards no trace of the customer's name, email, phone or street is left anywhere in the
    database (RELIABILITY bar 25): the record keeps its Shared ID, kind and store and is Disabled;
    addresses, sessions and API tokens are gone; the sign-in is anonymized and unusable; orders,
    payments and refunds stay with their totals, their copies of the name and addresses blanked;
    audit events that name the customer are redacted so the chain still verifies. The supervisor
    types the Shared ID to confirm and gives a reason (which must not name the customer).
    """
    if not ctx.has_perm(Priv.REMOVE_CUSTOMER_DATA):
        raise PermissionDenied("Removing customer data needs the Remove customer data privilege.")
    holders = data_holders()  # refuses before anything changes if a domain did not register
    own, report = Erasure(), Erasure()
    with customer_edit(ctx, customer_id=customer_id, guard=guard, then=Then.RELEASE) as edit:
        customer = edit.customer
        if customer.kind == Customer.Kind.ACCOUNT:
            raise DomainError(CustomerError.ERASURE_NOT_FOR_ACCOUNTS,
                              "Customer data is removed from user records, not from accounts.", status=409)  # fmt: skip
        reason = _confirm(customer, confirmation=confirmation, reason=reason)
        values = _personal_values(customer, holders)
        if any(v.casefold() in reason.casefold() for v in values if len(v) >= 3):
            raise DomainError(CustomerError.ERASURE_CONFIRMATION, "Customer data was not removed.", status=400,
                              fields={"reason": [NAMES_CUSTOMER]})  # fmt: skip
        erased = ErasedValues(tuple(values))
        user_id = customer.user_id
        subjects = _subjects_of(customer, holders)  # read before the addresses go
        # The customers domain's own parts: sent mail, the admin's change list, addresses, the
        # record, consents, the sign-in and the search index.
        _erase_around(erased, own)
        own.add("addresses", customer.addresses.all().delete()[0])
        customer.first_name = customer.last_name = customer.email = customer.phone = customer.billing_summary = ""
        customer.status = Customer.Status.DISABLED
        customer.save(update_fields=["first_name", "last_name", "email", "phone", "billing_summary", "status"])
        CustomerConsent.objects.filter(customer=customer, given=True).update(given=False, updated_at=clock.now())
        _erase_user(customer, own)
        index_customers([customer])
        # Then each domain above erases its own copies (orders, returns, payments, assisted sessions).
        for holder in holders:
            for what, count in holder.erase(customer, erased).items():
                report.add(what, count)
        for what, count in own.counts.items():  # reported after the domains' parts, as always
            report.add(what, count)
        needles = values + _phone_digits(values)
        redacted = redact_mentions(
            edit.ctx,
            values=needles,
            actor_ids=[user_id] if user_id else [],
            on_behalf_of_ids=[customer.pk],
            subjects=subjects,
            reason="customer data removed",
        )
        report.add("audit events redacted", redacted.events)
        edit.record(CustomerAction.DATA_REMOVED, data={"reason": reason, "removed": report.counts})
    return report
