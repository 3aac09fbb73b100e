"""The one pricing function: lines in, prices, discounts, taxes and totals out.

Cart, checkout, order, return and refund all price through :func:`price_lines`, so a total is
always derived the same way and never taken from a client. Prices resolve for the customer served:
the B2B account's own price list first, then the customer's segment lists (by priority), then the
store's list. A line gets its best product or category promotion; the best cart promotion is then
spread over the lines in proportion, so that tax is computed per line on what the customer pays.

Every price is in the buyer's currency (``Buyer.currency``): a B2B organization's preferred one, else
the store's. Only the price lists in that currency count; a percentage promotion applies in any
currency, an amount-off promotion (its value is in the store's currency) only to buyers in the store's
currency. Nothing is ever converted: a SKU without a price in the buyer's currency cannot be bought.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from concierge.catalog.errors import CatalogError
from concierge.catalog.models import Price, PriceList, Promotion, Sku
from concierge.core import caching, clock
from concierge.core.caching import KeptRows, kept
from concierge.core.errors import DomainError
from concierge.core.money import Money, minor_unit
from concierge.customers.models import Segment
from concierge.stores.models import TaxRate

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer
    from concierge.stores.models import Store

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Buyer:
    """Whom prices are for: the store, the customer (and account) being served, and the currency
    they buy in ("" is the store's)."""

    store: Store
    customer_id: int | None = None
    account_id: int | None = None
    segment_ids: frozenset[int] = frozenset()
    at: dt.datetime = field(default_factory=clock.now)
    preferred_locale: str = ""
    currency: str = ""

    def __post_init__(self) -> None:
        if not self.currency:
            object.__setattr__(self, "currency", self.store.currency)

    def in_currency(self, currency: str) -> Buyer:
        """The same buyer priced in ``currency`` (a cart keeps the currency it was priced in)."""
        return self if currency == self.currency else replace(self, currency=currency)

    @property
    def locale(self) -> str:
        """How amounts are written for this customer: their preferred locale, else the store's."""
        return self.preferred_locale or self.store.locale


def buyer_for(ctx: ActingContext, *, store: Store | None = None) -> Buyer:
    store = store or ctx.store
    if store is None:
        raise DomainError(CatalogError.NO_STORE, "No store is set up yet.", status=503)
    return buyer_of(store=store, customer=ctx.customer, account=ctx.account)


def buyer_of(*, store: Store, customer: Customer | None, account: Customer | None = None, currency: str = "") -> Buyer:
    """The buyer ``customer`` is in ``store``, buying for ``account`` if given: in ``currency`` when
    given (an order keeps the currency it was placed in), else the account's preferred currency (an
    organization a seller or an associate buys for; the customer served is then the account itself),
    else the store's."""
    segment_ids: set[int] = set()
    for who in (customer, account):
        if who is not None:
            segment_ids.update(_segment_ids(who))
    payer = account if account is not None else customer
    return Buyer(
        store=store,
        customer_id=customer.pk if customer else None,
        account_id=account.pk if account else None,
        segment_ids=frozenset(segment_ids),
        preferred_locale=(customer.preferred_locale if customer is not None else "") or "",
        currency=currency or (payer.preferred_currency if payer is not None else "") or store.currency,
    )


def _segment_ids(who: Customer) -> frozenset[int]:
    """``who``'s segments, read once per loaded customer (pricing asks for them several times in
    one request) and kept per process under the customer's version (``_kept_segment_ids``)."""
    found = getattr(who, "_pricing_segment_ids", None)
    if found is None:
        found = _kept_segment_ids(who.pk, who.version)
        setattr(who, "_pricing_segment_ids", found)  # noqa: B010 - a memo on the instance, not a model field
    return found


@kept(30, models=[Segment], max_entries=50_000)
def _kept_segment_ids(customer_id: int, version: int) -> frozenset[int]:
    """A customer's segments, kept per process under their record's version: a change of their
    segments in the console is a record edit (customers/records.py), which moves the version on, so
    every process reads them again on the customer's next request; a change in this process forgets
    them at once (``forget_segments``), one made otherwise (the demo data, SQL) counts within 30 s."""
    return frozenset(Segment.objects.filter(customers__id=customer_id).values_list("id", flat=True))


def forget_segments(sender: object, instance: object, action: str, **kwargs: object) -> None:
    """Receiver of ``Customer.segments`` changes (connected in catalog/apps.py)."""
    if action.startswith("post_"):
        caching.forget(_kept_segment_ids)
        if hasattr(instance, "_pricing_segment_ids"):
            delattr(instance, "_pricing_segment_ids")


# Reference data, kept per process for a short time (core/caching.py): every priced request reads
# it, an administrator changes it now and then.
REFERENCE_TTL = 30


@kept(REFERENCE_TTL, models=[PriceList])
def _price_lists(store_id: int, currency: str) -> tuple[tuple[int, int | None, int | None, int], ...]:
    """The store's price lists in ``currency``: (id, account id, segment id, priority)."""
    rows = PriceList.objects.filter(store_id=store_id, currency=currency).order_by("id")
    return tuple(rows.values_list("id", "account_id", "segment_id", "priority"))


@kept(REFERENCE_TTL, models=[PriceList])
def _currencies(store_id: int) -> tuple[str, ...]:
    return tuple(
        PriceList.objects.filter(store_id=store_id, account__isnull=True, segment__isnull=True)
        .values_list("currency", flat=True)
        .distinct()
    )


def currencies_offered(store: Store) -> list[str]:
    """The currencies one can buy in at ``store``: its own first, then the others it has a price list
    for everyone in (not one account's or one segment's), in alphabetical order."""
    return [store.currency, *sorted(set(_currencies(store.pk)) - {store.currency})]


@kept(REFERENCE_TTL, models=[Promotion])
def _promotions(store_id: int) -> tuple[Promotion, ...]:
    """The store's active promotions, whatever their window and segment (filtered per buyer)."""
    return tuple(Promotion.objects.filter(store_id=store_id, is_active=True).order_by("id"))


@kept(REFERENCE_TTL, models=[TaxRate])
def _tax_rates(store_id: int) -> dict[tuple[str, str], Decimal]:
    return {(r.country, r.region): r.rate for r in TaxRate.objects.filter(store_id=store_id)}


# Each SKU's prices in the lists of one store and currency, kept per process like the lists: every
# cart answer prices all of its lines again. Keyed by the lists' ids too, so a list added in another
# process counts as soon as the lists are read again.
_PriceKey = tuple[tuple[int, ...], int]
_sku_prices: KeptRows[_PriceKey, tuple[tuple[int, Decimal], ...]] = KeptRows(
    "catalog.prices", REFERENCE_TTL, models=[Price, PriceList]
)


def forget_prices() -> None:
    """Forget the kept prices (after writing prices in bulk, which no save signal announces)."""
    _sku_prices.forget()


def _read_prices(missing: list[_PriceKey]) -> dict[_PriceKey, tuple[tuple[int, Decimal], ...]]:
    lists = missing[0][0]
    rows = Price.objects.filter(price_list_id__in=lists, sku_id__in=[sku_id for _, sku_id in missing])
    found: dict[_PriceKey, list[tuple[int, Decimal]]] = {}
    for sku_id, list_id, amount in rows.values_list("sku_id", "price_list_id", "amount"):
        found.setdefault((lists, sku_id), []).append((list_id, amount))
    return {key: tuple(prices) for key, prices in found.items()}


def unit_prices(buyer: Buyer, sku_ids: Sequence[int]) -> dict[int, Money]:
    """The price of each SKU for ``buyer`` (SKUs without any price are left out): the account's own
    list first, then the buyer's segment lists by priority, then the store's list."""
    ranks: dict[int, tuple[int, int]] = {}
    price_lists = _price_lists(buyer.store.pk, buyer.currency)
    for list_id, account_id, segment_id, priority in price_lists:
        if account_id is not None:
            if account_id == buyer.account_id:
                ranks[list_id] = (2, 0)
        elif segment_id is not None:
            if segment_id in buyer.segment_ids:
                ranks[list_id] = (1, priority)
        else:
            ranks[list_id] = (0, 0)
    if not ranks or not sku_ids:
        return {}
    lists = tuple(row[0] for row in price_lists)
    kept_prices = _sku_prices.get_many([(lists, sku_id) for sku_id in dict.fromkeys(sku_ids)], _read_prices)
    best: dict[int, tuple[tuple[int, int], Decimal]] = {}
    for (_, sku_id), prices in kept_prices.items():
        for list_id, amount in prices:
            rank = ranks.get(list_id)
            if rank is not None and (sku_id not in best or rank > best[sku_id][0]):
                best[sku_id] = (rank, amount)
    return {sku_id: Money(amount, buyer.currency) for sku_id, (_, amount) in best.items()}


def promotions_for(buyer: Buyer) -> list[Promotion]:
    """The promotions this buyer sees now: the store's, in their window, for everyone or their
    segment. An amount off is in the store's currency: it applies only to a buyer in that currency
    (a percentage applies in any)."""
    in_store_currency = buyer.currency == buyer.store.currency
    return [
        p
        for p in _promotions(buyer.store.pk)
        if (p.segment_id is None or p.segment_id in buyer.segment_ids)
        and (in_store_currency or p.kind == Promotion.Kind.PERCENT_OFF)
        and p.starts_at <= buyer.at
        and (p.ends_at is None or p.ends_at > buyer.at)
    ]


def _discount(promotion: Promotion, base: Money) -> Money:
    if promotion.kind == Promotion.Kind.PERCENT_OFF:
        off = (base * promotion.value * Decimal("0.01")).rounded()
    else:
        off = Money(promotion.value, base.currency)
    return min(off, base)


def _spread(amount: Money, weights: list[Money]) -> list[Money]:
    """Split ``amount`` over lines in proportion to ``weights``, in whole minor units: each share is
    rounded down and the units left over go to the largest remainders. Every share is between 0 and
    its weight, and the shares add up to ``amount`` exactly (which never exceeds their sum)."""
    unit = minor_unit(amount.currency)
    total = sum((w.amount for w in weights), Decimal(0))
    if not total:
        return [Money.zero(amount.currency) for _ in weights]
    exact = [amount.amount * w.amount / total for w in weights]
    shares = [(e // unit) * unit for e in exact]
    left_over = int((amount.amount - sum(shares)) / unit)
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)[:left_over]:
        shares[i] += unit
    return [Money(min(share, w.amount), amount.currency) for share, w in zip(shares, weights, strict=True)]


def split_amount(amount: Money, weights: list[Money]) -> list[Money]:
    """Split ``amount`` in proportion to ``weights`` to the minor unit, the shares adding up to it
    exactly (how a cart promotion is spread; also how a split order line divides its discount and tax)."""
    return _spread(amount, weights)


def tax_on(net: Money, rate: Decimal) -> Money:
    """The tax on what the customer pays for a line, at ``rate``: the one formula of every line's tax."""
    return (net * rate).rounded()


@dataclass(frozen=True)
class PricedLine:
    sku: Sku
    quantity: int
    unit_price: Money
    subtotal: Money
    discount: Money
    promotions: tuple[str, ...]
    tax: Money
    total: Money


@dataclass(frozen=True)
class Priced:
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    promotions: tuple[str, ...]

    @property
    def net(self) -> Money:
        """What the items cost after discounts, before tax and shipping."""
        return self.subtotal - self.discount


@dataclass(frozen=True)
class LineIn:
    sku: Sku
    quantity: int
    # Where the line is delivered, for its tax (a shipping address or a pickup store); blank: the
    # place given to price_lines (the billing address).
    tax_country: str = ""
    tax_region: str = ""


def _rate_in(rates: dict[tuple[str, str], Decimal], country: str, region: str) -> Decimal:
    for key in ((country, region), (country, ""), ("", "")):
        if key in rates:
            return rates[key]
    return Decimal(0)


def tax_rate(store: Store, *, country: str = "", region: str = "") -> Decimal:
    """The store's rate for a place: the most specific of (country, region), country, fallback."""
    return _rate_in(_tax_rates(store.pk), country, region)


def price_lines(
    buyer: Buyer,
    lines: Sequence[LineIn],
    *,
    shipping: Money | None = None,
    tax_country: str = "",
    tax_region: str = "",
    prices: dict[int, Money] | None = None,
) -> Priced:
    """Price ``lines`` for ``buyer``. ``prices`` may pin unit prices (an order keeps what was agreed,
    in its own currency: the lines are then priced in it)."""
    if prices:
        buyer = buyer.in_currency(next(iter(prices.values())).currency)
    unit = _unit_prices_of(buyer, lines, prices)
    promotions = promotions_for(buyer)
    drafts = _line_promotions(lines, unit, [p for p in promotions if p.target != Promotion.Target.CART])
    _spread_cart_promotion(drafts, [p for p in promotions if p.target == Promotion.Target.CART], buyer.currency)
    rates = _tax_rates(buyer.store.pk)
    priced = [
        _taxed(line, draft, unit[line.sku.pk], _rate_in(rates, *_tax_place(line, tax_country, tax_region)))
        for line, draft in zip(lines, drafts, strict=True)
    ]
    return _totals(buyer.currency, priced, shipping)


def _unit_prices_of(buyer: Buyer, lines: Sequence[LineIn], prices: dict[int, Money] | None) -> dict[int, Money]:
    """The unit price of every line (pinned, or the buyer's); refuses a bad quantity or an unpriced SKU."""
    for line in lines:
        if line.quantity < 1:
            raise DomainError(CatalogError.QUANTITY_INVALID, "Quantities must be at least 1.", status=422)
    unit = prices if prices is not None else unit_prices(buyer, [line.sku.pk for line in lines])
    missing = [line.sku.code for line in lines if line.sku.pk not in unit]
    if missing:
        raise DomainError(
            CatalogError.PRICE_MISSING,
            f"{', '.join(missing)} cannot be bought in {buyer.store.name}"
            + (f" in {buyer.currency}." if buyer.currency != buyer.store.currency else "."),
            status=409,
        )
    return unit


@dataclass
class _Draft:
    """A line on its way to being priced: its subtotal, the discounts so far and their promotions."""

    subtotal: Money
    discount: Money
    promotions: list[str]


def _line_promotions(lines: Sequence[LineIn], unit: dict[int, Money], promotions: list[Promotion]) -> list[_Draft]:
    """Step 1. Each line: its subtotal and its best product or category promotion."""
    drafts = []
    for line in lines:
        subtotal = (unit[line.sku.pk] * line.quantity).rounded()
        best, best_off = None, Money.zero(subtotal.currency)
        for promo in promotions:
            if _applies(promo, line.sku) and (off := _discount(promo, subtotal)) > best_off:
                best, best_off = promo, off
        drafts.append(_Draft(subtotal, best_off, [best.name] if best else []))
    return drafts


def _applies(promo: Promotion, sku: Sku) -> bool:
    return (promo.target == Promotion.Target.PRODUCT and promo.product_id == sku.product_id) or (
        promo.target == Promotion.Target.CATEGORY and promo.category_id == sku.product.category_id
    )


def _spread_cart_promotion(drafts: list[_Draft], promotions: list[Promotion], currency: str) -> None:
    """Step 2. The best cart promotion, spread over the lines in proportion to what is left on each."""
    remaining = [d.subtotal - d.discount for d in drafts]
    left_total = sum(remaining, Money.zero(currency))
    best, best_off = None, Money.zero(currency)
    for promo in promotions:
        if left_total and (off := _discount(promo, left_total)) > best_off:
            best, best_off = promo, off
    if best is None:
        return
    for draft, share in zip(drafts, _spread(best_off, remaining), strict=True):
        if share:
            draft.discount += share
            draft.promotions.append(best.name)


def _tax_place(line: LineIn, country: str, region: str) -> tuple[str, str]:
    """Where a line is taxed: where it is delivered, else the place given (the billing address)."""
    return (line.tax_country, line.tax_region) if line.tax_country else (country, region)


def _taxed(line: LineIn, draft: _Draft, unit_price: Money, rate: Decimal) -> PricedLine:
    """Step 3. A line's tax, at its place's rate, on what the customer pays for it."""
    net = draft.subtotal - draft.discount
    tax = tax_on(net, rate)
    return PricedLine(
        line.sku, line.quantity, unit_price, draft.subtotal, draft.discount, tuple(draft.promotions), tax, net + tax
    )


def _totals(currency: str, priced: list[PricedLine], shipping: Money | None) -> Priced:
    """Step 4. The order's totals: the lines' sums, plus shipping."""
    zero = Money.zero(currency)
    shipping = (shipping or zero).rounded()
    subtotal = sum((p.subtotal for p in priced), zero)
    discount = sum((p.discount for p in priced), zero)
    tax = sum((p.tax for p in priced), zero)
    applied = tuple(dict.fromkeys(n for p in priced for n in p.promotions))
    return Priced(
        currency, tuple(priced), subtotal, discount, shipping, tax, subtotal - discount + tax + shipping, applied
    )
