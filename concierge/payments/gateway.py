"""The built-in test gateway: deterministic outcomes, no network.

Card numbers are exchanged for tokens at once (``tokenize``); only the token, brand and last four
digits are kept. Documented test cards (docs/payments.md):

- ``4242 4242 4242 4242`` (Visa) and any other Luhn-valid number: approved.
- ``4000 0000 0000 0002``: declined ("Your card was declined.").
- ``4000 0000 0000 9995``: declined for insufficient funds.
- ``4000 0000 0000 0119``: the gateway fails to answer an authorization (an outage).
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

DECLINES = {
    "4000000000000002": ("decline", "Your card was declined."),
    "4000000000009995": ("nofunds", "Your card has insufficient funds."),
}
DECLINE_MESSAGES = {code: message for code, message in DECLINES.values()}
OUTAGE_CARD = "4000000000000119"


class GatewayUnavailable(Exception):
    """The gateway did not answer."""


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str


@dataclass(frozen=True)
class GatewayResult:
    approved: bool
    reference: str
    message: str = ""


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    checksum = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        checksum += d
    return checksum % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith("6011") or number.startswith("65"):
        return "Discover"
    return "Card"


class TestGateway:
    """Counts its calls, so tests can show that an idempotent retry reaches it once."""

    # The latest calls of this process, for tests; bounded so a long-running server does not grow.
    calls: deque[tuple[str, str, Decimal]] = deque(maxlen=1000)

    @staticmethod
    def tokenize(number: str) -> CardToken:
        outcome = "outage" if number == OUTAGE_CARD else DECLINES.get(number, ("ok", ""))[0]
        return CardToken(token=f"tok_{outcome}_{secrets.token_hex(8)}", brand=brand_of(number), last4=number[-4:])

    @classmethod
    def _call(cls, operation: str, token: str, amount: Decimal) -> GatewayResult:
        cls.calls.append((operation, token, amount))
        reference = f"{operation[:3]}_{secrets.token_hex(6)}"
        outcome = token.split("_")[1] if token.startswith("tok_") else "ok"
        if operation == "authorize" and outcome == "outage":
            raise GatewayUnavailable("the test gateway's outage card")
        if operation == "authorize" and outcome in DECLINE_MESSAGES:
            return GatewayResult(False, reference, DECLINE_MESSAGES[outcome])
        return GatewayResult(True, reference)

    @classmethod
    def authorize(cls, token: str, amount: Decimal) -> GatewayResult:
        return cls._call("authorize", token, amount)

    @classmethod
    def capture(cls, authorization: str, amount: Decimal) -> GatewayResult:
        return cls._call("capture", authorization, amount)

    @classmethod
    def reverse(cls, authorization: str, amount: Decimal) -> GatewayResult:
        return cls._call("reverse", authorization, amount)

    @classmethod
    def refund(cls, capture: str, amount: Decimal) -> GatewayResult:
        return cls._call("refund", capture, amount)
