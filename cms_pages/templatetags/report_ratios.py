"""The legal spending and cost ratios of an annual report's year, computed by the ledger."""

from django import template

from ledger import selectors

register = template.Library()


@register.inclusion_tag("cms_pages/includes/report_ratios.html")
def report_ratios(page, log_size=None):
    """Each ratio with its threshold, its value where the published records allow it, else why not.

    ``log_size``: the signed head the report pinned, as for the report's figures.
    """
    keys = [figure.key for figure in page.published_figures.all()]
    return {
        "year": page.year,
        "ratios": selectors.year_ratios(year=page.year, published_keys=keys, log_size=log_size),
    }
