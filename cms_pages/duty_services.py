"""Drafts of 专项公示 generated from the ledger, submitted to moderation, never published here.

``duty_disclosure_draft`` is the one path that creates them (donations calls it for campaigns);
``project_account_draft`` builds a project's end-of-project account: implementation and use of money.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cms_pages.models import DisclosureIndexPage, DisclosureKind, DutyDisclosurePage

__all__ = [
    "duty_disclosure_draft", "figure_row", "project_account_draft", "project_account_figures", "project_drafter",
]


def figure_row(group: str, label: str, amount, count=None) -> dict:
    """One generated figure as stored: money as a two-place string, never a float."""
    return {"group": group, "label": label, "amount": f"{amount:.2f}", "count": count}


def pending_draft(*, subject_id: int, kind: str, period_end=None):
    """A draft of the same disclosure not yet published (so a second run does not duplicate it)."""
    return DutyDisclosurePage.objects.filter(subject_id=subject_id, kind=kind, period_end=period_end, live=False).first()


def duty_disclosure_draft(*, subject, kind: str, title: str, figures: list, period_start=None, period_end=None,
                          body: str = "", leftover_handling: str = "", user=None) -> DutyDisclosurePage:
    """Create a draft 专项公示 under the disclosure index and submit it to the 审核发布 workflow.

    Returns the draft already waiting for the same subject, kind and period instead of adding a second.
    """
    from ledger.selectors import log_size

    if kind not in DisclosureKind.values:
        raise ValidationError({"kind": "未知的公示类型。"})
    existing = pending_draft(subject_id=subject.pk, kind=kind, period_end=period_end)
    if existing is not None:
        return existing
    index = DisclosureIndexPage.objects.first()
    if index is None:
        raise ValidationError("网站还没有“信息公开”栏目页，无法创建专项公示。")
    if user is not None and not index.permissions_for_user(user).can_add_subpage():
        raise PermissionDenied("没有在“信息公开”栏目下新建页面的权限。")
    with transaction.atomic():
        page = DutyDisclosurePage(
            title=title, kind=kind, subject_id=subject.pk, period_start=period_start, period_end=period_end,
            body=body, leftover_handling=leftover_handling, figures=figures, ledger_log_size=log_size(), live=False,
        )
        index.add_child(instance=page)
        page.save_revision(user=user, log_action=True)
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, user)
    return page


def project_account_figures(project, *, start=None, end=None) -> list:
    """A project's money from the ledger: received, approved, paid out by purpose, and left unpaid."""
    from ledger.selectors import project_spending_by_purpose, project_totals

    totals = project_totals(project_id=project.pk)
    rows = [
        figure_row("收入", "定向捐赠收入（扣除退款）", totals["raised"] - totals["refunded"]),
        figure_row("收入", "批准资助", totals["approved"]),
    ]
    rows += [figure_row("支出", f"拨付：{r['purpose']}", r["amount"], r["count"])
             for r in project_spending_by_purpose(project_id=project.pk, start=start, end=end)]
    rows.append(figure_row("支出", "拨付合计", totals["disbursed"], totals["disbursement_count"]))
    rows.append(figure_row("结余", "批准未拨付（结余）", totals["payable"]))
    return rows


def project_account_draft(project, *, user=None, leftover_handling: str = "") -> DutyDisclosurePage:
    """The end-of-project account (implementation and use of money), as a draft for moderation."""
    end = project.end_date or timezone.localdate()
    return duty_disclosure_draft(
        subject=project, kind=DisclosureKind.FINAL_ACCOUNT, title=f"{project.title} 结项收支公示",
        figures=project_account_figures(project), period_start=project.start_date, period_end=end,
        leftover_handling=leftover_handling,
        body="<p>本公示的数字由公开账本生成；结余资金的处理方式由基金办公室填写。</p>", user=user,
    )


def project_drafter(project_pk: int, user):
    """For the admin's 生成草稿: the end-of-project account of a live project (meets the leftover duty once its handling is filled in)."""
    from cms_pages.models import ProjectPage

    project = ProjectPage.objects.filter(pk=project_pk).first()
    if project is None:
        raise ValidationError("没有这个项目。")
    return project_account_draft(project, user=user)
