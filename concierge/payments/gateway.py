"""The built-in test gateway: deterministic outcomes, no network.

Card numbers are exchanged for tokens at once (``tokenize``); only the token, brand and last four
digits are kept. Documented test cards (docs/payments.md):

- ``4242 4242 4242 4242`` (Visa) and any other Luhn-valid number: approved.
- ``4000 0000 0000 0002``: declined ("Your card was declined.").
- ``4000 0000 0000 9995``: declined for insufficient funds.
- ``4000 0000 0000 0119``: the gateway fails to answer an authorization (an outage).
- ``4000 0000 0000 3303``: the refund decline card. Authorizing and capturing are approved; every
  refund to it (of its capture, or a credit to the card) is declined ("The card issuer declined
  the refund.").

Refunds are partial or whole: a refund of a capture is refused above the captured amount (the
capture's reference carries it, so the check needs no state and holds across processes). What was
already refunded of a capture is Concierge's to count: ``Refund`` reserves it in the database.
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
REFUND_DECLINE_CARD = "4000000000003303"
REFUND_DECLINE_MESSAGE = "The card issuer declined the refund."


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
        if number == OUTAGE_CARD:
            outcome = "outage"
        elif number == REFUND_DECLINE_CARD:
            outcome = "norefund"
        else:
            outcome = DECLINES.get(number, ("ok", ""))[0]
        return CardToken(token=f"tok_{outcome}_{secrets.token_hex(8)}", brand=brand_of(number), last4=number[-4:])

    @staticmethod
    def _outcome(token: str) -> str:
        """The test outcome a token carries, or that the authorization or capture made from a
        refund decline card carries on (their references keep it: ``aut_norefund_…``)."""
        parts = token.split("_")
        if parts[0] == "tok" and len(parts) >= 3:
            return parts[1]
        if parts[0] in {"aut", "cap"} and len(parts) >= 3 and parts[1] == "norefund":
            return "norefund"
        return "ok"

    @staticmethod
    def _captured_cents(capture: str) -> int | None:
        """The amount a capture's reference carries (``cap_…_<cents>``); None for older references."""
        last = capture.rsplit("_", 1)[-1]
        return int(last) if capture.startswith("cap_") and capture.count("_") >= 2 and last.isdigit() else None

    @classmethod
    def _call(cls, operation: str, token: str, amount: Decimal) -> GatewayResult:
        cls.calls.append((operation, token, amount))
        outcome = cls._outcome(token)
        carried = "norefund_" if outcome == "norefund" else ""
        reference = f"{operation[:3]}_{carried}{secrets.token_hex(6)}"
        if operation == "capture":
            reference += f"_{int(amount * 100)}"
        if operation == "authorize" and outcome == "outage":
            raise GatewayUnavailable("the test gateway's outage card")
        if operation == "authorize" and outcome in DECLINE_MESSAGES:
            return GatewayResult(False, reference, DECLINE_MESSAGES[outcome])
        if operation in {"refund", "credit"} and outcome == "norefund":
            return GatewayResult(False, reference, REFUND_DECLINE_MESSAGE)
        if operation == "refund" and (cents := cls._captured_cents(token)) is not None and amount * 100 > cents:
            return GatewayResult(False, reference, "The refund is more than was captured.")
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
        """Refund ``amount`` (all or part) of the capture whose reference is ``capture``."""
        return cls._call("refund", capture, amount)

    @classmethod
    def credit(cls, token: str, amount: Decimal) -> GatewayResult:
        """Pay ``amount`` to a card on file by its token (a refund to another payment source)."""
        return cls._call("credit", token, amount)
