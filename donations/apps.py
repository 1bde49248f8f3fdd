from django.apps import AppConfig


class DonationsConfig(AppConfig):
    """Campaigns, donations, payment gateways, receipts and refunds."""

    name = "donations"
    verbose_name = "捐赠"

    def ready(self):
        from donations import checks  # noqa: F401 - registers the system checks
        from donations.duty_selectors import campaign_subjects
        from duties.registry import register_subjects

        register_subjects("campaigns", campaign_subjects)

        from donations.services.duties import campaign_drafter
        from duties.registry import register_drafter
        from duties.rules import DutyKind

        for kind in (DutyKind.FINAL_ACCOUNT, DutyKind.EMERGENCY_RECEIPTS, DutyKind.PARTNER_EVALUATION):
            register_drafter("campaign", kind, campaign_drafter(kind))
