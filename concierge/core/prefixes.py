"""Prefix search by index on both databases."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q


def starts_with(field: str, value: str) -> Q:
    """``field`` starts with ``value``, in a form each database answers from a B-tree index on the
    (lowercase, BINARY) search-key column: PostgreSQL's LIKE 'value%' on a varchar_pattern_ops index;
    on SQLite a range, since its LIKE is case-insensitive and so never uses the index."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": value})
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + "\U0010ffff"})
