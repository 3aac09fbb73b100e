"""The holders of a customer's data, for Remove customer data (RELIABILITY bar 25).

The customers domain sits below orders, payments, returns and assist, so it cannot reach into
their tables. Each of those domains keeps copies of a customer's name, email, phone or street, and
erases its own copies: it registers a :class:`DataHolder` here in its ``AppConfig.ready()``, and
:func:`concierge.customers.privacy.customer_erase` calls every holder inside its transaction.

A holder gives up to three things:

* ``values(customer)`` — the text naming the customer that it keeps (so the whole erasure knows
  every value to look for, refuses a reason naming them, and redacts the audit log of them);
* ``subjects(customer)`` — the audit subjects that are the customer's (their orders …);
* ``erase(customer, erased)`` — blank or delete its copies; answers the counts by kind.

:data:`EXPECTED_HOLDERS` names the domains that must have registered: erasure refuses to run
(loudly) when one is missing, so a domain cannot silently stop erasing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

if TYPE_CHECKING:
    from concierge.customers.models import Customer

# In the order their parts are reported (the supervisor's message and the audit event's counts).
EXPECTED_HOLDERS: tuple[str, ...] = ("orders", "returns", "payments", "assist", "presence")


def mentions_any(fields: Iterable[str], values: Iterable[str]) -> Q:
    """Rows whose ``fields`` contain any of ``values`` (case-insensitive); none when no values."""
    where = Q(pk__in=[])
    values = list(values)
    for name in fields:
        for value in values:
            where |= Q(**{f"{name}__icontains": value})
    return where


@dataclass(frozen=True, slots=True)
class ErasedValues:
    """Every piece of text naming the customer being erased (names, emails, phones, streets)."""

    values: tuple[str, ...]

    def mentioning(self, *fields: str) -> Q:
        """Rows whose free-text ``fields`` mention the customer (a note, a comment …)."""
        return mentions_any(fields, self.values)

    @property
    def telling(self) -> list[str]:
        """Only what names this customer for sure in a table of every customer (an email address, a
        full name, a phone number, a street), not a first name alone that another may share."""
        return [v for v in self.values if " " in v or "@" in v or any(ch.isdigit() for ch in v)]

    @property
    def emails(self) -> list[str]:
        return [v for v in self.values if "@" in v]


class Eraser(Protocol):
    def __call__(self, customer: Customer, erased: ErasedValues) -> dict[str, int]:
        """Blank or delete the holder's copies of the customer's data; the counts by kind."""
        ...


@dataclass(frozen=True, slots=True)
class DataHolder:
    name: str
    erase: Eraser
    values: Callable[[Customer], Iterable[str]] | None = None
    subjects: Callable[[Customer], Iterable[tuple[str, str]]] | None = None


_HOLDERS: dict[str, DataHolder] = {}


def register_eraser(
    name: str,
    erase: Eraser,
    *,
    values: Callable[[Customer], Iterable[str]] | None = None,
    subjects: Callable[[Customer], Iterable[tuple[str, str]]] | None = None,
) -> None:
    """Register (or replace, on a reload) the holder ``name``; called from an ``AppConfig.ready()``."""
    _HOLDERS[name] = DataHolder(name, erase, values, subjects)


def registered_names() -> list[str]:
    return list(_HOLDERS)


def data_holders() -> list[DataHolder]:
    """The holders to erase, expected ones first in their order; refuses if an expected one is
    missing, so that no domain's copies are silently left behind."""
    missing = [name for name in EXPECTED_HOLDERS if name not in _HOLDERS]
    if missing:
        raise ImproperlyConfigured(
            f"Customer data holders not registered: {', '.join(missing)}. Each registers its eraser in its "
            "AppConfig.ready() (concierge.customers.erasure.register_eraser)."
        )
    others = [name for name in _HOLDERS if name not in EXPECTED_HOLDERS]
    return [_HOLDERS[name] for name in (*EXPECTED_HOLDERS, *others)]
