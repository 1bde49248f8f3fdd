"""Campaigns as subjects of the law's disclosure duties (see duties.rules); registered in DonationsConfig.ready.

A campaign's partner is its own ``partner_name`` or, left blank, the fund (as every giving page says).
"""

from django.utils import timezone

from donations.models import CampaignPage
from duties.rules import Subject, duties_in_short, subject_duties

__all__ = ["campaign_duties", "campaign_has_partner", "campaign_is_emergency", "campaign_subject", "campaign_subjects"]


def campaign_is_emergency(campaign) -> bool:
    return bool(campaign.is_emergency)


def campaign_has_partner(campaign, fund=None) -> bool:
    """A campaign run with a partner: its own partner, else the fund named in 基金信息."""
    if campaign.partner_name.strip():
        return True
    if fund is None:
        from cms_pages.models import FundSettings

        fund = FundSettings.objects.first()
    return bool(fund and (fund.fund_full_name or fund.fund_name))


def _subject(campaign, publications, fund):
    return Subject(
        kind="campaign", pk=campaign.pk, title=campaign.title, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        url=campaign.url or "", admin_url=f"/admin/pages/{campaign.pk}/edit/", publications=publications,
        is_emergency=campaign_is_emergency(campaign), has_partner=campaign_has_partner(campaign, fund),
    )


def campaign_subject(campaign) -> Subject:
    from cms_pages.duty_selectors import disclosure_publications

    return _subject(campaign, disclosure_publications([campaign.pk]).get(campaign.pk, []), None)


def campaign_duties(campaign, *, today=None, short=False):
    duties = subject_duties(campaign_subject(campaign), today=today or timezone.localdate())
    return duties_in_short(duties) if short else duties


def campaign_subjects():
    """Every live campaign as a duty subject (three queries whatever their number)."""
    from cms_pages.duty_selectors import disclosure_publications
    from cms_pages.models import FundSettings

    campaigns = list(CampaignPage.objects.live().public())
    fund = FundSettings.objects.first()
    publications = disclosure_publications([c.pk for c in campaigns])
    for campaign in campaigns:
        yield _subject(campaign, publications.get(campaign.pk, []), fund)
