"""The sitemap: every live public page, then the public views that live outside the page tree."""

from django.urls import reverse
from wagtail.contrib.sitemaps import Sitemap

# Routes a reader or crawler should find beside the pages: the fund's money flow and its transparency log.
VIEW_ROUTES = ("ledger:fund", "ledger:log")


class FundSitemap(Sitemap):
    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        if int(page) == 1:
            root = self.get_wagtail_site().root_url
            urls += [{"location": root + reverse(name), "lastmod": None, "changefreq": None, "priority": None,
                      "alternates": []} for name in VIEW_ROUTES]
        return urls


SITEMAPS = {"wagtail": FundSitemap}
