"""Public routes of this app; included at the site root by fundsite/urls.py."""

from django.urls import path, register_converter

from ledger import views


class FormatConverter:
    """json or csv, the two open-data formats."""

    regex = "json|csv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "ledger"
urlpatterns = [
    path("fund/", views.fund_page, name="fund"),
    path("fund/ledger.<fmt:fmt>", views.ledger_download, name="download"),
    path("fund/verify/", views.verify_page, name="verify"),
    path("fund/<int:year>/figures.<fmt:fmt>", views.year_figures_download, name="year_figures"),
]
