"""The project page's disclosure duties, read in the template so the content models never reach the ledger."""

from django import template

register = template.Library()


@register.simple_tag
def project_duties(project):
    from cms_pages.duty_selectors import project_duties as duties_of

    return duties_of(project, short=True)
