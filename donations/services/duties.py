"""A campaign's disclosures generated from the ledger: its full account, five-day emergency receipts,
and the partner-evaluation disclosure. Each is a draft submitted to moderation (cms_pages.duty_services)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from donations.models import Donation, Refund, RefundStatus
from donations.models.orders import PAID_STATUSES
from ledger.selectors import ZERO

__all__ = [
    "campaign_account_draft", "campaign_drafter", "campaign_account_figures", "emergency_receipts_draft", "emergency_windows",
    "partner_evaluation_draft",
]

WINDOW_DAYS = 5


def _refs(campaign):
    return Donation.objects.filter(campaign=campaign, status__in=PAID_STATUSES).values("out_trade_no")


def campaign_account_figures(campaign, *, end=None) -> list:
    """Raised (gifts less refunds), spent on the campaign's project by purpose since it opened, and left over."""
    from cms_pages.duty_services import figure_row
    from ledger.models import EntryKind, EntrySource
    from ledger.selectors import project_spending_by_purpose, source_total

    refund_refs = Refund.objects.filter(donation__campaign=campaign, status=RefundStatus.SUCCEEDED).values("out_request_no")
    donated = source_total(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=_refs(campaign))
    refunded = source_total(kind=EntryKind.REFUND, source=EntrySource.REFUND, source_refs=refund_refs)
    gifts = Donation.objects.filter(campaign=campaign, status__in=PAID_STATUSES).count()
    raised = donated - refunded
    rows = [
        figure_row("收入", "收到捐赠", donated, gifts),
        figure_row("收入", "捐赠退款", refunded),
        figure_row("收入", "募得善款（扣除退款）", raised),
    ]
    project_id = campaign.project_id
    if project_id is None:
        rows.append(figure_row("支出", "由基金统筹使用，按年度报告公开", raised))
        return rows
    spending = project_spending_by_purpose(project_id=project_id, start=campaign.starts_on, end=end)
    spent = sum((r["amount"] for r in spending), ZERO)
    rows += [figure_row("支出", f"拨付：{r['purpose']}", r["amount"], r["count"]) for r in spending]
    rows.append(figure_row("支出", "拨付合计（所属项目，自募捐开始）", spent))
    rows.append(figure_row("结余", "结余（募得减拨付，不足时为零）", max(raised - spent, ZERO)))
    return rows


def campaign_account_draft(campaign, *, user=None, leftover_handling: str = ""):
    """The full account within three months of the end (Art 79), as a draft for moderation."""
    from cms_pages.duty_services import duty_disclosure_draft
    from cms_pages.models import DisclosureKind

    end = campaign.ends_on or timezone.localdate()
    return duty_disclosure_draft(
        subject=campaign, kind=DisclosureKind.FINAL_ACCOUNT, title=f"{campaign.title} 募捐收支明细公示",
        figures=campaign_account_figures(campaign, end=end), period_start=campaign.starts_on, period_end=end,
        leftover_handling=leftover_handling,
        body="<p>本公示的数字由公开账本生成；结余资金的处理方式由基金办公室填写。</p>", user=user,
    )


def emergency_windows(campaign, *, start=None, end=None) -> list:
    """Gifts received in each five-day window from ``start`` (default: the campaign's first day) to ``end``."""
    from ledger.models import EntryKind, EntrySource
    from ledger.selectors import source_daily_totals

    start = start or campaign.starts_on
    end = end or timezone.localdate()
    days = source_daily_totals(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=_refs(campaign),
                               start=start, end=end)
    windows, first = [], start
    while first <= end:
        last = min(first + timedelta(days=WINDOW_DAYS - 1), end)
        inside = [d for d in days if first <= d["day"] <= last]
        windows.append({"start": first, "end": last, "count": sum(d["count"] for d in inside),
                        "amount": sum((d["amount"] for d in inside), ZERO)})
        first = last + timedelta(days=1)
    return windows


def emergency_receipts_draft(campaign, *, end=None, user=None):
    """The receipts since the last published emergency disclosure, by five-day window, as a draft."""
    from cms_pages.duty_services import duty_disclosure_draft, figure_row
    from cms_pages.models import DisclosureKind, DutyDisclosurePage

    end = end or timezone.localdate()
    last = (DutyDisclosurePage.objects.live().filter(subject_id=campaign.pk, kind=DisclosureKind.EMERGENCY_RECEIPTS)
            .exclude(period_end=None).order_by("-period_end").values_list("period_end", flat=True).first())
    start = last + timedelta(days=1) if last else campaign.starts_on
    if start > end:
        raise ValidationError("这段时间的应急募捐收入已经公开过。")
    windows = emergency_windows(campaign, start=start, end=end)
    figures = [figure_row("收入", f"{w['start']:%m月%d日}–{w['end']:%m月%d日}", w["amount"], w["count"]) for w in windows]
    figures.append(figure_row("收入", "本期合计", sum((w["amount"] for w in windows), ZERO), sum(w["count"] for w in windows)))
    return duty_disclosure_draft(
        subject=campaign, kind=DisclosureKind.EMERGENCY_RECEIPTS, title=f"{campaign.title} 应急募捐收入公示（截至{end:%Y年%m月%d日}）",
        figures=figures, period_start=start, period_end=end,
        body="<p>应急募捐期间，每五日至少公开一次募得款物；数字由公开账本按收款日期汇总生成。</p>", user=user,
    )


def partner_evaluation_draft(campaign, *, user=None, evaluation: str = ""):
    """The disclosure of the partner's evaluation after the campaign ends, with the campaign's account figures."""
    from cms_pages.duty_services import duty_disclosure_draft
    from cms_pages.models import DisclosureKind

    end = campaign.ends_on or timezone.localdate()
    return duty_disclosure_draft(
        subject=campaign, kind=DisclosureKind.PARTNER_EVALUATION, title=f"{campaign.title} 合作方评估公示",
        figures=campaign_account_figures(campaign, end=end), period_start=campaign.starts_on, period_end=end,
        body=evaluation or "<p>（请填写对合作方执行情况的评估结论。）</p>", user=user,
    )


def campaign_drafter(kind: str):
    """For the admin's 生成草稿: the drafter of one disclosure kind, taking a campaign's page id."""
    makers = {
        "final_account": campaign_account_draft, "emergency_receipts": emergency_receipts_draft,
        "partner_evaluation": partner_evaluation_draft,
    }

    def draft(campaign_pk: int, user):
        from donations.models import CampaignPage

        campaign = CampaignPage.objects.filter(pk=campaign_pk).first()
        if campaign is None:
            raise ValidationError("没有这个募捐活动。")
        return makers[kind](campaign, user=user)

    return draft
