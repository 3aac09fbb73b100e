from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx and 5xx answer of the API has this shape."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


# The error statuses a route may answer, for its ``response=`` declaration.
ERRORS_AUTH = {401: ErrorOut, 403: ErrorOut}
ERRORS_INPUT = {400: ErrorOut, 422: ErrorOut}
