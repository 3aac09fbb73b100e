from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from concierge.catalog.models import Category, Product, Sku
from concierge.catalog.pricing import Buyer, promotions_for, unit_prices
from concierge.catalog.search import search_page
from concierge.core.errors import NotFound
from concierge.core.money import Money


@dataclass(frozen=True)
class ProductCard:
    """A product as a list shows it: its lowest price for the buyer and the promotions on it."""

    product: Product
    from_price: Money | None
    promotions: tuple[str, ...]


def _active_skus() -> Prefetch[str, QuerySet[Sku], str]:
    return Prefetch("skus", queryset=Sku.objects.filter(is_active=True).order_by("id"))


def product_cards(buyer: Buyer, products: QuerySet[Product] | list[Product]) -> list[ProductCard]:
    """Cards for ``products`` with prices and promotions resolved for ``buyer`` (3 queries in all)."""
    products = list(products.prefetch_related(_active_skus()) if isinstance(products, QuerySet) else products)
    prices = unit_prices(buyer, [sku.pk for p in products for sku in p.skus.all()])
    promotions = promotions_for(buyer)
    cards = []
    for product in products:
        sku_prices = [prices[s.pk] for s in product.skus.all() if s.pk in prices]
        names = tuple(
            promo.name
            for promo in promotions
            if promo.product_id == product.pk or (promo.category_id and promo.category_id == product.category_id)
        )
        cards.append(ProductCard(product, min(sku_prices) if sku_prices else None, names))
    return cards


def search(buyer: Buyer, query: str, *, limit: int = 24, offset: int = 0) -> tuple[list[ProductCard], int, bool]:
    """A page of cards, the number of matches, and whether there are more than that number."""
    page = search_page(query, limit=limit, offset=offset)
    return product_cards(buyer, page.products), page.total, page.more


def category_products(buyer: Buyer, category: Category, *, limit: int = 24) -> list[ProductCard]:
    return product_cards(
        buyer, Product.objects.filter(category=category, is_active=True).select_related("category")[:limit]
    )


def product_detail(slug: str) -> Product:
    product = (
        Product.objects.select_related("category")
        .prefetch_related(_active_skus())
        .filter(slug=slug, is_active=True)
        .first()
    )
    if product is None:
        raise NotFound("No such product.")
    return product


def categories() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True).order_by("name")


def newest_by_category(*, per_category: int, limit: int) -> list[Product]:
    """The newest products of each top category, taken in turn, so a page shows the range."""
    columns = [
        list(
            Product.objects.filter(category__in=[c, *c.children.all()], is_active=True)
            .select_related("category")
            .order_by("-created_at", "-id")[:per_category]
        )
        for c in categories()
    ]
    mixed = [column[i] for i in range(per_category) for column in columns if i < len(column)]
    return mixed[:limit]
