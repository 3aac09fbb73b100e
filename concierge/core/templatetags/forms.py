from django import template

register = template.Library()


@register.filter
def field_errors(errors: dict[str, list[str]] | None, name: str) -> list[str]:
    """``{% for e in errors|field_errors:"primary_email" %}`` — a service's messages for one field."""
    return (errors or {}).get(name, [])


@register.filter
def posted(data: object, name: str) -> str:
    """The value a form field was submitted with (to show it again after an error)."""
    getter = getattr(data, "get", None)
    return getter(name, "") if getter else ""
