from django.apps import AppConfig


class CmsPagesConfig(AppConfig):
    """Wagtail pages, snippets and images: what the public reads."""

    name = "cms_pages"
    verbose_name = "网站内容"

    def ready(self):
        from cms_pages.heads import on_report_published
        from cms_pages.models.reports import AnnualReportPage, report_published

        report_published.connect(on_report_published, sender=AnnualReportPage, dispatch_uid="cms_pages.heads.pin")

        from cms_pages.duty_selectors import fund_subject, project_subjects
        from duties.registry import register_subjects

        register_subjects("projects", project_subjects)
        register_subjects("fund", fund_subject)

        from cms_pages.duty_services import project_drafter
        from duties.registry import register_drafter
        from duties.rules import DutyKind

        for kind in (DutyKind.FINAL_ACCOUNT, DutyKind.LEFTOVER):
            register_drafter("project", kind, project_drafter)
