from django import template

from concierge.core.money import Money, to_decimal

register = template.Library()


@register.filter
def money(value: Money | None, locale: str = "en_US") -> str:
    """``{{ price|money:ctx.store.locale }}`` → ``$14.25``; the rounding and format of core.money."""
    if value is None:
        return "—"
    return value.format(locale or "en_US")


@register.simple_tag
def amount(value: object, currency: str, locale: str = "en_US") -> str:
    """A stored Decimal with its currency: ``{% amount order.total order.currency ctx.store.locale %}``."""
    return Money(to_decimal(str(value)), currency).format(locale or "en_US")
