"""Campaigns as filed fundraising: the 募捐方案 gate, the giving-page disclosure, ended campaigns, donor-name
consent, and certificates addressed to the donor with the charity's credit code."""

import io
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text

from donations import selectors
from donations.checks import foundation_uscc_check, uscc_valid
from donations.models import CampaignPage, Donation
from donations.models.campaigns import FILING_REQUIRED, FilingNumberMissing
from ledger.services import sequence_pending
from tests.donations.conftest import make_donation, post_alipay

VALID_USCC = "91350100M000100Y43"  # the worked example of GB 32100-2015, not any real charity's code


def draft_campaign(parent, **fields):
    values = {"title": "未备案的募捐", "slug": "unfiled", "intro": "草稿", "goal": Decimal("1000.00"),
              "starts_on": timezone.localdate(), "live": False, **fields}
    page = parent.add_child(instance=CampaignPage(**values))
    page.save_revision()
    return CampaignPage.objects.get(pk=page.pk)


def user_in(group_name, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    user.groups.add(Group.objects.get(name=group_name))
    return user


def admin_form(page, *, filing_number="", action=None, **extra):
    data = {
        "title": page.title, "slug": page.slug, "intro": page.intro, "body": rich_text(""),
        "goal": "1000.00", "starts_on": page.starts_on.isoformat(), "ends_on": "", "preset_amounts": "10,50",
        "fundraiser_name": "", "fundraiser_uscc": "", "qualification": "", "filing_number": filing_number,
        "partner_name": "", "purpose": "", "area": "", "person_in_charge": "", "receiving_method": "",
        "beneficiaries": "", "use_plan": "", "cost_budget": "", "leftover_plan": "", "seo_title": "",
        "search_description": "", "go_live_at": "", "expire_at": "", **extra,
    }
    if action:
        data[action] = "1"
    return nested_form_data(data)


# --- the gate: no filing number, no going live ---------------------------------------------------------


def test_publishing_a_revision_without_a_filing_number_is_refused_and_leaves_the_page_a_draft(project):
    page = draft_campaign(project)
    with pytest.raises(FilingNumberMissing) as refused:
        page.save_revision().publish()
    assert FILING_REQUIRED in refused.value.messages
    assert not CampaignPage.objects.get(pk=page.pk).live


def test_publishing_a_revision_with_a_filing_number_goes_live(project):
    page = draft_campaign(project, filing_number="演示-备案编号-900")
    page.save_revision().publish()
    assert CampaignPage.objects.get(pk=page.pk).live


def test_a_blank_filing_number_counts_as_none(project):
    page = draft_campaign(project, filing_number="   ")
    with pytest.raises(FilingNumberMissing):
        page.save_revision().publish()


def test_scheduled_publishing_of_an_unfiled_revision_is_refused(project):
    page = draft_campaign(project)
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])
    with pytest.raises(FilingNumberMissing):
        call_command("publish_scheduled")
    assert not CampaignPage.objects.get(pk=page.pk).live


def test_scheduled_publishing_of_a_filed_revision_goes_live(project):
    page = draft_campaign(project, filing_number="演示-备案编号-901")
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])
    call_command("publish_scheduled")
    assert CampaignPage.objects.get(pk=page.pk).live


def test_admin_saves_a_draft_without_a_filing_number(client, project):
    page = draft_campaign(project)
    client.force_login(user_in("审核员", "moderator"))
    response = client.post(f"/admin/pages/{page.pk}/edit/", admin_form(page, intro="改过的草稿"))
    assert response.status_code == 302
    page = CampaignPage.objects.get(pk=page.pk)
    assert not page.live and page.get_latest_revision_as_object().intro == "改过的草稿"


def test_admin_refuses_to_publish_without_a_filing_number_and_says_why(client, project):
    page = draft_campaign(project)
    client.force_login(user_in("审核员", "moderator"))
    response = client.post(f"/admin/pages/{page.pk}/edit/", admin_form(page, action="action-publish"))
    assert response.status_code == 200
    assert FILING_REQUIRED in response.content.decode()
    assert not CampaignPage.objects.get(pk=page.pk).live


def test_admin_refuses_to_schedule_without_a_filing_number(client, project):
    page = draft_campaign(project)
    client.force_login(user_in("审核员", "moderator"))
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(f"/admin/pages/{page.pk}/edit/",
                           admin_form(page, action="action-publish", go_live_at=later))
    assert response.status_code == 200 and FILING_REQUIRED in response.content.decode()
    assert not page.revisions.filter(approved_go_live_at__isnull=False).exists()


def test_admin_refuses_to_submit_an_unfiled_campaign_for_moderation(client, project):
    page = draft_campaign(project)
    client.force_login(user_in("编辑", "editor"))
    response = client.post(f"/admin/pages/{page.pk}/edit/", admin_form(page, action="action-submit"))
    assert response.status_code == 200 and FILING_REQUIRED in response.content.decode()
    assert CampaignPage.objects.get(pk=page.pk).current_workflow_state is None


def test_a_draft_in_moderation_keeps_its_filing_number_and_the_moderator_approves_it(client, project):
    page = draft_campaign(project, filing_number="演示-备案编号-903")
    editor, moderator = user_in("编辑", "editor"), user_in("审核员", "moderator")
    page.get_workflow().start(page, editor)
    client.force_login(editor)
    response = client.post(f"/admin/pages/{page.pk}/edit/", admin_form(page, filing_number=""))
    assert response.status_code == 200 and FILING_REQUIRED in response.content.decode()
    page = CampaignPage.objects.get(pk=page.pk)
    assert page.get_latest_revision_as_object().filing_number == "演示-备案编号-903"
    client.force_login(moderator)
    task_state = page.current_workflow_task_state
    response = client.post(f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": ""})
    assert response.status_code in (200, 302)
    assert CampaignPage.objects.get(pk=page.pk).live


def test_admin_publishes_with_a_filing_number(client, project):
    page = draft_campaign(project)
    client.force_login(user_in("审核员", "moderator"))
    response = client.post(f"/admin/pages/{page.pk}/edit/",
                           admin_form(page, filing_number="演示-备案编号-902", action="action-publish"))
    assert response.status_code == 302
    page = CampaignPage.objects.get(pk=page.pk)
    assert page.live and page.filing_number == "演示-备案编号-902"


def test_the_plan_tab_is_in_chinese_in_the_admin(client, campaign):
    client.force_login(user_in("审核员", "moderator"))
    html = client.get(f"/admin/pages/{campaign.pk}/edit/").content.decode()
    for label in ("募捐方案（与备案内容一致）", "募捐目的", "募捐地域", "募捐活动负责人", "接受捐赠方式", "受益人",
                  "募得款物用途", "募捐成本预算（元）", "剩余财产处理", "应急募捐", "合作方"):
        assert label in html, label


# --- the giving pages' disclosure ------------------------------------------------------------------------


def test_campaign_page_shows_the_filed_plan_and_how_to_check_it(client, campaign):
    campaign.purpose = "为壹元救护车购置担架"
    campaign.area = "山西省太原市"
    campaign.cost_budget = Decimal("120.50")
    campaign.leftover_plan = "结余转入同类项目"
    campaign.save_revision().publish()
    html = client.get(campaign.url).content.decode()
    for text in ("为壹元救护车购置担架", "山西省太原市", "¥120.50", "结余转入同类项目", "¥10,000.00",
                 "登录“慈善中国”网站 cszg.mca.gov.cn", "TEST-FILING-1", "测试资格", "公开募捐资格证书", "合作方"):
        assert text in html, text
    assert 'src="https://cszg' not in html  # a plain link at most: nothing is loaded from that host


def test_partner_defaults_to_the_fund_and_can_be_named(client, campaign, home):
    from wagtail.models import Site

    from cms_pages.models import FundSettings

    fund = FundSettings.for_site(Site.objects.get(is_default_site=True))
    fund.fund_full_name = "中国志愿服务基金会志愿城市·太原专项基金"
    fund.save()
    assert selectors.fundraiser_info(campaign=campaign)["partner"] == "中国志愿服务基金会志愿城市·太原专项基金"
    campaign.partner_name = "某合作机构"
    assert selectors.fundraiser_info(campaign=campaign)["partner"] == "某合作机构"


def test_the_qr_pay_page_carries_the_disclosure(sandbox, client, campaign):
    from tests.donations.test_giving import give

    response = give(client, campaign, method="alipay_qr")
    qr_page = client.get(response["Location"]).content.decode()
    assert 'data-testid="fundraiser-disclosure"' in qr_page and "TEST-FILING-1" in qr_page


def test_the_result_page_carries_the_disclosure_and_how_the_official_receipt_comes(
        client, campaign, alipay_notification):
    donation = make_donation(campaign)
    post_alipay(client, alipay_notification(donation))
    result = client.get(reverse("donations:return", args=[donation.resume_token])).content.decode()
    assert 'data-testid="fundraiser-disclosure"' in result and "cszg.mca.gov.cn" in result
    assert 'data-testid="official-receipt-info"' in result and "公益事业捐赠票据" in result


# --- ended campaigns ----------------------------------------------------------------------------------


@pytest.fixture
def ended(campaign):
    campaign.starts_on = timezone.localdate().replace(year=2022, month=1, day=1)
    campaign.ends_on = campaign.starts_on.replace(month=6, day=30)
    campaign.save_revision().publish()
    return CampaignPage.objects.get(pk=campaign.pk)


def test_project_page_of_an_ended_campaign_says_when_it_ended_instead_of_a_button(client, ended, project):
    html = client.get(project.url).content.decode()
    assert "本次募捐已于 2022年6月30日 结束" in html
    assert "为此项目捐款" not in html


def test_project_page_of_an_open_campaign_has_the_button(client, campaign, project):
    html = client.get(project.url).content.decode()
    assert "为此项目捐款" in html and "本次募捐已于" not in html


def test_ended_campaign_page_has_no_form_and_says_when_it_ended(client, ended):
    html = client.get(ended.url).content.decode()
    assert "本次募捐已于 2022年6月30日 结束" in html
    assert 'id="give-form"' not in html


def test_the_last_day_still_takes_gifts_and_the_day_after_does_not(client, campaign):
    from tests.donations.test_giving import give

    campaign.ends_on = timezone.localdate()
    campaign.save_revision().publish()
    assert give(client, campaign).status_code == 302
    campaign.ends_on = timezone.localdate() - timedelta(days=1)
    campaign.save_revision().publish()
    response = give(client, campaign)
    assert response.status_code == 400 and "本次募捐已于" in response.content.decode()
    assert Donation.objects.count() == 1


def test_a_gift_posted_to_an_ended_campaign_is_refused_with_the_date(client, ended):
    from tests.donations.test_giving import give

    response = give(client, ended)
    assert response.status_code == 400
    assert "本次募捐已于 2022年6月30日 结束，不再接受捐赠。" in response.content.decode()
    assert not Donation.objects.exists()


def test_the_api_refuses_an_ended_campaign_too(client, ended):
    response = client.post("/api/donations/donations", {"campaign_id": ended.pk, "amount": "10.00", "donor_name": "李四"},
                           content_type="application/json")
    assert response.status_code == 400 and "2022年6月30日" in " ".join(response.json()["detail"])
    assert not Donation.objects.exists()


# --- consent to show a name ------------------------------------------------------------------------------


def test_a_name_is_public_only_when_ticked_and_every_gift_counts(client, campaign, alipay_notification):
    from tests.donations.test_giving import give

    give(client, campaign, donor_name="王小明", show_name="on")
    give(client, campaign, donor_name="钱多多")
    for donation in Donation.objects.all():
        post_alipay(client, alipay_notification(donation))
    sequence_pending()
    consented, unticked = Donation.objects.get(donor_name="王小明"), Donation.objects.get(donor_name="钱多多")
    assert consented.show_name and not unticked.show_name
    for url in (campaign.url, reverse("donations:donors")):
        html = client.get(url).content.decode()
        assert "王**" in html and "爱心人士" in html
        assert "钱**" not in html and "钱多多" not in html and "王小明" not in html
    verify = client.get(reverse("donations:receipt_verify", args=[unticked.receipt.number])).content.decode()
    assert "爱心人士" in verify and "钱" not in verify.split("捐赠人", 1)[1].split("</dd>", 1)[0]
    totals = selectors.campaign_totals(campaign=campaign)
    assert totals["donors"] == 2 and totals["raised"] == Decimal("200.00")


def test_the_form_offers_consent_unticked(client, campaign):
    html = client.get(campaign.url).content.decode()
    assert "公开我的姓名" in html
    box = html.split('name="show_name"', 1)[1].split(">", 1)[0]
    assert "checked" not in box


def test_consent_with_an_anonymous_gift_shows_no_name(campaign):
    donation = make_donation(campaign, donor_name="孙七", anonymous=True, show_name=True)
    assert not donation.show_name and "孙" not in selectors.donor_display_name(donation)


def test_consent_is_frozen_with_the_gift(campaign):
    from donations.models.guards import FrozenFieldError

    donation = make_donation(campaign, donor_name="周八")
    donation.show_name = True
    with pytest.raises(FrozenFieldError):
        donation.save()


# --- certificates -----------------------------------------------------------------------------------


def _paid_receipt(client, campaign, alipay_notification, **donor):
    donation = make_donation(campaign, **donor)
    post_alipay(client, alipay_notification(donation))
    return Donation.objects.get(pk=donation.pk).receipt


def _pdf_text(receipt):
    pdf = selectors.receipt_pdf(receipt=receipt)
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")


def test_certificate_is_addressed_to_the_name_given_not_the_masked_one(client, campaign, alipay_notification):
    receipt = _paid_receipt(client, campaign, alipay_notification, donor_name="王小明")
    text = _pdf_text(receipt)
    assert "王小明" in text and "王**" not in text and "捐 赠 证 书" in text
    result = client.get(reverse("donations:return", args=[receipt.donation.resume_token])).content.decode()
    assert "王小明" in result


def test_certificate_prints_the_credit_code_from_settings_when_the_campaign_has_none(
        client, campaign, alipay_notification, settings):
    settings.FOUNDATION_USCC = VALID_USCC
    campaign.fundraiser_uscc = ""
    campaign.save_revision().publish()
    receipt = _paid_receipt(client, campaign, alipay_notification, donor_name="王小明")
    assert f"统一社会信用代码：{VALID_USCC}" in _pdf_text(receipt)
    assert VALID_USCC in client.get(campaign.url).content.decode()


def test_fund_settings_code_wins_over_the_environment(campaign, home, settings):
    from wagtail.models import Site

    from cms_pages.models import FundSettings

    settings.FOUNDATION_USCC = VALID_USCC
    fund = FundSettings.for_site(Site.objects.get(is_default_site=True))
    fund.foundation_uscc = "53100000MJ0000001Y"
    fund.save()
    campaign.fundraiser_uscc = ""
    assert selectors.fundraiser_info(campaign=campaign)["uscc"] == "53100000MJ0000001Y"


def test_certificate_download_is_not_named_a_receipt(client, campaign, alipay_notification):
    receipt = _paid_receipt(client, campaign, alipay_notification)
    response = client.get(reverse("donations:receipt_download", args=[receipt.token]))
    assert "receipt" not in response["Content-Disposition"] and "certificate-" in response["Content-Disposition"]


def test_no_public_text_calls_the_certificate_a_receipt():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "donations"
    texts = [p for p in (root / "templates").rglob("*.html")] + [root / "tasks.py", root / "receipts" / "pdf.py"]
    for path in texts:
        assert "收据" not in path.read_text(encoding="utf-8"), path


# --- the system check ---------------------------------------------------------------------------------


def test_check_warns_when_no_credit_code_is_configured(settings, db):
    settings.FOUNDATION_USCC = ""
    warnings = foundation_uscc_check(None)
    assert [w.id for w in warnings] == ["donations.W003"] and "FOUNDATION_USCC" in warnings[0].hint


def test_check_warns_on_a_malformed_code(settings, db):
    settings.FOUNDATION_USCC = "91350100M000100Y44"
    assert [w.id for w in foundation_uscc_check(None)] == ["donations.W004"]


def test_check_passes_a_well_formed_code(settings, db):
    settings.FOUNDATION_USCC = VALID_USCC
    assert foundation_uscc_check(None) == []


def test_uscc_check_character():
    assert uscc_valid(VALID_USCC) and uscc_valid("53100000MJ0000001Y")
    assert not uscc_valid("53100000MJ00000010") and not uscc_valid("TESTUSCC000000000X") and not uscc_valid("")


def test_check_runs_only_with_deploy():
    from django.core.checks import registry

    assert foundation_uscc_check in registry.registry.get_checks(include_deployment_checks=True)
    assert foundation_uscc_check not in registry.registry.get_checks(include_deployment_checks=False)


def test_the_demo_campaign_that_ended_in_2022_shows_it_ended(demo_site, client):
    ambulance = CampaignPage.objects.get(title__contains="壹元救护车")
    assert ambulance.filing_number.startswith("演示-备案编号-")
    project_html = client.get(ambulance.get_parent().url).content.decode()
    assert "本次募捐已于 2022年12月31日 结束" in project_html and "为此项目捐款" not in project_html
    assert 'id="give-form"' not in client.get(ambulance.url).content.decode()
