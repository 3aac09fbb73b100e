"""Who holds rows for an account: the domains above customers report, through this registry, what
blocks Delete Account (purchases), what refers to an account and is kept for the audit (in use), and
delete the rows they own for accounts being deleted.

Customers sits below orders, payments, checkout, carts, catalog and assist, so it may not import
them; each of them registers its holder here in its ``AppConfig.ready()`` instead. ``holders()``
fails loudly when an expected domain did not register, so a domain cannot silently stop counting
purchases (and let an account with orders be deleted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

Ids = Sequence[int]

# The domains that hold rows for accounts, in the order their reasons are named ("3 orders and
# 1 payment and checkouts on record").
EXPECTED = ("orders", "payments", "checkout", "catalog", "carts", "assist")


def _nothing(ids: Ids) -> dict[int, list[str]]:
    return {}


def _no_rows(ids: Ids) -> dict[int, dict[str, int]]:
    return {}


def _not_in_use(ids: Ids) -> list[str]:
    return []


@dataclass(frozen=True)
class AccountHolder:
    """One domain's part in Delete Account.

    ``purchases(ids)`` -> ``{account_id: ["3 orders", ...]}``, only for accounts with purchases.
    ``delete(ids)`` deletes the domain's rows for those accounts and returns
    ``{account_id: {"price_lists": 2}}`` for the audit (ids and counts, never rows).
    ``in_use(ids)`` names the kinds of kept records that refer to any of them ("assisted sessions").
    """

    name: str
    purchases: Callable[[Ids], dict[int, list[str]]] = _nothing
    delete: Callable[[Ids], dict[int, dict[str, int]]] = _no_rows
    in_use: Callable[[Ids], list[str]] = _not_in_use


_registry: dict[str, AccountHolder] = {}


def register(holder: AccountHolder) -> None:
    """Called from a domain's ``AppConfig.ready()``; registering again replaces (a reload)."""
    _registry[holder.name] = holder


def registered_names() -> list[str]:
    return sorted(_registry)


def holders() -> list[AccountHolder]:
    """Every holder, expected ones first in ``EXPECTED`` order; refuses to answer with one missing."""
    missing = [name for name in EXPECTED if name not in _registry]
    if missing:
        raise ImproperlyConfigured(
            f"Account holders not registered: {', '.join(missing)}. Each registers in its AppConfig.ready()."
        )
    rest = sorted(name for name in _registry if name not in EXPECTED)
    return [_registry[name] for name in (*EXPECTED, *rest)]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
