"""The lease tokens a browser holds, for both faces: one store in the (server-side) session.

A lease (``core/leases.py``) is granted with a token that every write under it must carry. A
browser keeps the tokens of the carts and orders its user has locked here, keyed by kind and row
id, so that the storefront (an agent's cart lock) and the console (an order open for editing) read
and forget them the same way; ending an assisted session or signing out forgets them all.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest

SESSION_KEY = "leases"

Kind = Literal["cart", "order", "customer"]


def _key(kind: Kind, row_id: int) -> str:
    return f"{kind}:{row_id}"


def held_token(request: HttpRequest, kind: Kind, row_id: int) -> str | None:
    """The token this browser holds for the ``kind`` row ``row_id``, if any."""
    tokens: dict[str, str] = request.session.get(SESSION_KEY, {})
    return tokens.get(_key(kind, row_id))


def remember(request: HttpRequest, kind: Kind, row_id: int, token: str) -> None:
    held = dict(request.session.get(SESSION_KEY, {}))
    if held.get(_key(kind, row_id)) != token:
        held[_key(kind, row_id)] = token
        request.session[SESSION_KEY] = held


def forget(request: HttpRequest, kind: Kind, row_id: int) -> None:
    held = dict(request.session.get(SESSION_KEY, {}))
    if held.pop(_key(kind, row_id), None) is not None:
        request.session[SESSION_KEY] = held


def forget_all(request: HttpRequest, kind: Kind | None = None) -> None:
    """Every token this browser holds, or every one of ``kind`` (the assisted session ended: its
    cart locks; the user signed out: everything)."""
    held = request.session.get(SESSION_KEY, {})
    kept = {} if kind is None else {key: token for key, token in held.items() if not key.startswith(f"{kind}:")}
    if kept != held:
        request.session[SESSION_KEY] = kept
