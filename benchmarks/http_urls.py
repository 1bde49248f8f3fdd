"""The site's routes plus a trivial view, the baseline every HTTP benchmark divides by."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include("fundsite.urls"))]
