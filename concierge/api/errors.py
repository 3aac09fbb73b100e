"""One error shape for the whole API: ``{"code", "message", "fields"}``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from concierge.core.errors import CommonError, DomainError
from concierge.core.errors_middleware import too_large_message

logger = logging.getLogger("concierge.api")

STATUS_CODES: dict[int, tuple[str, str]] = {
    400: (CommonError.REQUEST_INVALID, "The request is not valid."),
    401: (CommonError.AUTH_REQUIRED, "Authentication is required: sign in or send an API token."),
    403: (CommonError.PERMISSION_DENIED, "You do not have permission to do that."),
    404: (CommonError.NOT_FOUND, "Not found."),
    405: (CommonError.METHOD_NOT_ALLOWED, "This method is not allowed here."),
    413: (CommonError.REQUEST_TOO_LARGE, "The request body is over the size limit."),
    422: (CommonError.REQUEST_INVALID, "The request is not valid."),
    429: (CommonError.AUTH_THROTTLED, "Too many requests. Try again later."),
}


def error_response(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse({"code": str(code), "message": message, "fields": fields or {}}, status=status)


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any path under /api/ that no route matches."""
    return error_response(404, CommonError.NOT_FOUND, "No API endpoint at this path.")


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in {"body", "query", "path", "header", "payload"}]
        key = ".".join(loc) or "__all__"
        fields.setdefault(key, []).append(str(error.get("msg", "Invalid value.")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return JsonResponse(exc.as_dict(), status=exc.status)

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            422, CommonError.REQUEST_INVALID, "The request is not valid.", _validation_fields(exc.errors)
        )

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, *STATUS_CODES[401])

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and "CSRF" in exc.message:
            return error_response(403, CommonError.CSRF_FAILED, "The CSRF token is missing or wrong.")
        code, message = STATUS_CODES.get(exc.status_code, (CommonError.REQUEST_INVALID, exc.message))
        return error_response(exc.status_code, code, message)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, *STATUS_CODES[404])

    def on_forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(403, *STATUS_CODES[403])

    def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # A body without a Content-Length that turns out too long when the route reads it.
        return error_response(413, CommonError.REQUEST_TOO_LARGE, too_large_message())

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return error_response(500, CommonError.SERVER_ERROR, "Something went wrong on our side. It has been logged.")

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (DomainError, on_domain_error),
        (ValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (DjangoPermissionDenied, on_forbidden),
        (RequestDataTooBig, on_too_large),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


class ApiErrorShapeMiddleware:
    """Gives the error shape to the API's 4xx answers produced outside django-ninja's handlers:
    an unknown path, a method the path does not take, Django's own CSRF refusal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json") and _is_error_shape(response):
            return response
        code: str
        if response.status_code >= 500:
            code, message = CommonError.SERVER_ERROR, "Something went wrong on our side. It has been logged."
        else:
            code, message = STATUS_CODES.get(response.status_code, (CommonError.REQUEST_INVALID, "The request failed."))
        shaped = error_response(response.status_code, code, message)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


def _is_error_shape(response: HttpResponse) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and {"code", "message"} <= body.keys()
