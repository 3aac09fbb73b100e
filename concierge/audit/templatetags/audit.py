"""``{% load audit %}`` then ``{{ event.action|action_words }}``: the words of an audit action."""

from django import template

from concierge.audit.actions import describe

register = template.Library()


@register.filter
def action_words(action: str) -> str:
    """``"shipment.released"`` → ``"Shipment released"``; an undeclared action shows as stored."""
    return describe(action)
