"""Names for the codes an organization keeps (``{% load organizations %}``): ``{{ "DE"|country_name }}``
→ "Germany", ``{{ "EUR"|currency_label }}`` → "Euro (EUR)", in the viewer's locale — no raw codes on
screen but the currency's, which sellers quote."""

from __future__ import annotations

from django import template

from concierge.storefront.organization_display import country_name, currency_label, locale_label

register = template.Library()
register.filter("country_name", country_name)
register.filter("currency_label", currency_label)
register.filter("locale_label", locale_label)
