"""Where a form sends the browser back to: the one safe-redirect rule of both faces.

A ``next`` value comes from the page (or from an attacker's link): only a path on this site is
followed, never another host or scheme; anything else falls back to a default page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, candidate: str | None, *, default: str, under: str = "") -> str:
    """``candidate`` if it is a URL of this site (and starts with ``under``, when given), else the
    URL of ``default`` (a URL name or path)."""
    candidate = candidate or ""
    if (
        candidate
        and "\x00" not in candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and candidate.startswith(under)
    ):
        return candidate
    return resolve_url(default)


def redirect_back(request: HttpRequest, *, default: str, under: str = "", field: str = "next") -> HttpResponseRedirect:
    """Redirect to the ``next`` the form posted (or the query string carries), if safe."""
    candidate = request.POST.get(field) or request.GET.get(field)
    return HttpResponseRedirect(safe_next(request, candidate, default=default, under=under))
