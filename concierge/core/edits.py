"""What every guarded edit carries (DESIGN.md principle 4; RELIABILITY bars 11-13 and 29).

An edit of a leased record — an order in the console (``orders/editing.py::order_edit``), a customer
or account record (``customers/editing.py::customer_edit``) — names the version its editor loaded and
the token of the lock they hold, or is Concierge itself (:data:`SYSTEM`, only from
``ActingContext.system(...)``). There is no optional guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


class Then(StrEnum):
    """What happens to the editor's lock once the change commits."""

    RELEASE = "release"  # a save: "the system automatically unlocks the given order" (seed 004)
    KEEP = "keep"  # one step of a longer edit (release, cancel a shipment): the lock stays


@dataclass(frozen=True, slots=True)
class EditGuard:
    """What a console edit carries: the version its page (or ``If-Match``) loaded and the token of
    the lock its editor holds. Both are required; ``None`` or "" is refused, never skipped."""

    version: int | None
    lease_token: str | None


@dataclass(frozen=True, slots=True)
class SystemChange:
    """A change Concierge makes by itself, with no person's lock to check (only a system context)."""


SYSTEM = SystemChange()
Guard = EditGuard | SystemChange


def is_system(ctx: ActingContext) -> bool:
    """Work no person started: no user, and a system label naming it."""
    return ctx.user is None and bool(ctx.system_label)


def version_of(value: str | None) -> int:
    """The version an edit names — a page's hidden field or ``If-Match`` ("3", '"3"', 'W/"3"').
    Raises ``ValueError`` for anything else; callers turn it into their domain's 412."""
    return int(str(value).strip().removeprefix("W/").strip('"'))
