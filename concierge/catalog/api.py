"""The catalog: keyword search and product pages, priced for the caller."""

from __future__ import annotations

from decimal import Decimal
from typing import overload

from ninja import Query, Router, Schema
from pydantic import Field

from concierge.api.auth import identify
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, Out
from concierge.api.types import ShortText
from concierge.catalog import selectors
from concierge.catalog.errors import CatalogError
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core.errors import DomainError, NotFound
from concierge.core.money import Money
from concierge.core.requests import ConciergeRequest

router = Router(tags=["catalog"])


class MoneyOut(Out):
    amount: Decimal
    currency: str
    formatted: str


@overload
def money_out(value: Money, locale: str) -> MoneyOut: ...
@overload
def money_out(value: Money | None, locale: str) -> MoneyOut | None: ...
def money_out(value: Money | None, locale: str) -> MoneyOut | None:
    if value is None:
        return None
    rounded = value.rounded()
    return MoneyOut(amount=rounded.amount, currency=rounded.currency, formatted=rounded.format(locale))


class ProductCardOut(Schema):
    slug: str
    name: str
    category: str
    from_price: MoneyOut | None
    promotions: list[str]


class SearchOut(Schema):
    total: int
    more: bool = Field(description="More products match than total (the count stops at 1,000).")
    items: list[ProductCardOut]


class SearchIn(Schema):
    q: ShortText
    limit: int = Field(24, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class SkuOut(Schema):
    id: int
    code: str
    name: str
    options: dict[str, str]
    kind: str
    in_stock: bool
    price: MoneyOut | None


class ProductOut(ProductCardOut):
    description: str
    skus: list[SkuOut]


@router.get("/catalog/search", response={200: SearchOut, **ERRORS_AUTH, **ERRORS_INPUT}, auth=None)
def catalog_search(request: ConciergeRequest, params: Query[SearchIn]) -> SearchOut:
    """Products matching every word of ``q`` (by prefix), priced for the caller."""
    identify(request)
    buyer = buyer_for(request.ctx)
    cards, total, more = selectors.search(buyer, params.q, limit=params.limit, offset=params.offset)
    return SearchOut(total=total, more=more, items=[_card(card, buyer.locale) for card in cards])


@router.get(
    "/catalog/products/{slug}", response={200: ProductOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}, auth=None
)
def catalog_product(request: ConciergeRequest, slug: ShortText) -> ProductOut:
    identify(request)
    try:
        product = selectors.product_detail(slug)
    except NotFound as exc:
        raise DomainError(CatalogError.PRODUCT_NOT_FOUND, "No such product.", status=404) from exc
    buyer = buyer_for(request.ctx)
    [card] = selectors.product_cards(buyer, [product])
    skus = list(product.skus.all())
    prices = unit_prices(buyer, [s.pk for s in skus])
    return ProductOut(
        **_card(card, buyer.locale).model_dump(),
        description=product.description,
        skus=[
            SkuOut(id=s.pk, code=s.code, name=s.name, options={k: str(v) for k, v in s.options.items()}, kind=s.kind,
                   in_stock=s.is_digital or not s.track_stock or s.stock_on_hand > 0,
                   price=money_out(prices.get(s.pk), buyer.locale))
            for s in skus
        ],
    )  # fmt: skip


def _card(card: selectors.ProductCard, locale: str) -> ProductCardOut:
    return ProductCardOut(
        slug=card.product.slug,
        name=card.product.name,
        category=card.product.category.name,
        from_price=money_out(card.from_price, locale),
        promotions=list(card.promotions),
    )
