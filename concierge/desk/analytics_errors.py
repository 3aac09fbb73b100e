"""The codes a request for the desk's figures is refused with (documented in docs/errors.md)."""

from enum import StrEnum


class AnalyticsError(StrEnum):
    PERIOD_INVALID = "desk.period_invalid"
    DATES_INVALID = "desk.dates_invalid"
