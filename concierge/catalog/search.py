"""Keyword search over product names, descriptions, categories and SKU codes.

Words are normalised (lower case, accents removed) into ``SearchTerm`` rows; a query matches the
products that have, for every query word, a term starting with it (docs/adr/0005-keyword-search.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from concierge.catalog.models import Product, SearchTerm

_WORD = re.compile(r"[a-z0-9]+")
MAX_WORD = 40
MAX_QUERY_WORDS = 6


def words(text: str) -> list[str]:
    """``"Café Crème-Blend 250g"`` → ``["cafe", "creme", "blend", "250g"]``."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return [w[:MAX_WORD] for w in _WORD.findall(plain)]


def product_words(product: Product) -> set[str]:
    parts: list[str] = [product.name, product.description, product.category.name]
    for sku in product.skus.all():
        parts.extend([sku.code, sku.name, *map(str, sku.options.values())])
    return {w for part in parts for w in words(part) if len(w) >= 2 or w.isdigit()}


def index_products(products: Iterable[Product]) -> None:
    """Rebuild the keyword index of ``products`` (call after creating or changing them)."""
    products = list(products)
    with transaction.atomic():
        SearchTerm.objects.filter(product__in=products).delete()
        SearchTerm.objects.bulk_create(
            [SearchTerm(word=w, product=p) for p in products for w in sorted(product_words(p))], batch_size=2000
        )


def _prefix_filter(word: str) -> QuerySet[SearchTerm]:
    if connection.vendor == "postgresql":
        return SearchTerm.objects.filter(word__startswith=word)  # LIKE 'word%' on varchar_pattern_ops
    # SQLite: LIKE is case-insensitive and skips the index; a range on the BINARY-collated column
    # does not. Words are [a-z0-9], so every word with this prefix sorts below prefix + "{".
    return SearchTerm.objects.filter(word__gte=word, word__lt=word + "{")


def search_products(query: str) -> QuerySet[Product]:
    """Active products matching every word of ``query`` (by prefix), by name. Empty query: none."""
    # The index holds no one-letter words (but digits), so neither does a query.
    query_words = [w for w in dict.fromkeys(words(query)) if len(w) >= 2 or w.isdigit()][:MAX_QUERY_WORDS]
    if not query_words:
        return Product.objects.none()
    products = Product.objects.filter(is_active=True)
    for word in query_words:
        products = products.filter(id__in=_prefix_filter(word).values("product_id"))
    return products.select_related("category").order_by("name", "id")
