"""Change the preferred currency of an organization (seed 003 "How to change preferred currency for
an Organization").

Price lists exist per currency; an organization buys in its preferred one (``Customer.currency``),
so its prices, its cart and its orders are in it. Changing it with items in the organization's open
cart asks to confirm first (409 ``organization.currency_confirm``), then re-prices the cart as a
whole: the cart's ``currency`` changes with the organization's, in one transaction, and its lines
are priced from the new currency's price lists (prices are never stored on a cart). Nothing is ever
converted, and a cart is never in two currencies: an item without a price in the new currency
refuses the change (422 ``organization.currency_unavailable``), naming it.

Who may: a seller who manages organizations, for an organization assigned to them, or customer
service with the customer update privilege — both under the record's lock and version, as every
edit of the record (``customers/editing.py::customer_edit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from concierge.audit.services import record
from concierge.carts.actions import CartAction
from concierge.carts.errors import CartError
from concierge.carts.locks import CART_LEASE
from concierge.carts.models import Cart, CartLine
from concierge.carts.services import bump
from concierge.catalog.pricing import buyer_of, currencies_offered, unit_prices
from concierge.core import leases
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.customers.actions import CustomerAction
from concierge.customers.editing import Guard, Then, customer_edit
from concierge.customers.errors import CustomerError
from concierge.customers.models import Customer
from concierge.identity.policies import can_find_customers, stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


@dataclass(frozen=True)
class CurrencyChange:
    """What the change did: the organization (its record as saved), the currency it buys in now,
    whether its open cart was re-priced, and how many lines that cart has."""

    account: Customer
    currency: str
    cart_repriced: bool
    lines: int


def _check_may_change(ctx: ActingContext) -> None:
    """Console staff need the customer update privilege; a seller needs to manage organizations
    (the record's lock then answers "not found" for an organization not assigned to them)."""
    if ctx.user is None:
        raise PermissionDenied("Sign in to change an organization's currency.")
    if can_find_customers(ctx) and not ctx.has_perm(Priv.UPDATE_CUSTOMER):
        raise PermissionDenied("Changing an organization's currency needs the customer update privilege.")


def organization_to_change(ctx: ActingContext, account_id: int) -> Customer:
    """The organization whose currency ``ctx`` may change (read, not locked): one of a store the
    console member serves, or one assigned to the seller; any other id is "not found" (bar 9). The
    change itself checks again under the record's lock."""
    _check_may_change(ctx)
    rows = Customer.objects.select_related("store").filter(pk=account_id, kind=Customer.Kind.ACCOUNT)
    if can_find_customers(ctx):
        rows = rows.filter(store_id__in=stores_served(ctx))
    elif ctx.has_perm(Priv.MANAGE_ORGANIZATIONS):
        rows = rows.filter(seller_assignments__seller=ctx.user)
    else:
        rows = rows.none()
    if (account := rows.first()) is None:
        raise NotFound("No such organization.")
    return account


def _unavailable(message: str) -> DomainError:
    return DomainError(CustomerError.CURRENCY_UNAVAILABLE, message, status=422, fields={"currency": [message]})


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def organization_currency_change(
    ctx: ActingContext, *, account_id: int, currency: str, guard: Guard, confirm: bool = False
) -> CurrencyChange:
    """Make ``currency`` the organization's preferred currency and re-price its open cart in it.

    Refused: a currency the store does not sell in (422 ``organization.currency_unavailable``), an
    item of the open cart without a price in it (the same code, naming the products), an open cart
    with items and no ``confirm`` (409 ``organization.currency_confirm``, with ``lines``, ``from``
    and ``to``), a cart customer service holds locked (409 ``cart.locked``), and the record's own
    guard (428 / 412 / 409). A refusal changes nothing."""
    _check_may_change(ctx)
    wanted = (currency or "").strip().upper()
    # The change is made for the organization named, whoever the caller is acting for just now.
    acting = ctx.evolve(customer=None, account=None)
    with transaction.atomic(), customer_edit(acting, customer_id=account_id, guard=guard, then=Then.RELEASE) as edit:
        account = edit.customer
        if account.kind != Customer.Kind.ACCOUNT:
            raise NotFound("No such organization.")
        offered = currencies_offered(account.store)
        if wanted not in offered:
            raise _unavailable(f"{account.display_name} can buy in {', '.join(offered)} only: choose one of them.")
        cart = (
            Cart.objects.select_for_update(of=("self",))
            .select_related("store")
            .filter(customer_id=account.pk, status=Cart.Status.ACTIVE)
            .first()
        )
        lines = list(CartLine.objects.filter(cart=cart).select_related("sku__product")) if cart else []
        reprice = cart is not None and (cart.currency or cart.store.currency) != wanted
        if reprice and lines:
            _check_priced_in(account, wanted, lines)
            if not confirm:
                was = cart.currency if cart is not None else account.currency
                raise DomainError(
                    CartError.CURRENCY_CONFIRM,
                    f"{account.display_name}'s cart has {_items(len(lines))} priced in {was}. "
                    f"Change to {wanted} and re-price them?",
                    status=409,
                    data={"lines": len(lines), "from": was, "to": wanted},
                )
        if cart is not None and reprice:
            _reprice(edit.ctx, cart, wanted, lines=len(lines))
        if account.currency != wanted:
            before = account.preferred_currency
            account.preferred_currency = wanted
            account.save(update_fields=["preferred_currency"])
            edit.record(CustomerAction.UPDATED, changes={"preferred_currency": (before, wanted)})
    return CurrencyChange(account=account, currency=wanted, cart_repriced=bool(reprice), lines=len(lines))


def _check_priced_in(account: Customer, currency: str, lines: list[CartLine]) -> None:
    """Every item of the cart has a price in ``currency`` for the organization, or the change is refused."""
    buyer = buyer_of(store=account.store, customer=account, account=account, currency=currency)
    priced = unit_prices(buyer, [line.sku_id for line in lines])
    missing = [line for line in lines if line.sku_id not in priced]
    if missing:
        names = ", ".join(dict.fromkeys(f"{line.sku.product.name} ({line.sku.name})" for line in missing))
        raise _unavailable(
            f"{names} cannot be bought in {currency}: remove {'them' if len(missing) > 1 else 'it'} from "
            f"{account.display_name}'s cart first, or keep {account.currency}."
        )


def _reprice(ctx: ActingContext, cart: Cart, currency: str, *, lines: int) -> None:
    """The whole cart (locked by the caller) in ``currency`` from now on: its version moves on, so
    a page or a client that loaded it in the old currency is refused (412) rather than checked out."""
    if cart.lease_is_live() and cart.lease_holder_id != ctx.signed_in_user.pk:
        raise leases.held_error(cart, CART_LEASE)
    before = cart.currency or cart.store.currency
    Cart.objects.filter(pk=cart.pk).update(currency=currency)
    cart.currency = currency
    bump(cart)
    record(
        ctx,
        action=CartAction.REPRICED,
        subject_kind="cart",
        subject_id=cart.pk,
        changes={"currency": (before, currency)},
        data={"from": before, "to": currency, "lines": lines, "version": cart.version},
    )
