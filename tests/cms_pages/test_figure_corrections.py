"""A published figure changes only through the correction service, with a fresh reason, in the open.

Each refusal says what the bad change gets (a Chinese message) and checks that nothing changed:
the live figure, the record log and the page's live revision.
"""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.utils import DatabaseError

from cms_pages.models import (
    AnnualReportPage,
    FigureAction,
    FigureRecord,
    FigureRecordImmutableError,
    PublishedFigure,
)
from cms_pages.services import FigureCorrectionError, figure_correct

pytestmark = pytest.mark.django_db

# What the admin's rich-text editor posts for an empty field.
EMPTY_RICH_TEXT = json.dumps({"blocks": [], "entityMap": {}})


def user_in(group_name, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def report(disclosure_index):
    page = AnnualReportPage(title="2030 年度工作报告", slug="2030", year=2030)
    page.published_figures.add(PublishedFigure(key="raised", label="年度募集资金", amount=Decimal("100.00")))
    page.published_figures.add(PublishedFigure(key="projects", label="立项项目", count=7))
    disclosure_index.add_child(instance=page)
    page.save_revision().publish()
    return AnnualReportPage.objects.get(pk=page.pk)


@pytest.fixture
def moderator(db):
    return user_in("审核员", "moderator")


def state(report):
    """What the public sees and what the log says, to compare before and after a refusal."""
    report = AnnualReportPage.objects.get(pk=report.pk)
    figures = sorted(PublishedFigure.objects.filter(page=report).values_list("key", "label", "amount", "count"))
    records = list(FigureRecord.objects.filter(page=report).values_list("pk", flat=True))
    return figures, records, report.live_revision_id


def republish_live_with(report, **changes):
    """Edit the live page in code, as a script or console session would, and publish it."""
    page = AnnualReportPage.objects.get(pk=report.pk)
    figures = list(page.published_figures.all())
    for figure in figures:
        change = changes.get(figure.key, {})
        for field, value in (change.items() if isinstance(change, dict) else ()):
            setattr(figure, field, value)
    page.published_figures = [f for f in figures if changes.get(f.key) != "delete"]
    page.save_revision().publish()


# --- the service ------------------------------------------------------------------------------


def test_first_publication_is_recorded_but_is_not_a_correction(report):
    records = FigureRecord.objects.filter(page=report)
    assert {r.key: r.action for r in records} == {"raised": FigureAction.PUBLISHED, "projects": FigureAction.PUBLISHED}
    assert not any(r.is_correction for r in records)


def test_a_correction_records_what_was_what_is_why_who_and_when(client, report, moderator):
    records = figure_correct(report=report, key="raised", new_amount=Decimal("120.50"),
                             reason="漏记一笔银行转账", user=moderator)

    assert len(records) == 1
    record = records[0]
    assert record.action == FigureAction.CORRECTED and record.is_correction
    assert (record.old_amount, record.amount) == (Decimal("100.00"), Decimal("120.50"))
    assert record.reason == "漏记一笔银行转账" and record.recorded_by == moderator and record.recorded_at
    assert PublishedFigure.objects.get(page=report, key="raised").amount == Decimal("120.50")
    # Used once, the reason is gone from the page.
    assert AnnualReportPage.objects.get(pk=report.pk).correction_reason == ""

    html = client.get(report.url).content.decode()
    history = html[html.index("更正记录"):]
    for shown in ("漏记一笔银行转账", "100.00", "120.50", "年度募集资金", "更正", "审核员"):
        assert shown in history


def test_the_report_page_shows_renames_and_withdrawals_in_its_history(client, report, moderator):
    figure_correct(report=report, key="projects", new_label="立项资助项目", reason="名称与报告原文不符", user=moderator)
    figure_correct(report=report, key="raised", delete=True, reason="该数字属于下一年度", user=moderator)

    html = client.get(report.url).content.decode()
    history = html[html.index('id="corrections-heading"'):]
    assert "立项项目 → 立项资助项目" in history and "名称与报告原文不符" in history
    assert "撤回" in history and "（已撤回）" in history and "该数字属于下一年度" in history
    assert "数字与公开记录不一致" not in html


def test_the_history_escapes_what_the_editor_typed(client, report, moderator):
    figure_correct(report=report, key="raised", new_amount=Decimal("1.00"),
                   reason="<script>alert(1)</script>", user=moderator)
    html = client.get(report.url).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("change", [
    {"new_amount": Decimal("120.50")},
    {"new_label": "募集资金总额"},
    {"delete": True},
])
@pytest.mark.parametrize("reason", ["", "   "])
def test_the_service_refuses_any_change_without_a_reason(report, moderator, change, reason):
    before = state(report)
    with pytest.raises(FigureCorrectionError, match="必须填写更正原因"):
        figure_correct(report=report, key="raised", reason=reason, user=moderator, **change)
    assert state(report) == before


@pytest.mark.parametrize(("arguments", "message"), [
    ({"key": "nope", "new_amount": Decimal("1.00")}, "没有标识为"),
    ({"key": "raised", "new_amount": Decimal("100.00")}, "没有需要更正的内容"),
    ({"key": "raised", "new_label": " "}, "名称不能为空"),
    ({"key": "raised", "new_amount": Decimal("1.00"), "reason": "原因\x00"}, "控制字符"),
])
def test_the_service_refuses_bad_corrections_with_a_message(report, moderator, arguments, message):
    before = state(report)
    arguments = {"reason": "审计调整", **arguments}
    with pytest.raises(FigureCorrectionError, match=message):
        figure_correct(report=report, user=moderator, **arguments)
    assert state(report) == before


def test_an_editor_cannot_publish_a_correction_through_the_service(report):
    editor = user_in("编辑", "editor")
    before = state(report)
    with pytest.raises(FigureCorrectionError, match="没有发布这份报告的权限"):
        figure_correct(report=report, key="raised", new_amount=Decimal("1.00"), reason="试试", user=editor)
    assert state(report) == before


def test_the_service_will_not_release_an_unmoderated_draft(report, moderator):
    draft = AnnualReportPage.objects.get(pk=report.pk)
    draft.summary = "尚未审核的草稿"
    draft.save_revision()
    before = state(report)
    with pytest.raises(FigureCorrectionError, match="尚未发布的草稿"):
        figure_correct(report=report, key="raised", new_amount=Decimal("1.00"), reason="审计调整", user=moderator)
    assert state(report) == before


# --- the defects of the old rule ---------------------------------------------------------------


def test_the_previous_reason_is_not_reused_by_the_next_correction(report, moderator):
    figure_correct(report=report, key="raised", new_amount=Decimal("120.50"), reason="漏记一笔银行转账", user=moderator)
    before = state(report)

    # From the live page, and from a copy of the revision that carried the reason.
    with pytest.raises(FigureCorrectionError, match="必须填写更正原因"):
        republish_live_with(report, raised={"amount": Decimal("999.00")})
    assert state(report) == before

    stale = AnnualReportPage.objects.get(pk=report.pk).live_revision.as_object()
    assert stale.correction_reason == "漏记一笔银行转账"
    stale.published_figures = [
        PublishedFigure(key=f.key, label=f.label, amount=Decimal("999.00") if f.key == "raised" else f.amount,
                        count=f.count)
        for f in stale.published_figures.all()
    ]
    with pytest.raises(FigureCorrectionError, match="已经用过"):
        stale.save_revision().publish()
    assert state(report)[0] == before[0] and state(report)[1] == before[1]
    assert FigureRecord.objects.filter(page=report, amount=Decimal("999.00")).count() == 0


@pytest.mark.parametrize("change", [
    {"raised": {"label": "募集资金总额"}},
    {"raised": "delete"},
])
def test_renaming_or_withdrawing_a_figure_without_a_reason_is_refused(report, change):
    before = state(report)
    with pytest.raises(FigureCorrectionError, match="必须填写更正原因"):
        republish_live_with(report, **change)
    assert state(report) == before


def test_a_refused_publication_leaves_the_page_as_it_was(report):
    # Publishing and recording are one transaction: the figure on the public page does not move.
    before = state(report)
    with pytest.raises(FigureCorrectionError):
        republish_live_with(report, raised={"amount": Decimal("1.00")}, projects={"count": 8})
    assert state(report) == before
    assert PublishedFigure.objects.get(page=report, key="raised").amount == Decimal("100.00")


def test_figure_records_refuse_every_update_and_delete(report):
    before = state(report)
    record = FigureRecord.objects.filter(page=report).first()
    record.amount = Decimal("1.00")
    attempts = [
        record.save,
        record.delete,
        lambda: FigureRecord.objects.filter(page=report).update(amount=Decimal("1.00")),
        lambda: FigureRecord.objects.filter(page=report).delete(),
        lambda: report.figure_records.all().delete(),
        lambda: FigureRecord.objects.bulk_update([record], ["amount"]),
        lambda: FigureRecord.objects.bulk_create([FigureRecord(page=report, key="x", label="x")]),
        lambda: FigureRecord.objects.update_or_create(pk=record.pk, defaults={"reason": "改"}),
    ]
    for attempt in attempts:
        with pytest.raises(FigureRecordImmutableError, match="只能"):
            attempt()
    assert state(report) == before
    assert FigureRecord.objects.get(pk=record.pk).amount == Decimal("100.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize("sql", [
    "UPDATE cms_pages_figurerecord SET amount = 1 WHERE page_id = %s",
    "DELETE FROM cms_pages_figurerecord WHERE page_id = %s",
])
def test_postgresql_refuses_raw_updates_and_deletes(report, sql):
    before = state(report)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [report.pk])
    assert state(report) == before


def test_a_report_with_published_figures_cannot_be_deleted_from_the_admin(client, report):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    before = state(report)
    response = client.post(f"/admin/pages/{report.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "公布记录不可删除" in response.content.decode()
    assert state(report) == before


# --- the page editor, through the real admin ---------------------------------------------------


def edit_data(report, *, amount="100.00", label="年度募集资金", reason="", action=None):
    """The edit form's fields as the admin posts them (both figures, the first one edited)."""
    figures = {f.key: f for f in report.published_figures.all()}
    data = {
        "title": report.title, "slug": report.slug, "year": str(report.year), "published_on": "",
        "summary": report.summary, "body-count": "0",
        "review_process": "", "work_mode": "", "shortcomings": EMPTY_RICH_TEXT, "improvements": EMPTY_RICH_TEXT,
        "correction_reason": reason,
        "published_figures-TOTAL_FORMS": "2", "published_figures-INITIAL_FORMS": "2",
        "published_figures-MIN_NUM_FORMS": "0", "published_figures-MAX_NUM_FORMS": "1000",
        "published_figures-0-id": str(figures["raised"].pk), "published_figures-0-key": "raised",
        "published_figures-0-label": label, "published_figures-0-amount": amount,
        "published_figures-0-count": "", "published_figures-0-note": "", "published_figures-0-ORDER": "1",
        "published_figures-1-id": str(figures["projects"].pk), "published_figures-1-key": "projects",
        "published_figures-1-label": "立项项目", "published_figures-1-amount": "",
        "published_figures-1-count": "7", "published_figures-1-note": "", "published_figures-1-ORDER": "2",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0", "comments-MAX_NUM_FORMS": "1000",
    }
    if action:
        data[action] = "1"
    return data


def reason_offered_by_the_edit_form(client, report):
    """The correction reason the edit form pre-fills, as a browser would submit it unchanged."""
    html = client.get(f"/admin/pages/{report.pk}/edit/").content.decode()
    field = re.search(r'<input[^>]*name="correction_reason"[^>]*>', html).group(0)
    value = re.search(r'value="([^"]*)"', field)
    return value.group(1) if value else ""


def test_publishing_a_changed_figure_without_a_reason_in_the_admin_is_refused(client, report, moderator):
    client.force_login(moderator)
    before = state(report)
    response = client.post(f"/admin/pages/{report.pk}/edit/", edit_data(report, amount="999.00", action="action-publish"))
    assert response.status_code == 200
    assert "必须填写更正原因" in response.content.decode()
    assert state(report) == before


def test_renaming_a_figure_in_the_admin_needs_a_reason(client, report, moderator):
    client.force_login(moderator)
    before = state(report)
    response = client.post(f"/admin/pages/{report.pk}/edit/", edit_data(report, label="募集总额", action="action-publish"))
    assert response.status_code == 200
    assert "必须填写更正原因" in response.content.decode() and "更名" in response.content.decode()
    assert state(report) == before


def test_withdrawing_a_figure_in_the_admin_needs_a_reason(client, report, moderator):
    client.force_login(moderator)
    before = state(report)
    data = edit_data(report, action="action-publish")
    data["published_figures-0-DELETE"] = "1"
    response = client.post(f"/admin/pages/{report.pk}/edit/", data)
    assert response.status_code == 200
    assert "必须填写更正原因" in response.content.decode() and "撤回" in response.content.decode()
    assert state(report) == before


def test_a_reason_given_in_the_admin_is_recorded_once_and_not_offered_again(client, report, moderator):
    client.force_login(moderator)
    response = client.post(f"/admin/pages/{report.pk}/edit/",
                           edit_data(report, amount="120.50", reason="审计调整", action="action-publish"))
    assert response.status_code == 302
    corrections = FigureRecord.objects.filter(page=report, is_correction=True)
    assert [(c.key, c.old_amount, c.amount, c.reason, c.recorded_by) for c in corrections] == [
        ("raised", Decimal("100.00"), Decimal("120.50"), "审计调整", moderator)
    ]
    report = AnnualReportPage.objects.get(pk=report.pk)

    # A second edit that does not type a new reason: the form offers none, and is refused.
    offered = reason_offered_by_the_edit_form(client, report)
    assert offered == ""
    before = state(report)
    response = client.post(f"/admin/pages/{report.pk}/edit/",
                           edit_data(report, amount="130.00", reason=offered, action="action-publish"))
    assert response.status_code == 200
    assert "必须填写更正原因" in response.content.decode()
    assert state(report) == before
    assert FigureRecord.objects.filter(page=report, is_correction=True).count() == 1


def test_an_editors_reason_travels_with_the_draft_to_the_moderator(client, report, moderator):
    editor = user_in("编辑", "editor")
    client.force_login(editor)
    response = client.post(f"/admin/pages/{report.pk}/edit/", edit_data(report, amount="120.50", action="action-submit"))
    assert response.status_code == 200 and "必须填写更正原因" in response.content.decode()

    response = client.post(f"/admin/pages/{report.pk}/edit/",
                           edit_data(report, amount="120.50", reason="审计调整", action="action-submit"))
    assert response.status_code == 302
    assert FigureRecord.objects.filter(page=report, is_correction=True).count() == 0  # not public yet

    # The moderator opens the draft: its unused reason is offered; publishing records it once.
    client.force_login(moderator)
    assert reason_offered_by_the_edit_form(client, report) == "审计调整"
    page = AnnualReportPage.objects.get(pk=report.pk)
    state_ = page.current_workflow_state
    state_.current_task_state.task.specific.on_action(state_.current_task_state, moderator, "approve")
    correction = FigureRecord.objects.get(page=report, is_correction=True)
    assert (correction.amount, correction.reason) == (Decimal("120.50"), "审计调整")
    assert PublishedFigure.objects.get(page=report, key="raised").amount == Decimal("120.50")


def test_a_figure_changed_behind_the_logs_back_is_flagged_on_the_page(client, report):
    # The page's figure rows belong to Wagtail's page tree and cannot be frozen; the log can, so
    # a shown value that the log does not back is named openly.
    PublishedFigure.objects.filter(page=report, key="raised").update(amount=Decimal("0.01"))
    html = client.get(report.url).content.decode()
    notice = html[html.index("数字与公开记录不一致"):]
    assert "年度募集资金" in notice[:300]
    assert FigureRecord.objects.filter(page=report, amount=Decimal("0.01")).count() == 0


def test_a_reason_with_control_characters_is_refused_in_the_admin(client, report, moderator):
    client.force_login(moderator)
    before = state(report)
    response = client.post(f"/admin/pages/{report.pk}/edit/",
                           edit_data(report, amount="120.50", reason="审计\x07调整", action="action-publish"))
    assert response.status_code == 200 and "控制字符" in response.content.decode()
    assert state(report) == before


def test_bulk_deleting_a_report_with_published_figures_is_refused(client, report):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    before = state(report)
    response = client.post(
        f"/admin/bulk/wagtailcore/page/delete/?id={report.pk}", {"type_to_delete": report.title}, follow=True,
    )
    assert response.status_code == 200 and "公布记录不可删除" in response.content.decode()
    assert state(report) == before
