"""Bar 6: every route whose name looks sensitive is refused on behalf, or reviewed as safe."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from concierge.api.main import api
from concierge.assist.policies import REVIEWED_ALLOWED

SENSITIVE = re.compile(r"password|email|token|delete|export|card|payment|security|consent|assistance|mfa|phone")


def html_routes() -> Iterator[tuple[str, object]]:
    def walk(patterns: list, namespace: str) -> Iterator[tuple[str, object]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api"}:
                    continue  # the admin is staff-only; the API is walked below
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", pattern.callback

    yield from walk(get_resolver().url_patterns, "")


def api_routes() -> Iterator[tuple[str, object]]:
    for _, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                name = operation.view_func.__name__
                yield f"api:{name} {path}", operation.view_func


def test_every_sensitive_route_is_tagged_or_reviewed():
    untagged = []
    for name, view in [*html_routes(), *api_routes()]:
        if not SENSITIVE.search(name):
            continue
        reviewed = name.split(" ")[0] in REVIEWED_ALLOWED
        if getattr(view, "on_behalf_denied", None) is None and not reviewed:
            untagged.append(name)
    assert untagged == [], "tag these with not_on_behalf, or review them in REVIEWED_ALLOWED"


def test_the_walk_sees_the_routes_it_guards():
    names = {name.split(" ")[0] for name, _ in [*html_routes(), *api_routes()]}
    assert {"storefront:security", "api:token_create", "api:token_list", "storefront:payment_methods"} <= names
