"""State changes for content: the published figures of annual reports and their public change log.

Every figure record is written here, inside the transaction that publishes the report, so a
publication and its trace land together or not at all.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from cms_pages.models import AnnualReportPage, FigureRecord
from cms_pages.selectors import figure_changes, figure_latest_record_id

UNCHANGED = object()


class FigureCorrectionError(ValidationError):
    """A figure change that may not be recorded: no reason, a spent reason, or nothing to change."""


def report_figures_record(*, report: AnnualReportPage, revision, user=None):
    """Append a trace row for every figure a just-published revision adds, corrects, renames or withdraws.

    Runs inside the publishing transaction (see ``AnnualReportPage.save``). A change other than
    the report's first publication needs a reason written for the log as it stood (the revision's
    ``correction_basis``); a reason already used by an earlier record is refused, and after use
    the reason is cleared from the live page so it cannot be carried into the next edit. ``user``
    defaults to the revision's author: whoever wrote the change and its reason.
    """
    with transaction.atomic():
        # One publication at a time per report, so two cannot both claim the same old value.
        page = AnnualReportPage.objects.select_for_update().get(pk=report.pk)
        if not page.live or page.live_revision_id != revision.pk:
            return []  # scheduled for later: recorded when it goes live
        figures = [
            {"key": f.key, "label": f.label, "amount": f.amount, "count": f.count}
            for f in page.published_figures.all()
        ]
        changes = figure_changes(report=page, figures=figures)
        reason = (page.correction_reason or "").strip()
        if any(c.needs_reason for c in changes):
            if not reason:
                names = "、".join(c.label or c.old_label for c in changes if c.needs_reason)
                raise FigureCorrectionError(f"更正已公布的数字（{names}）时，必须填写更正原因。")
            if page.correction_basis != figure_latest_record_id(report=page):
                raise FigureCorrectionError("这条更正原因是为之前的更正填写的，已经用过；请为本次更正重新填写原因。")
        author = user if user is not None else revision.user
        author = author if author is not None and author.is_authenticated else None
        records = [
            FigureRecord.objects.create(
                page=page, key=c.key, action=c.action,
                label=c.label or c.old_label, amount=c.amount, count=c.count,
                old_label=c.old_label, old_amount=c.old_amount, old_count=c.old_count,
                is_correction=c.needs_reason, reason=reason if c.needs_reason else "",
                recorded_by=author,
            )
            for c in changes
        ]
        if page.correction_reason or page.correction_basis is not None:
            AnnualReportPage.objects.filter(pk=page.pk).update(correction_reason="", correction_basis=None)
            report.correction_reason, report.correction_basis = "", None
    return records


def figure_correct(*, report, key, new_label=None, new_amount=UNCHANGED, new_count=UNCHANGED,
                   delete=False, reason, user):
    """Correct, rename or withdraw one figure of a live report and publish it at once, with its reason.

    The change is made on the live version (as a new revision, so the page history shows it) and
    recorded by ``report_figures_record``; all of it is one transaction. Refused, changing nothing,
    when the report has an unpublished draft (publishing would discard or release it), when the
    user may not publish, when the figure does not exist, when nothing would change, or when the
    reason is empty.
    """
    reason = (reason or "").strip()
    if not reason:
        raise FigureCorrectionError("更正已公布的数字时，必须填写更正原因。")
    if len(reason) > 255 or any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        raise FigureCorrectionError("更正原因最多 255 个字，且不能包含控制字符。")
    with transaction.atomic():
        page = AnnualReportPage.objects.select_for_update().get(pk=report.pk)
        if not page.live:
            raise FigureCorrectionError("这份报告尚未发布，直接在页面编辑器中修改即可。")
        if page.has_unpublished_changes:
            raise FigureCorrectionError("这份报告有尚未发布的草稿，请先在页面编辑器中发布或撤销草稿，再更正数字。")
        if user is not None and not page.permissions_for_user(user).can_publish():
            raise FigureCorrectionError("你没有发布这份报告的权限，不能更正已公布的数字。")
        figures = list(page.published_figures.all())
        figure = next((f for f in figures if f.key == key), None)
        if figure is None:
            raise FigureCorrectionError(f"这份报告没有标识为“{key[:60]}”的数字。")
        if delete:
            figures.remove(figure)
        else:
            before = (figure.label, figure.amount, figure.count)
            if new_label is not None:
                figure.label = new_label
            if new_amount is not UNCHANGED:
                figure.amount = new_amount
            if new_count is not UNCHANGED:
                figure.count = new_count
            if (figure.label, figure.amount, figure.count) == before:
                raise FigureCorrectionError("更正后的数字与已公布的相同，没有需要更正的内容。")
            if not figure.label.strip():
                raise FigureCorrectionError("数字的名称不能为空。")
        basis = figure_latest_record_id(report=page)
        page.published_figures = figures
        page.correction_reason, page.correction_basis = reason, basis
        revision = page.save_revision(user=user)
        revision.publish(user=user, skip_permission_checks=True)
        return list(FigureRecord.objects.filter(page=page, pk__gt=basis or 0).order_by("pk"))
