"""Keyword search over name, description and SKU code."""

import pytest

from concierge.catalog.search import search_products, words
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_words_are_lower_case_without_accents():
    assert words("Café Crème-Blend 250g") == ["cafe", "creme", "blend", "250g"]


def test_search_matches_every_word_by_prefix(store):
    factories.product(store=store, name="Trail Runner Shoe")
    factories.product(store=store, name="Road Runner Shoe")
    factories.product(store=store, name="Trail Jacket", category="Outerwear")
    assert [p.name for p in search_products("trail run")] == ["Trail Runner Shoe"]
    assert [p.name for p in search_products("RUNNER")] == ["Road Runner Shoe", "Trail Runner Shoe"]


def test_search_finds_a_sku_code_and_ignores_accents(store):
    factories.product(store=store, name="Crème Brûlée Kit", sku_code="KIT-4471")
    assert [p.name for p in search_products("kit-4471")] == ["Crème Brûlée Kit"]
    assert [p.name for p in search_products("creme brulee")] == ["Crème Brûlée Kit"]


def test_an_empty_query_finds_nothing(store):
    factories.product(store=store)
    assert list(search_products("  !! ")) == []
