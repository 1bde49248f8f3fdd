"""The site's own error pages, in Chinese, and robots.txt."""

from django.http import HttpResponse, HttpResponseNotFound, HttpResponsePermanentRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token

from fundsite.templatetags.site_urls import absolute


@requires_csrf_token
def page_not_found(request, exception):
    """404 in the site's layout; the missing address is not echoed back."""
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


@requires_csrf_token
def server_error(request):
    """500 from a template that needs neither the database nor the request, which may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())


ROBOTS_DISALLOW = (
    # Staff pages, one donor's or one order's pages, and the machinery behind giving.
    "/admin/", "/donations/", "/receipts/", "/api/donations/", "/wechat/", "/sandbox/",
)


def robots_txt(request):
    """What crawlers may read: everything public, not the admin or anyone's gift; and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "",
             f"Sitemap: {absolute(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def favicon(request):
    """Crawlers and old browsers ask for /favicon.ico whatever the page links: the site's own SVG icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
