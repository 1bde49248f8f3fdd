from django.apps import AppConfig


class DonationsConfig(AppConfig):
    """Campaigns, donations, payment gateways, receipts and refunds."""

    name = "donations"
    verbose_name = "捐赠"
