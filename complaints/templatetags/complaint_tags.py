"""The 举报/意见 box placed on campaign and project pages."""

from django import template

from complaints.forms import ComplaintForm
from complaints.selectors import complaint_counts

register = template.Library()


@register.inclusion_tag("complaints/includes/complaint_box.html", takes_context=True)
def complaint_box(context, page):
    """The form for ``page`` with the public counts for this page and the whole site (two queries)."""
    return {
        "page": page,
        "noun": "本次募捐" if type(page).__name__ == "CampaignPage" else "本项目",
        "form": ComplaintForm(initial={"page": page.pk}, auto_id="complaint_%s"),
        "csrf_token": context.get("csrf_token"),
        "counts": complaint_counts(page_id=page.pk),
        "site_counts": complaint_counts(),
    }
