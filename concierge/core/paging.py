"""Pages numbered from 1: what a result page says about the pages beside it."""

from __future__ import annotations


class NumberedPages:
    """A mixin for a result page (a dataclass with ``page`` and ``pages``, 1-based)."""

    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
