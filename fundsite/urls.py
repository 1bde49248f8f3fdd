"""Routes: admin, headless API, feeds, sitemap, app URLs, then Wagtail's page tree."""

from django.apps import apps
from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v3.urls import api as api_v3
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms_pages.feeds import StoryFeed
from fundsite.sitemaps import SITEMAPS
from fundsite.views import favicon, robots_txt

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v3/", api_v3.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Crawlers and old browsers ask for /favicon.ico whatever the page links.
    path("favicon.ico", favicon, name="favicon"),
    path("feeds/stories.atom", StoryFeed(), name="story_feed"),
    # Each app owns its URL prefixes.
    path("", include("ledger.urls")),
    path("", include("donations.urls")),
    path("", include("search.urls")),
    path("", include("complaints.urls")),
    path("wechat/", include("wechat.urls")),
]

# The pretend payment gateway exists only where the settings install it (dev, test).
if apps.is_installed("gateway_sandbox"):
    urlpatterns += [path("sandbox/", include("gateway_sandbox.urls"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path from the page tree; keep it last.
urlpatterns += [path("", include(wagtail_urls))]

# The site's own error pages, in Chinese (fundsite/templates/404.html and 500.html).
handler404 = "fundsite.views.page_not_found"
handler500 = "fundsite.views.server_error"
