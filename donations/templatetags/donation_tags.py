"""Template tags other apps use to link to donations without importing its internals."""

from django import template

from donations.selectors import campaign_for_project
from ledger.templatetags.ledger_tags import yuan as ledger_yuan

register = template.Library()


@register.inclusion_tag("donations/includes/donate_button.html")
def donate_button(page):
    """A "为此项目捐款" link to the project's live campaign; renders nothing when there is none."""
    return {"campaign": campaign_for_project(page)}


# Money is formatted one way across the site: the ledger's filter.
register.filter("yuan", ledger_yuan)
