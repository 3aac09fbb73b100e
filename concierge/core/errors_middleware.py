"""The safety net every request passes: its request id on every log line, refusals of input no
view should ever see (a body over the size limit, a NUL character), and styled error pages.

- :class:`RequestSafetyMiddleware` runs right after ``RequestIdMiddleware``. It puts the request id
  where :class:`RequestIdLogFilter` finds it, answers 413 for a body over
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and 400 for a NUL character in an HTML face's query or form
  parameter, naming the field, and gives the HTML faces' bare 4xx answers (a GET
  on a POST-only URL, an empty 403) the site's error page.
- :func:`bad_request`, :func:`permission_denied`, :func:`page_not_found` and :func:`server_error`
  are the ``handler400/403/404/500`` of ``concierge.urls``. The 500 page is rendered without the
  request's context processors, so it needs no database.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse

from concierge.core.errors import CommonError

logger = logging.getLogger("concierge.request")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("concierge_request_id", default="-")
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("concierge_request", default=None)

API_PREFIX = "/api/"
CONSOLE_PREFIX = "/service/"
NUL = "\x00"

# What each styled page says; the request's own explanation (a named field) goes under it.
PAGES: dict[int, tuple[str, str]] = {
    400: ("This request could not be understood", "Something in what was sent is not valid."),
    403: ("You cannot open this page", "Your account does not have access to it."),
    404: ("Page not found", "There is nothing at this address. It may have moved, or the link may be wrong."),
    405: ("This page cannot be opened that way", "This address only takes a form submission from its page."),
    413: ("What was sent is too large", "The request is larger than Concierge accepts."),
    500: ("Something went wrong on our side", "The error has been logged. Try again in a moment."),
}


def current_request_id() -> str:
    """The id of the request being served in this thread or task ("-" outside a request)."""
    return _request_id.get()


def current_request() -> HttpRequest | None:
    """The request being served (for display: whose locale and store), or None outside one."""
    return _request.get()


class RequestIdLogFilter(logging.Filter):
    """Gives every log record a ``request_id``: the record's request's, else the current one's."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id()
        return True


def body_limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _limit_text(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


def too_large_message() -> str:
    return f"The request body is larger than the limit of {_limit_text(body_limit())}."


def nul_message(field: str) -> str:
    return f"“{field}” contains a NUL character (\\0), which is not allowed. Remove it and try again."


def _nul_fields(request: HttpRequest) -> list[str]:
    """The names of the query and form fields of ``request`` that hold a NUL character.

    Not for the API: its schemas' text types refuse NUL themselves (``api/types.py``), field by
    field, and say so in the OpenAPI document; keys it does not declare are ignored there."""
    found: list[str] = []
    sources = [request.GET]
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values if isinstance(value, str)):
                found.append(key.replace(NUL, "\\0"))
    return found


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse({"code": str(code), "message": message, "fields": fields or {}}, status=status)


class RequestSafetyMiddleware:
    """See the module docstring. Place it right after ``RequestIdMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_id.set(getattr(request, "request_id", "") or "-")
        request_token = _request.set(request)
        try:
            response = self._refusal(request) or self.get_response(request)
            if not is_api(request) and _is_bare(response):
                response = _styled(request, response)
            return response
        finally:
            _request.reset(request_token)
            _request_id.reset(token)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = body_limit()
        try:
            if limit and declared > limit:
                raise RequestDataTooBig(too_large_message())
            if not is_api(request):
                request.POST  # noqa: B018 - read the form here, where an over-long one is refused cleanly
        except RequestDataTooBig:
            logger.warning("Refused %s %s: body of %s bytes over the limit", request.method, request.path, declared)
            if is_api(request):
                return api_error(413, CommonError.REQUEST_TOO_LARGE, too_large_message())
            return error_page(request, 413, detail=too_large_message(), plain=True)
        except TooManyFieldsSent:
            message = f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields."
            if is_api(request):
                return api_error(413, CommonError.REQUEST_TOO_LARGE, message)
            return error_page(request, 413, detail=message, plain=True)
        return None

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """A NUL in a query or form field: a 400 naming the field, unless the view shows field
        errors for it itself (``core.forms.checks_text``)."""
        if is_api(request) or getattr(view_func, "checks_text", False):
            return None
        if not (fields := _nul_fields(request)):
            return None
        return error_page(request, 400, detail=" ".join(nul_message(field) for field in fields), plain=True)


def _is_bare(response: HttpResponse) -> bool:
    """A 4xx of an HTML face without a page of its own (``require_POST``'s empty 405, a bare 403)."""
    if response.status_code not in PAGES or response.status_code >= 500 or response.streaming:
        return False
    return not response.content.strip()


def _styled(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    styled = error_page(request, response.status_code)
    if response.has_header("Allow"):
        styled["Allow"] = response["Allow"]
    return styled


def _home(request: HttpRequest | None) -> tuple[str, str]:
    """Where the page links back to: the Customer Service page from the console, else the store."""
    if request is not None and request.path.startswith(CONSOLE_PREFIX):
        return reverse("service:home"), "Go to the Customer Service page"
    return reverse("storefront:home"), "Go to the home page"


def _context(request: HttpRequest | None, status: int, detail: str) -> dict[str, Any]:
    title, message = PAGES.get(status, PAGES[400])
    home_url, home_label = _home(request)
    console = request is not None and request.path.startswith(CONSOLE_PREFIX)
    return {
        "status": status,
        "title": title,
        "message": message,
        "detail": detail,
        "home_url": home_url,
        "home_label": home_label,
        "layout": "service/base.html" if console else "storefront/base.html",
        "request_id": getattr(request, "request_id", "") if request is not None else "",
    }


def error_page(request: HttpRequest, status: int, *, detail: str = "", plain: bool = False) -> HttpResponse:
    """The styled page for ``status`` in the face's layout; the plain layout (site styles, a link
    home, no database) when ``plain`` (refusals made before the session and the acting context are
    loaded) or when the face's layout cannot render."""
    context = _context(request, status, detail)
    if plain:
        return HttpResponse(loader.render_to_string("errors/plain.html", context), status=status)
    try:
        html = loader.render_to_string("errors/page.html", context, request=request)
    except Exception:
        logger.exception("The %s page could not render in its layout; answering the plain one", status)
        html = loader.render_to_string("errors/plain.html", context)
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(400, CommonError.REQUEST_INVALID, "The request is not valid.")
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(403, CommonError.PERMISSION_DENIED, "You do not have permission to do that.")
    return error_page(request, 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without its token (an old page, another site)."""
    if is_api(request):
        return api_error(403, CommonError.CSRF_FAILED, "The CSRF token is missing or wrong.")
    detail = "This form has expired or did not come from this site. Go back, reload the page and send it again."
    return error_page(request, 403, detail=detail)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(404, CommonError.NOT_FOUND, "Not found.")
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no context processors, no session, no database — only the request id."""
    context = _context(request, 500, "")
    if is_api(request):
        message = "Something went wrong on our side. It has been logged."
        return api_error(500, CommonError.SERVER_ERROR, f"{message} Request id: {context['request_id']}.")
    return HttpResponse(loader.render_to_string("errors/plain.html", context), status=500)
