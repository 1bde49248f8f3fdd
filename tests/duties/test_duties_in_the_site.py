"""The clocks as the public, staff and the office meet them, and the disclosures generated from the ledger."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from wagtail.models import Site

from cms_pages.duty_services import project_account_draft
from cms_pages.models import DisclosureKind, DutyDisclosurePage, FundSettings, ProjectStatus, ProjectStoryPage
from donations.duty_selectors import campaign_duties
from donations.services import campaign_account_draft, emergency_receipts_draft, partner_evaluation_draft
from donations.services.duties import emergency_windows
from duties.registry import duty_board
from duties.rules import DutyKind, DutyStatus
from ledger.models import EntryKind

from .conftest import money, offline_gift

pytestmark = pytest.mark.django_db


def _ended_project(make_project, today, **fields):
    return make_project(start_date=today - timedelta(days=500), end_date=today - timedelta(days=120),
                        status=ProjectStatus.CLOSED, **fields)


def test_project_page_shows_its_duties_with_the_overdue_ones_marked(client, make_project, today):
    project = _ended_project(make_project, today, title="逾期结项的项目")
    money(project, EntryKind.GRANT_APPROVAL, "5000.00", today - timedelta(days=490))
    money(project, EntryKind.DISBURSEMENT, "3000.00", today - timedelta(days=480), memo="购置助老设备")
    html = client.get(project.url).content.decode()
    assert "信息公开义务" in html
    assert "结束后三个月内全面公开收支明细" in html
    assert "结余资金处理情况" in html  # 2,000.00 approved but never paid
    assert "逾期" in html
    kinds = {d.kind for d in duty_board()["overdue"] if d.subject.pk == project.pk}
    assert {DutyKind.FINAL_ACCOUNT, DutyKind.LEFTOVER} <= kinds


def test_project_account_is_generated_from_the_ledger_as_a_draft_in_moderation(client, make_project, today, staff):
    project = _ended_project(make_project, today, title="结项项目")
    money(project, EntryKind.GRANT_APPROVAL, "5000.00", today - timedelta(days=490))
    money(project, EntryKind.DISBURSEMENT, "1200.50", today - timedelta(days=480), memo="购置助老设备")
    money(project, EntryKind.DISBURSEMENT, "799.25", today - timedelta(days=470), memo="志愿者培训")
    money(project, EntryKind.DISBURSEMENT, "300.00", today - timedelta(days=460), memo="购置助老设备")

    draft = project_account_draft(project, user=staff, leftover_handling="结余 2,700.25 元转入同类项目。")
    draft.refresh_from_db()
    assert not draft.live and draft.kind == DisclosureKind.FINAL_ACCOUNT and draft.subject_id == project.pk
    assert draft.workflow_in_progress  # submitted to 审核发布, not published
    figures = {row["label"]: Decimal(row["amount"]) for row in draft.figures}
    assert figures["批准资助"] == Decimal("5000.00")
    assert figures["拨付：购置助老设备"] == Decimal("1500.50")
    assert figures["拨付：志愿者培训"] == Decimal("799.25")
    assert figures["拨付合计"] == Decimal("2299.75")
    assert figures["批准未拨付（结余）"] == Decimal("2700.25")
    # A second run while the draft waits returns the same draft.
    assert project_account_draft(project, user=staff).pk == draft.pk
    # Not live, so the duty is still open and the public cannot see it.
    assert client.get(draft.url or "/disclosure/x/").status_code == 404
    assert any(d.kind == DutyKind.FINAL_ACCOUNT for d in duty_board()["overdue"] if d.subject.pk == project.pk)

    # Once a moderator publishes it, it meets both the account and the leftover duty.
    draft.get_latest_revision().publish(user=staff)
    open_kinds = {d.kind for d in duty_board()["overdue"] if d.subject.pk == project.pk}
    assert not open_kinds & {DutyKind.FINAL_ACCOUNT, DutyKind.LEFTOVER}
    page = client.get(draft.url).content.decode()
    assert "2700.25" in page and "转入同类项目" in page


def test_campaign_account_figures_equal_ledger_sums(make_project, make_campaign, today, staff):
    project = make_project(title="募捐项目", start_date=today - timedelta(days=400))
    campaign = make_campaign(project, starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=10))
    offline_gift(campaign, staff, "100.10", today - timedelta(days=200))
    offline_gift(campaign, staff, "250.00", today - timedelta(days=100))
    money(project, EntryKind.GRANT_APPROVAL, "300.00", today - timedelta(days=90))
    money(project, EntryKind.DISBURSEMENT, "120.00", today - timedelta(days=80), memo="助老餐补")
    money(project, EntryKind.DISBURSEMENT, "80.00", today - timedelta(days=400), memo="募捐前的拨付")

    draft = campaign_account_draft(campaign, user=staff)
    figures = {row["label"]: (Decimal(row["amount"]), row["count"]) for row in draft.figures}
    assert figures["收到捐赠"] == (Decimal("350.10"), 2)
    assert figures["募得善款（扣除退款）"][0] == Decimal("350.10")
    assert figures["拨付：助老餐补"][0] == Decimal("120.00")
    assert "拨付：募捐前的拨付" not in figures  # before the campaign opened
    assert figures["结余（募得减拨付，不足时为零）"][0] == Decimal("230.10")
    assert not draft.live and draft.workflow_in_progress


def test_campaign_page_shows_its_clock_and_a_final_account_meets_it(client, make_project, make_campaign, today, staff):
    project = make_project(title="长期募捐项目")
    campaign = make_campaign(project, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=100))
    html = client.get(campaign.url).content.decode()
    assert "信息公开义务" in html and "结束后三个月内全面公开收支明细" in html and "逾期" in html
    draft = campaign_account_draft(campaign, user=staff)
    draft.get_latest_revision().publish(user=staff)
    html = client.get(campaign.url).content.decode()
    assert draft.title in html


def test_emergency_receipts_are_summed_by_five_day_window_from_the_ledger(make_project, make_campaign, today, staff):
    project = make_project(title="应急项目")
    start = today - timedelta(days=11)
    campaign = make_campaign(project, starts_on=start, ends_on=today + timedelta(days=30), title="抗洪应急募捐")
    offline_gift(campaign, staff, "10.00", start)
    offline_gift(campaign, staff, "20.00", start + timedelta(days=4))  # last day of the first window
    offline_gift(campaign, staff, "30.05", start + timedelta(days=5))  # first day of the second
    windows = emergency_windows(campaign, end=today)
    assert [(w["start"], w["end"], w["amount"], w["count"]) for w in windows] == [
        (start, start + timedelta(days=4), Decimal("30.00"), 2),
        (start + timedelta(days=5), start + timedelta(days=9), Decimal("30.05"), 1),
        (start + timedelta(days=10), today, Decimal("0.00"), 0),
    ]
    draft = emergency_receipts_draft(campaign, end=today, user=staff)
    assert draft.kind == DisclosureKind.EMERGENCY_RECEIPTS and not draft.live
    assert draft.figures[-1]["amount"] == "60.05" and draft.figures[-1]["count"] == 3
    draft.get_latest_revision().publish(user=staff)
    # The next disclosure starts the day after the published one ended.
    follow = emergency_receipts_draft(campaign, end=today + timedelta(days=5), user=staff)
    assert follow.period_start == today + timedelta(days=1)


def test_the_campaigns_emergency_flag_sets_the_five_day_receipts_clock(make_project, make_campaign, today):
    project = make_project(title="应急项目")
    dates = {"starts_on": today - timedelta(days=6), "ends_on": today + timedelta(days=30)}
    flood = make_campaign(project, title="抗洪应急募捐", is_emergency=True, **dates)
    ordinary = make_campaign(project, title="日常募捐", slug="ordinary", **dates)
    assert DutyKind.EMERGENCY_RECEIPTS in {d.kind for d in campaign_duties(flood, today=today)}
    assert DutyKind.EMERGENCY_RECEIPTS not in {d.kind for d in campaign_duties(ordinary, today=today)}


def test_a_blank_partner_means_the_fund_so_an_ended_campaign_owes_the_partner_evaluation(
        make_project, make_campaign, today):
    ended = {"starts_on": today - timedelta(days=60), "ends_on": today - timedelta(days=1)}
    by_fund = make_campaign(make_project(), **ended)
    assert by_fund.partner_name == ""
    assert DutyKind.PARTNER_EVALUATION not in {d.kind for d in campaign_duties(by_fund, today=today)}  # no fund named
    FundSettings.objects.create(site=Site.objects.get(is_default_site=True), fund_full_name="志愿城市·太原专项基金")
    assert DutyKind.PARTNER_EVALUATION in {d.kind for d in campaign_duties(by_fund, today=today)}


def test_partner_evaluation_draft_is_a_moderated_draft(make_project, make_campaign, today, staff):
    campaign = make_campaign(make_project(), starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1))
    draft = partner_evaluation_draft(campaign, user=staff, evaluation="<p>合作方按方案执行。</p>")
    assert draft.kind == DisclosureKind.PARTNER_EVALUATION and not draft.live and draft.workflow_in_progress
    assert DutyDisclosurePage.objects.live().count() == 0


def test_a_disclosure_must_be_about_a_project_or_a_campaign(disclosure_index):
    from django.core.exceptions import ValidationError

    page = DutyDisclosurePage(title="错误对象", kind=DisclosureKind.PROGRESS, subject=disclosure_index, slug="x")
    with pytest.raises(ValidationError):
        page.full_clean()


def test_dashboard_lists_overdue_duties_of_the_law(client, make_project, make_campaign, today, staff):
    project = make_project(title="从未公开的项目")
    make_campaign(project, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=100), title="逾期募捐")
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "法定公开义务" in html
    assert "逾期募捐" in html and "结束后三个月内全面公开收支明细" in html


def test_office_gets_an_email_listing_overdue_and_near_due_duties(make_project, make_campaign, today, settings):
    settings.DUTIES_OFFICE_EMAIL = ["office@example.org"]
    project = make_project(title="按时项目")
    project.add_child(instance=ProjectStoryPage(title="进展", date=today - timedelta(days=80), summary="s")).save_revision().publish()
    make_campaign(project, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=100), title="逾期募捐")
    call_command("duties_remind")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["office@example.org"]
    assert "已逾期" in message.subject
    assert "逾期募捐" in message.body and "结束后三个月内全面公开收支明细" in message.body
    assert "按时项目" in message.body  # its next progress report is near due
    near = [d for d in duty_board()["near"] if d.subject.title == "按时项目"]
    assert near and near[0].status == DutyStatus.NEAR


def test_no_email_without_an_office_address(make_project, settings):
    settings.DUTIES_OFFICE_EMAIL = []
    make_project(title="从未公开的项目")
    call_command("duties_remind")
    assert mail.outbox == []


def test_staff_generate_a_draft_from_the_dashboard_and_it_waits_for_moderation(client, make_project, make_campaign,
                                                                              today, staff):
    project = make_project(title="募捐项目")
    campaign = make_campaign(project, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=100),
                             title="逾期募捐")
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "生成草稿" in html and 'name="duty" value="final_account"' in html
    response = client.post("/admin/duties/draft/", {"subject_kind": "campaign", "subject": campaign.pk, "duty": "final_account"})
    draft = DutyDisclosurePage.objects.get(subject_id=campaign.pk)
    assert response.status_code == 302 and response["Location"] == f"/admin/pages/{draft.pk}/edit/"
    assert not draft.live and draft.workflow_in_progress
    # Twice: still one draft.
    client.post("/admin/duties/draft/", {"subject_kind": "campaign", "subject": campaign.pk, "duty": "final_account"})
    assert DutyDisclosurePage.objects.filter(subject_id=campaign.pk).count() == 1


@pytest.mark.parametrize("data", [
    {"subject_kind": "campaign", "subject": "１２", "duty": "final_account"},
    {"subject_kind": "campaign", "subject": "-1", "duty": "final_account"},
    {"subject_kind": "fund", "subject": "1", "duty": "annual_report"},
    {"subject_kind": "campaign", "subject": "1", "duty": "<script>"},
    {},
])
def test_bad_draft_requests_are_refused_and_change_nothing(client, staff, data):
    client.force_login(staff)
    response = client.post("/admin/duties/draft/", data)
    assert response.status_code == 400
    assert DutyDisclosurePage.objects.count() == 0


def test_an_unknown_subject_is_a_message_not_an_error(client, staff, disclosure_index):
    client.force_login(staff)
    response = client.post("/admin/duties/draft/", {"subject_kind": "project", "subject": "999999", "duty": "final_account"})
    assert response.status_code == 302 and DutyDisclosurePage.objects.count() == 0


def test_people_outside_the_admin_cannot_generate_drafts(client, make_project, django_user_model):
    project = make_project()
    client.force_login(django_user_model.objects.create_user("visitor", password="x"))
    response = client.post("/admin/duties/draft/", {"subject_kind": "project", "subject": project.pk, "duty": "final_account"})
    assert response.status_code in (302, 403)
    assert DutyDisclosurePage.objects.count() == 0


def test_a_published_disclosure_is_readable_through_the_api_with_its_figures(client, make_project, today, staff):
    project = _ended_project(make_project, today, title="接口项目")
    money(project, EntryKind.GRANT_APPROVAL, "10.00", today - timedelta(days=490))
    draft = project_account_draft(project, user=staff)
    draft.get_latest_revision().publish(user=staff)
    response = client.get(f"/api/v3/pages/{draft.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "final_account" and body["subject_page_id"] == project.pk
    assert {"group": "收入", "label": "批准资助", "amount": "10.00", "count": None} in body["figures"]
    listed = client.get("/disclosure/").content.decode()
    assert draft.title in listed
