"""The demo loader: campaigns from the reports, placeholders marked 演示, no invented donations, idempotent."""

from decimal import Decimal

from django.core.management import call_command

from donations.models import CampaignPage, Donation
from donations.selectors import campaign_for_project


def test_demo_campaigns_load_once_and_invent_no_donations(demo_site, client):
    count = CampaignPage.objects.count()
    call_command("load_demo", verbosity=0)
    assert CampaignPage.objects.count() == count >= 2
    assert not Donation.objects.exists()
    green = CampaignPage.objects.get(title__contains="共为锦绣太原城添绿")
    assert green.goal == Decimal("12500000.00")
    assert campaign_for_project(green.get_parent().specific) == green
    assert "627,748.23" in green.body
    for campaign in CampaignPage.objects.all():
        assert "演示" in campaign.qualification and "演示" in campaign.filing_number
        response = client.get(campaign.url)
        assert response.status_code == 200 and "募捐主体信息" in response.content.decode()
    assert not CampaignPage.objects.filter(title__contains="防汛").exists()  # run on another platform
