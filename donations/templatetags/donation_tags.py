"""Template tags other apps use to link to donations without importing its internals."""

from django import template

from donations.selectors import campaign_for_project, campaign_state
from ledger.templatetags.ledger_tags import yuan as ledger_yuan

register = template.Library()


@register.inclusion_tag("donations/includes/donate_button.html")
def donate_button(page):
    """A "为此项目捐款" link to the project's live campaign while it is open; once past its end date, the day
    it ended instead (no button); renders nothing when there is no campaign."""
    campaign = campaign_for_project(page)
    return {"campaign": campaign, "state": campaign_state(campaign) if campaign else ""}


# Money is formatted one way across the site: the ledger's filter.
register.filter("yuan", ledger_yuan)


@register.inclusion_tag("donations/includes/fundraiser_disclosure.html", takes_context=True)
def fundraiser_disclosure(context, campaign, compact=True):
    """The charity-law disclosure block on pages that are not the campaign page (pay, result, error pages)."""
    from donations.selectors import fundraiser_info

    return {"fundraiser": fundraiser_info(campaign=campaign, request=context.get("request")), "compact": compact}


@register.inclusion_tag("donations/includes/official_receipt_info.html", takes_context=True)
def official_receipt_info(context, campaign):
    """How and when the official 公益事业捐赠票据 comes, and how to ask for it."""
    from donations.selectors import fundraiser_info

    info = fundraiser_info(campaign=campaign, request=context.get("request"))
    return {"fundraiser_name": info["name"], "contact": info["contact"], "request": context.get("request")}
