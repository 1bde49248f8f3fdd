"""Signal hookups: keep the published-figure history in step with publishing."""

from django.dispatch import receiver
from wagtail.signals import page_published

from cms_pages.models import AnnualReportPage


@receiver(page_published, sender=AnnualReportPage)
def record_report_figures(sender, instance, **kwargs):
    from cms_pages.services import report_figures_record

    report_figures_record(report=instance)
