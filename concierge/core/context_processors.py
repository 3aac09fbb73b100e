from django.http import HttpRequest


def acting(request: HttpRequest) -> dict[str, object]:
    """Exposes the acting context to templates as ``ctx``."""
    return {"ctx": getattr(request, "ctx", None)}
