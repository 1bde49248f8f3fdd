"""The site's own error pages, in Chinese."""

from django.http import HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def page_not_found(request, exception):
    """404 in the site's layout; the missing address is not echoed back."""
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


@requires_csrf_token
def server_error(request):
    """500 from a template that needs neither the database nor the request, which may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())
