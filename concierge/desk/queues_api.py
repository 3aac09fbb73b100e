"""The desk's queues in the API: held orders, refunds awaiting approval, locked orders and carts, live
assisted sessions."""

from __future__ import annotations

from ninja import Router

from concierge.api.schemas import ERRORS_AUTH

router = Router(tags=["supervisor's desk"])

# Every desk route answers 401/403 with the API's error shape.
DESK_ERRORS = ERRORS_AUTH
