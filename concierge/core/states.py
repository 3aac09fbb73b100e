"""Explicit state machines: one table of allowed transitions per model, one way to move."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from concierge.core.errors import DomainError


class StateMachine:
    """For a model with a ``status`` field of ``Status`` choices and an ``ALLOWED_TRANSITIONS`` map.

    An illegal move raises ``TRANSITION_ERROR`` with a message naming both states; it is never a
    silent no-op.
    """

    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]]
    TRANSITION_ERROR: ClassVar[StrEnum]
    NOUN: ClassVar[str]
    Status: Any
    status: str

    def can_transition_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, status: str) -> None:
        if not self.can_transition_to(status):
            raise DomainError(
                self.TRANSITION_ERROR,
                f"{self.NOUN} that is {self.Status(self.status).label} cannot become {self.Status(status).label}.",
                status=409,
            )
        self.status = status
