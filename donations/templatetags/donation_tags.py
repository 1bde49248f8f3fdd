"""Template tags other apps use to link to donations without importing its internals."""

from django import template

from donations.selectors import campaign_for_project

register = template.Library()


@register.inclusion_tag("donations/includes/donate_button.html")
def donate_button(page):
    """A "为此项目捐款" link to the project's live campaign; renders nothing when there is none."""
    return {"campaign": campaign_for_project(page)}


@register.filter
def yuan(value):
    """12345.6 → 12,345.60: exact Decimal money with thousands separators, whatever the locale."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return value
