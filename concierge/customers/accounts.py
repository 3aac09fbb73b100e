"""Account records (seed 004 "Creating an Account record", "Managing Child Accounts", "Managing
Associates", "Deleting an Account record"): creating an account (a top-level one or a child), its
hierarchy, its associates, and deleting it with its children.

Creating a top-level account changes no existing record, so it takes no lock. Everything else is a
change of an existing account and goes through ``customer_edit`` on it — its lock and the version its
editor loaded: adding a child or an associate is a change of the parent account. Changes of the
hierarchy (a new parent, a deletion) also hold the store's row, so two of them never interleave into
a cycle or a half-deleted tree.

The shared ID is unique by the database's constraint: a manual one that someone else takes at the
same moment is refused with ``customer.shared_id_taken`` (a field error), never a 500.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError

from concierge.audit.services import record
from concierge.core import clock
from concierge.core.edits import EditGuard, Then
from concierge.core.errors import CommonError, DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_errors, text_problem
from concierge.core.on_behalf import OnBehalfDenied, refuse_on_behalf
from concierge.customers import account_holders, organizations
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import customer_edit
from concierge.customers.errors import CustomerError
from concierge.customers.locks import locked_by_other_error
from concierge.customers.models import AccountAssociate, Address, Contract, Customer, SellerAssignment
from concierge.customers.search import index_customers
from concierge.customers.services import ADDRESS_FIELDS, _clean_address, refresh_billing_summary
from concierge.identity.models import User
from concierge.identity.policies import can_find_customers, stores_served
from concierge.identity.roles import Priv, Role
from concierge.stores.models import Store

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

SHARED_ID_MIN = 3
SHARED_ID_MAX = 32  # Customer.shared_id's column
# Letters and digits, and . _ - inside: what other systems' identifiers are made of, and safe to
# read out, type and put in a URL.
SHARED_ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$"
_SHARED_ID = re.compile(SHARED_ID_PATTERN)
SHARED_ID_RULE = (
    f"{SHARED_ID_MIN} to {SHARED_ID_MAX} characters: letters, digits and . _ - "
    "(starting and ending with a letter or digit)."
)
BUSINESS_NAME_MAX = 160
BUSINESS_NUMBER_MAX = 40
EMAIL_MAX = 254
PHONE_MAX = 32
LOCALE_MAX = 16
# The locales the wizard offers; any locale Babel knows is accepted.
LOCALES = ("en_US", "en_CA", "fr_CA", "en_GB", "es_US", "es_MX", "de_DE", "fr_FR")
# What the wizard and the API accept, written once so that the API's schema states the same rules.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"  # one part of a domain name
EMAIL_PATTERN = rf"^ *[A-Za-z0-9._%+\-]+@{_LABEL}(?:\.{_LABEL})+ *$"
PHONE_PATTERN = r"^ *\+?[0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9][0-9 ().\-/]*[0-9][0-9 ().\-/]* *$"
# Some text that is not only spaces, and no control character (NUL and the like).
FILLED_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)
PHONE_MESSAGE = "Enter a telephone number: digits, spaces and + - ( ) . / only, at least 3 digits."


def _invalid(fields: dict[str, list[str]], message: str = "Please correct the errors below.") -> DomainError:
    return DomainError(CommonError.REQUEST_INVALID, message, status=422, fields=fields)


def may_manage_accounts(ctx: ActingContext) -> bool:
    """Creating, changing and deleting account records: customer service with the update privilege."""
    return can_find_customers(ctx) and ctx.has_perm(Priv.UPDATE_CUSTOMER)


def require_manage(ctx: ActingContext) -> None:
    if not may_manage_accounts(ctx):
        raise PermissionDenied("Managing account records needs the customer update privilege.")


# ---------------------------------------------------------------------------------------------
# The wizard's three steps: what each one accepts, checked again at Finish.


@dataclass(frozen=True)
class AccountDetails:
    """Step 1, the required fields (and an optional default billing address), and — for a seller's
    customer organization (seed 003) — its ERP ID, contract numbers, country and preferred currency.
    An account created with an ERP ID is such an organization: it starts Pending until activated."""

    business_name: str
    store_id: int
    email: str
    phone: str
    address: dict[str, str] | None = None
    erp_id: str = ""
    contract_numbers: tuple[str, ...] = ()
    country: str = ""
    preferred_currency: str = ""


@dataclass(frozen=True)
class AccountAttributes:
    """Step 3, the account attributes."""

    business_number: str = ""
    preferred_locale: str = ""


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name, "") or "").strip()


def clean_details(ctx: ActingContext, data: Mapping[str, Any], *, parent: Customer | None = None) -> AccountDetails:
    """Step 1: business name, store (one the staff member serves; a child is in its parent's store),
    email, telephone #, and the default billing address when any of it is given."""
    values = {name: _text(data, name) for name in ("business_name", "email", "phone", "store")}
    errors = text_errors(values, {"business_name": BUSINESS_NAME_MAX, "email": EMAIL_MAX, "phone": PHONE_MAX,
                                  "store": 20})  # fmt: skip
    required = {"business_name": "Enter the business name.", "email": "Enter the email address.",
                "phone": "Enter the telephone number."}  # fmt: skip
    for name, message in required.items():
        if name not in errors and not values[name]:
            errors[name] = [message]
    if "email" not in errors and not _EMAIL.fullmatch(values["email"]):
        errors["email"] = ["Enter a valid email address, e.g. purchasing@example.com."]
    if "phone" not in errors and not _PHONE.fullmatch(values["phone"]):
        errors["phone"] = [PHONE_MESSAGE]
    store_id = parent.store_id if parent is not None else _served_store(ctx, values["store"], errors)
    address: dict[str, str] | None = None
    raw_address: dict[str, object] = {f: _text(data, f"address_{f}") for f in ADDRESS_FIELDS if f != "label"}
    if any(raw_address.values()):
        try:
            address = _clean_address(raw_address)
        except DomainError as exc:
            errors.update({f"address_{name}": messages for name, messages in exc.fields.items()})
    organization = _clean_organization_details(data, store_id, errors)
    if errors:
        raise _invalid(errors)
    organizations.check_free(organization["erp_id"], organization["contract_numbers"])
    return AccountDetails(business_name=values["business_name"], store_id=store_id, email=values["email"].lower(),
                          phone=values["phone"], address=address, **organization)  # fmt: skip


def _clean_organization_details(data: Mapping[str, Any], store_id: int, errors: dict[str, list[str]]) -> dict[str, Any]:
    """A customer organization's ERP ID, contract numbers, country (required with an ERP ID) and
    preferred currency (one the store offers, blank for its own), checked by the organizations'
    own rules; field errors join ``errors``."""
    erp_id, problem = organizations.clean_erp_id(_text(data, "erp_id"), required=False)
    if problem:
        errors["erp_id"] = [problem]
    contracts, problem = organizations.clean_contract_numbers(data.get("contract_numbers"))
    if problem:
        errors["contract_numbers"] = [problem]
    required = bool(erp_id)
    country, problem = organizations.clean_country(_text(data, "country"), required=required)
    if problem:
        errors["country"] = ["Choose the country of a customer organization (one with an ERP ID)." if required
                             and not _text(data, "country") else problem]  # fmt: skip
    currency = ""
    store = Store.objects.filter(pk=store_id).first() if store_id else None
    if store is not None:
        currency, problem = organizations.clean_currency(_text(data, "preferred_currency"),
                                                         organizations.currencies_offered(store),
                                                         store_currency=store.currency)  # fmt: skip
        if problem:
            errors["preferred_currency"] = [problem]
    return {"erp_id": erp_id, "contract_numbers": contracts, "country": country, "preferred_currency": currency}


def _served_store(ctx: ActingContext, value: str, errors: dict[str, list[str]]) -> int:
    served = stores_served(ctx)
    try:
        store_id = int(value)
    except ValueError:
        store_id = 0
    if store_id not in served:
        if len(served) == 1 and not value:
            return next(iter(served))
        errors.setdefault("store", ["Choose one of the stores you serve."])
        return 0
    return store_id


def clean_shared_id(data: Mapping[str, Any]) -> str | None:
    """Step 2: ``None`` to generate the shared ID automatically, else the one entered manually —
    allowed characters and length checked, and not already taken (checked again at Finish, where
    the database's constraint has the last word)."""
    mode = _text(data, "shared_id_mode") or "generate"
    if mode == "generate":
        return None
    if mode != "manual":
        raise _invalid({"shared_id_mode": ["Choose to generate the shared ID or to enter one."]})
    shared_id = _text(data, "shared_id")
    problem = shared_id_problem(shared_id)
    if problem:
        raise _invalid({"shared_id": [problem]})
    if not shared_id_free(shared_id):
        raise shared_id_taken_error(shared_id)
    return shared_id


def shared_id_problem(shared_id: str) -> str:
    """What is wrong with a shared ID typed by a person, or ""."""
    if problem := text_problem(shared_id, limit=SHARED_ID_MAX, required="Enter the shared ID, or choose to "
                               "generate one automatically."):  # fmt: skip
        return problem
    if len(shared_id) < SHARED_ID_MIN or not _SHARED_ID.fullmatch(shared_id):
        return f"A shared ID is {SHARED_ID_RULE}"
    return ""


def shared_id_free(shared_id: str) -> bool:
    """No customer record has this shared ID yet (a friendly early answer; the constraint decides)."""
    return not Customer.objects.filter(shared_id=shared_id).exists()


def shared_id_taken_error(shared_id: str) -> DomainError:
    message = f"The shared ID {shared_id} is already in use by another customer record. Enter another one."
    return DomainError(CustomerError.SHARED_ID_TAKEN, message, status=409, fields={"shared_id": [message]})


def clean_attributes(data: Mapping[str, Any]) -> AccountAttributes:
    """Step 3: business number and preferred locale (optional)."""
    values = {"business_number": _text(data, "business_number"), "preferred_locale": _text(data, "preferred_locale")}
    errors = text_errors(values, {"business_number": BUSINESS_NUMBER_MAX, "preferred_locale": LOCALE_MAX})
    locale = values["preferred_locale"]
    if locale and "preferred_locale" not in errors:
        try:
            Locale.parse(locale)
        except (ValueError, TypeError, UnknownLocaleError):
            errors["preferred_locale"] = ["Choose a locale from the list, e.g. en_US."]
    if errors:
        raise _invalid(errors)
    return AccountAttributes(**values)


def new_account_shared_id() -> str:
    """An account's generated shared ID: A + 9 digits, short enough to read out on the phone."""
    while True:
        candidate = f"A{secrets.randbelow(10**9):09d}"
        if shared_id_free(candidate):
            return candidate


# ---------------------------------------------------------------------------------------------
# Creating accounts.


def account_create(
    ctx: ActingContext,
    *,
    details: AccountDetails,
    shared_id: str | None,
    attributes: AccountAttributes,
    parent_id: int | None = None,
    guard: EditGuard | None = None,
) -> Customer:
    """Finish: the account record (audited ``account.created``, indexed for search; PUBLIC is
    implied). With ``parent_id``, a child account: a change of the parent under its lock and
    version (``guard``), audited ``account.child_added`` on the parent. ``shared_id`` ``None``
    generates one."""
    require_manage(ctx)
    if shared_id is not None and (problem := shared_id_problem(shared_id)):
        raise _invalid({"shared_id": [problem]})
    if parent_id is None:
        if details.store_id not in stores_served(ctx):
            raise _invalid({"store": ["Choose one of the stores you serve."]})
        with transaction.atomic():
            return _insert(ctx, details=details, shared_id=shared_id, attributes=attributes, parent=None)
    with customer_edit(ctx, customer_id=parent_id, guard=guard or EditGuard(None, None), then=Then.KEEP) as edit:
        parent = edit.customer
        if parent.kind != Customer.Kind.ACCOUNT:
            raise _invalid({"parent": ["Only an account has child accounts."]}, "Only an account has child accounts.")
        account = _insert(ctx, details=details, shared_id=shared_id, attributes=attributes, parent=parent)
        edit.record(CustomerAction.CHILD_ACCOUNT_ADDED, data={"child": account.pk, "shared_id": account.shared_id})
    return account


def _insert(
    ctx: ActingContext,
    *,
    details: AccountDetails,
    shared_id: str | None,
    attributes: AccountAttributes,
    parent: Customer | None,
) -> Customer:
    """The new row (in the caller's transaction). Its shared ID's uniqueness is the constraint's: an
    insert that loses a race rolls back its savepoint and is refused as taken (a generated one is
    drawn again)."""
    store = Store.objects.get(pk=parent.store_id if parent is not None else details.store_id)
    # A customer organization (it has an ERP ID): Pending until activated, its primary contact the
    # account's email and telephone and the billing address's name.
    organization = bool(details.erp_id)
    contact = " ".join(p for p in ((details.address or {}).get("first_name", ""),
                                   (details.address or {}).get("last_name", "")) if p)  # fmt: skip
    for _attempt in range(5):
        candidate = shared_id or new_account_shared_id()
        if shared_id is not None and not shared_id_free(candidate):
            raise shared_id_taken_error(candidate)
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the transaction usable
                account = Customer.objects.create(
                    shared_id=candidate, kind=Customer.Kind.ACCOUNT, store=store, parent=parent,
                    organization_name=details.business_name, email=details.email, phone=details.phone,
                    business_number=attributes.business_number,
                    preferred_locale=attributes.preferred_locale or store.locale,
                    status=Customer.Status.PENDING if organization else Customer.Status.ACTIVE,
                    erp_id=details.erp_id or None, country=details.country,
                    preferred_currency=details.preferred_currency,
                    contact_name=contact if organization else "", contact_email=details.email if organization else "",
                    contact_phone=details.phone if organization else "",
                )  # fmt: skip
                Contract.objects.bulk_create([Contract(organization=account, number=n)
                                              for n in details.contract_numbers])  # fmt: skip
            break
        except IntegrityError:
            refusal = organizations.taken_after_race(details.erp_id, details.contract_numbers, exclude=None)
            if refusal is not None:
                raise refusal from None
            if shared_id_free(candidate):
                raise  # not the shared ID: a bug to see, not to hide
            if shared_id is not None:
                raise shared_id_taken_error(candidate) from None
    else:  # pragma: no cover - five generated IDs taken in a row
        raise DomainError(CommonError.SERVER_ERROR, "No free shared ID was found; try again.", status=503)
    if details.address is not None:
        Address.objects.create(customer=account, is_default_billing=True, is_default_shipping=True, **details.address)
        refresh_billing_summary(account)
    index_customers([account])
    record(
        ctx.for_customer(account),
        action=CustomerAction.ACCOUNT_CREATED,
        subject_kind="customer",
        subject_id=account.pk,
        data={"shared_id": account.shared_id, "generated": shared_id is None,
              "parent": parent.pk if parent is not None else None,
              **({"erp_id": account.erp_id, "contracts": list(details.contract_numbers), "status": account.status}
                 if organization else {})},
    )  # fmt: skip
    return account


# ---------------------------------------------------------------------------------------------
# The hierarchy.


@dataclass
class AccountNode:
    """One account of a hierarchy and the accounts below it."""

    account: Customer
    children: list[AccountNode] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)


def account_tree(account: Customer) -> list[AccountNode]:
    """The accounts below ``account``, any depth, as nested nodes (by business name): one query per
    level, and a visited set so that damaged data could never loop."""
    nodes: dict[int, AccountNode] = {}
    roots: list[AccountNode] = []
    level = [account.pk]
    seen = {account.pk}
    while level:
        children = list(
            Customer.objects.filter(parent_id__in=level, kind=Customer.Kind.ACCOUNT)
            .exclude(pk__in=seen)
            .order_by("organization_name", "shared_id")
        )
        for child in children:
            node = AccountNode(child)
            nodes[child.pk] = node
            parent_node = nodes.get(child.parent_id or 0)
            (parent_node.children if parent_node is not None else roots).append(node)
            seen.add(child.pk)
        level = [c.pk for c in children]
    return roots


def descendant_ids(account_id: int, *, lock: bool = False) -> list[list[int]]:
    """The ids below ``account_id``, level by level (children, grandchildren, ...); ``lock`` locks
    them level by level for the caller's transaction."""
    levels: list[list[int]] = []
    level = [account_id]
    seen = {account_id}
    while level:
        rows = Customer.objects.filter(parent_id__in=level).exclude(pk__in=seen)
        if lock:
            rows = rows.select_for_update(of=("self",))
        level = [pk for pk in rows.order_by("pk").values_list("pk", flat=True) if pk not in seen]
        seen.update(level)
        if level:
            levels.append(level)
    return levels


def ancestors(account: Customer) -> list[Customer]:
    """The accounts above ``account``, nearest first (its parent, the parent's parent, ...)."""
    chain: list[Customer] = []
    seen = {account.pk}
    parent_id = account.parent_id
    while parent_id is not None and parent_id not in seen:
        parent = Customer.objects.filter(pk=parent_id).first()
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return chain


def _lock_store(store_id: int) -> None:
    """Serialize changes of a store's account hierarchies (a new parent, a deletion). FOR NO KEY
    UPDATE: orders and carts of the store, which only refer to its row, are not held up."""
    list(Store.objects.select_for_update(no_key=True).filter(pk=store_id).values_list("pk", flat=True))


def account_set_parent(ctx: ActingContext, *, parent_id: int, child_id: int, guard: EditGuard) -> Customer:
    """Make an existing account a child of ``parent_id`` (a change of the parent, under its lock and
    version). Refused: another store's account, a user record, the account itself or any account
    above the parent (a cycle: ``account.cycle``), a child being edited by someone else."""
    require_manage(ctx)
    parent_row = Customer.objects.filter(pk=parent_id).only("store_id").first()
    if parent_row is None:
        raise NotFound("No such customer.")
    with transaction.atomic():
        _lock_store(parent_row.store_id)
        with customer_edit(ctx, customer_id=parent_id, guard=guard, then=Then.KEEP) as edit:
            parent = edit.customer
            child = (
                Customer.objects.select_for_update(of=("self",))
                .filter(pk=child_id, store_id=parent.store_id, kind=Customer.Kind.ACCOUNT)
                .first()
            )
            if parent.kind != Customer.Kind.ACCOUNT or child is None:
                raise NotFound("No such account in this store.")
            if child.pk == parent.pk or child.pk in {a.pk for a in ancestors(parent)}:
                raise DomainError(
                    CustomerError.ACCOUNT_CYCLE,
                    f"{child.display_name} cannot be a child of {parent.display_name}: it is "
                    f"{'the same account' if child.pk == parent.pk else 'above it in the hierarchy'}.",
                    status=409,
                    fields={"child": ["An account cannot be below itself."]},
                )
            if child.lease_is_live() and child.lease_holder_id != ctx.signed_in_user.pk:
                raise locked_by_other_error(child)
            before = child.parent_id
            if before == parent.pk:
                return child
            child.parent = parent
            child.version += 1
            child.updated_at = clock.now()
            child.save(update_fields=["parent", "version", "updated_at"])
            record(ctx.for_customer(child), action=CustomerAction.UPDATED, subject_kind="customer",
                   subject_id=child.pk, changes={"parent": (before, parent.pk)})  # fmt: skip
            edit.record(CustomerAction.CHILD_ACCOUNT_ADDED, data={"child": child.pk, "shared_id": child.shared_id,
                                                                  "moved_from": before})  # fmt: skip
    return child


# ---------------------------------------------------------------------------------------------
# Associates.


def associates_of(account: Customer) -> list[AccountAssociate]:
    return list(
        AccountAssociate.objects.filter(account=account)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )


def _shopper_by_email(email: str) -> User | None:
    """A shopper with a sign-in (a registered customer, not a staff member) by their email."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.groups.filter(name=Role.SHOPPER.value).exists():
        return None
    if not Customer.objects.filter(user=user, kind=Customer.Kind.REGISTERED_USER).exists():
        return None
    return user


def _role(role: str) -> str:
    if role not in AccountAssociate.Role.values:
        raise _invalid({"role": ["Choose the role from the list."]})
    return role


def associate_add(ctx: ActingContext, *, account_id: int, guard: EditGuard, email: str, role: str) -> AccountAssociate:
    """Add Associate: the user with this email (a shopper who can sign in) may transact on behalf of
    the account, in ``role``."""
    require_manage(ctx)
    email = (email or "").strip()
    if problem := text_problem(email, limit=EMAIL_MAX, required="Enter the user's email address."):
        raise _invalid({"email": [problem]})
    role = _role(role)
    with customer_edit(ctx, customer_id=account_id, guard=guard, then=Then.KEEP) as edit:
        account = _account_of(edit.customer)
        user = _shopper_by_email(email)
        if user is None:
            raise _invalid({"email": [f"No shopper with the email address {email} can sign in. The user must "
                                      "register first."]})  # fmt: skip
        if AccountAssociate.objects.filter(account=account, user=user).exists():
            raise _invalid({"email": [f"{user.email} is already an associate of {account.display_name}."]})
        associate = AccountAssociate.objects.create(account=account, user=user, role=role)
        edit.record(CustomerAction.ASSOCIATE_ADDED, data={"user": user.pk, "role": role})
    return associate


def _account_of(customer: Customer) -> Customer:
    if customer.kind != Customer.Kind.ACCOUNT:
        raise NotFound("No such account.")
    return customer


def _associate(account: Customer, associate_id: int) -> AccountAssociate:
    associate = (
        AccountAssociate.objects.select_for_update().select_related("user").filter(pk=associate_id, account=account)
    ).first()
    if associate is None:
        raise DomainError(CommonError.NOT_FOUND, "No such associate of this account.", status=404)
    return associate


def associate_set_role(
    ctx: ActingContext, *, account_id: int, guard: EditGuard, associate_id: int, role: str
) -> AccountAssociate:
    """Change an associate's role."""
    require_manage(ctx)
    role = _role(role)
    with customer_edit(ctx, customer_id=account_id, guard=guard, then=Then.KEEP) as edit:
        associate = _associate(_account_of(edit.customer), associate_id)
        before = associate.role
        if before != role:
            associate.role = role
            associate.save(update_fields=["role"])
            edit.record(CustomerAction.ASSOCIATE_ROLE_CHANGED, changes={"role": (before, role)},
                        data={"user": associate.user_id})  # fmt: skip
    return associate


def associate_remove(ctx: ActingContext, *, account_id: int, guard: EditGuard, associate_id: int) -> User:
    """Remove Associate: the association goes; the user is kept."""
    require_manage(ctx)
    with customer_edit(ctx, customer_id=account_id, guard=guard, then=Then.KEEP) as edit:
        associate = _associate(_account_of(edit.customer), associate_id)
        user = associate.user
        associate.delete()
        edit.record(CustomerAction.ASSOCIATE_REMOVED, data={"user": user.pk, "role": associate.role})
    return user


# ---------------------------------------------------------------------------------------------
# Deleting an account and its children.


@dataclass(frozen=True)
class DeletionCheck:
    """What Delete Account would delete, or why it may not: one reason per account with purchases."""

    account: Customer
    children: int
    reasons: list[str]

    @property
    def allowed(self) -> bool:
        return not self.reasons


def _purchase_reasons(root: Customer, ids: list[int]) -> list[str]:
    """Why the accounts ``ids`` may not be deleted, one sentence per account: each domain that holds
    purchases (orders placed by or for them, payments made with their payment methods, on-account
    credit in use, checkouts on record) names its own through the account holders' registry."""
    found: dict[int, list[str]] = {pk: [] for pk in ids}
    for holder in account_holders.holders():
        for pk, reasons in holder.purchases(ids).items():
            found[pk].extend(reasons)
    names = {c.pk: c for c in Customer.objects.filter(pk__in=ids).select_related("parent")}
    sentences = []
    for pk in ids:
        if found[pk]:
            account = names[pk]
            who = account.display_name
            if pk != root.pk and account.parent is not None:
                who = f"{who} (child of {account.parent.display_name})"
            sentences.append(f"{who} has {' and '.join(found[pk])}")
    return sentences


def in_use_error(root: Customer, kinds: Iterable[str]) -> DomainError:
    """Records kept for the audit refer to the account or a child: it is disabled, never deleted."""
    return DomainError(
        CustomerError.ACCOUNT_IN_USE,
        f"{root.display_name} cannot be deleted: records that are kept for the audit refer to it "
        f"({', '.join(sorted(set(kinds)))}). Disable it instead.",
        status=409,
    )


def account_deletion_check(account: Customer) -> DeletionCheck:
    """Delete Account's question, read-only: the account and all its children, and whether any of
    them is associated with purchases."""
    levels = descendant_ids(account.pk)
    ids = [account.pk, *(pk for level in levels for pk in level)]
    return DeletionCheck(account=account, children=len(ids) - 1, reasons=_purchase_reasons(account, ids))


def has_purchases_error(account: Customer, reasons: list[str]) -> DomainError:
    return DomainError(
        CustomerError.ACCOUNT_HAS_PURCHASES,
        f"{account.display_name} cannot be deleted: {'; '.join(reasons)}. An account is deleted only when "
        "neither it nor any of its child accounts is associated with any purchases. Disable it instead.",
        status=409,
        data={"reasons": reasons},
    )


def account_delete(ctx: ActingContext, *, account_id: int, guard: EditGuard) -> list[dict[str, Any]]:
    """Delete Account: the account and all its children — their associations, addresses, consents,
    search terms, payment methods and carts go with them — when none is associated with purchases
    (else ``account.has_purchases``, naming each, and nothing is deleted). Under the account's lock
    and version; each deletion is audited by id (``account.deleted``). Never on someone's behalf
    (bar 6). Returns what was deleted."""
    refuse_on_behalf(ctx, OnBehalfDenied.DELETE_ACCOUNT)
    require_manage(ctx)
    root_row = Customer.objects.filter(pk=account_id).only("store_id").first()
    if root_row is None:
        raise NotFound("No such customer.")
    with transaction.atomic():
        _lock_store(root_row.store_id)
        with customer_edit(ctx, customer_id=account_id, guard=guard, then=Then.KEEP) as edit:
            root = _account_of(edit.customer)
            levels = descendant_ids(root.pk, lock=True)
            ids = [root.pk, *(pk for level in levels for pk in level)]
            reasons = _purchase_reasons(root, ids)
            if reasons:
                raise has_purchases_error(root, reasons)
            others = Customer.objects.filter(pk__in=ids[1:]).exclude(lease_holder=None).exclude(
                lease_holder=ctx.signed_in_user)  # fmt: skip
            busy = next((c for c in others if c.lease_is_live()), None)
            if busy is not None:
                raise locked_by_other_error(busy)
            holders = account_holders.holders()
            kinds = [kind for holder in holders for kind in holder.in_use(ids)]
            if kinds:
                raise in_use_error(root, kinds)
            deleted = _deleted_summary(ids)
            try:
                with transaction.atomic():
                    # Each domain deletes the rows it owns for the accounts and counts them for the audit.
                    by_id = {item["id"]: item for item in deleted}
                    for holder in holders:
                        for pk, counts in holder.delete(ids).items():
                            by_id[pk].update(counts)
                    for level in [*reversed(levels), [root.pk]]:  # the deepest first: a parent is protected
                        Customer.objects.filter(pk__in=level).delete()
            except ProtectedError as exc:  # a kept record no holder named: still refused, never a 500
                raise in_use_error(
                    root, (str(obj._meta.verbose_name_plural) for obj in exc.protected_objects)
                ) from None
            for item in deleted:
                record(edit.ctx, action=CustomerAction.ACCOUNT_DELETED, subject_kind="customer",
                       subject_id=item["id"], data={**item, "deleted_with": None if item["id"] == root.pk
                                                    else root.pk})  # fmt: skip
    return deleted


def _deleted_summary(ids: Iterable[int]) -> list[dict[str, Any]]:
    """What each deleted account took with it, by id and count (the audit keeps ids, not rows)."""
    ids = list(ids)
    rows = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
    associates: dict[int, list[int]] = {pk: [] for pk in ids}
    pairs = AccountAssociate.objects.filter(account_id__in=ids).values_list("account_id", "user_id")
    for account_id, user_id in pairs:
        associates[account_id].append(user_id)
    addresses = dict(Address.objects.filter(customer_id__in=ids).values_list("customer_id").annotate(n=Count("id")))
    # Sellers' assignments go with the account; the domains above add their counts (price lists...).
    sellers = dict(SellerAssignment.objects.filter(organization_id__in=ids).values_list("organization_id")
                   .annotate(n=Count("id")))  # fmt: skip
    return [
        {"id": pk, "shared_id": rows[pk].shared_id, "name": rows[pk].display_name, "parent": rows[pk].parent_id,
         "associates": sorted(associates[pk]), "addresses": addresses.get(pk, 0),
         "seller_assignments": sellers.get(pk, 0)}
        for pk in ids
    ]  # fmt: skip
