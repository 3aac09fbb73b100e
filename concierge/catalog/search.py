"""Keyword search over product names, descriptions, categories and SKU codes.

Words are normalised (lower case, accents removed) into ``SearchTerm`` rows; a query matches the
products that have, for every query word, a term starting with it (docs/adr/0005-keyword-search.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

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


def query_words(query: str) -> list[str]:
    # The index holds no one-letter words (but digits), so neither does a query.
    return [w for w in dict.fromkeys(words(query)) if len(w) >= 2 or w.isdigit()][:MAX_QUERY_WORDS]


COUNT_CAP = 1000  # beyond this, a search reports "1,000+" rather than counting every match


@dataclass(frozen=True)
class SearchPage:
    products: list[Product]
    total: int
    more: bool  # more than ``total`` match (the count was capped)


def search_page(query: str, *, limit: int, offset: int) -> SearchPage:
    """One page of the active products that have, for every query word, a term starting with it.

    The words' product ids are intersected in the database (index-only scans) and at most
    ``COUNT_CAP + 1`` of them fetched. Up to the cap, only those products are sorted and paged;
    beyond it, active products are walked in name order with an EXISTS per word, which stops after
    one page, and the total reads "1,000+" (docs/adr/0005-keyword-search.md).
    """
    found = query_words(query)
    if not found:
        return SearchPage([], 0, False)
    parts = [_prefix_filter(word).values_list("product_id", flat=True) for word in found]
    matched = parts[0].distinct() if len(parts) == 1 else parts[0].intersection(*parts[1:])
    ids = list(matched[: COUNT_CAP + 1])
    active = Product.objects.filter(is_active=True).select_related("category").order_by("name", "id")
    if len(ids) <= COUNT_CAP:
        matches = active.filter(id__in=ids)
        return SearchPage(list(matches[offset : offset + limit]), matches.count() if ids else 0, False)
    for word in found:
        active = active.filter(Exists(_prefix_filter(word).filter(product=OuterRef("pk"))))
    return SearchPage(list(active[offset : offset + limit]), COUNT_CAP, True)


def search_products(query: str) -> QuerySet[Product]:
    """Active products matching every word of ``query`` (by prefix), by name. Empty query: none."""
    found = query_words(query)
    if not found:
        return Product.objects.none()
    matches = Product.objects.filter(is_active=True)
    for word in found:
        matches = matches.filter(Exists(_prefix_filter(word).filter(product=OuterRef("pk"))))
    return matches.select_related("category").order_by("name", "id")
