"""The form renderer: Django's, with the plain ``<input>`` widgets written directly.

Django renders every widget through two templates (the widget's, then ``attrs.html``); on a console
page with a search form that was a third of the page's rendering. An input is one tag, so it is
written here exactly as ``django/forms/widgets/input.html`` and ``attrs.html`` write it (the same
escaping, the same attribute order); every other widget still renders through its template.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# The widgets whose template is only ``{% include "django/forms/widgets/input.html" %}``.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("text", "email", "number", "password", "hidden", "url", "search", "tel", "date", "datetime", "time")
)


def _input(widget: dict[str, Any]) -> SafeString:
    parts = [f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"']
    if widget.get("value") is not None:
        parts.append(f' value="{conditional_escape(str(widget["value"]))}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    parts.append(">")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


class Renderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUT_TEMPLATES:
            return _input(context["widget"])
        return super().render(template_name, context, request)
