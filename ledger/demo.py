"""Demo ledger: the money the fund's 2019 and 2021 reports publish, and nothing else.

The reports give aggregates, not individual payments, so most entries are aggregates whose
memo names the report and says how the figure was obtained. Each entry has a fixed source
reference, so loading twice records nothing new.
"""

from datetime import date
from decimal import Decimal

from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.services import entry_record

SOURCE = EntrySource.ANNUAL_REPORT
QINGXU_PLATFORM = "清徐新时代文明实践平台"
# The one 2019 disbursement of ledgers loaded before the category sums were recorded as spent.
LEGACY_2019_DISBURSED = "2019-disbursed"


def _money(value):
    return Decimal(value)


def _report(facts, year):
    return next(report for report in facts["reports"] if report["year"] == year)


def _title(report):
    return f"《{report['title']}》"


def _entries_2019(report):
    """Raised, approved, disbursed, each as the report states; the two category sums as spent.

    The report says the elderly-care and children's projects had their sums "投入" (put in,
    spent), so each is an approval and a disbursement of that sum under its category; the rest
    of the year's approvals and disbursements are the report's totals less those sums.
    """
    figures, source = report["figures"], _title(report)
    day = date(2019, 12, 31)
    categories = {item["category"]: item for item in report.get("category_totals", [])}
    category_sum = sum((_money(item["invested"]) for item in categories.values()), Decimal("0.00"))
    approved = _money(figures["approved_amount"])
    disbursed = _money(figures["disbursed"])
    entries = [
        dict(kind=EntryKind.DONATION, amount=_money(figures["raised"]), ref="2019-raised",
             memo=f"{source}：2019 年度募集资金合计（汇总；报告未分笔、未分渠道公布）。"),
    ]
    for name, item in categories.items():
        entries.append(dict(
            kind=EntryKind.GRANT_APPROVAL, amount=_money(item["invested"]), ref=f"2019-approved-{name}",
            category_label=name,
            memo=f"{source}：{name}类 {item['projects']} 个项目投入合计（汇总；分项目金额未公布）。",
        ))
    other_projects = figures["projects_approved"] - sum(item["projects"] for item in categories.values())
    entries.append(dict(
        kind=EntryKind.GRANT_APPROVAL, amount=approved - category_sum, ref="2019-approved-other",
        memo=(f"{source}：立项 {figures['projects_approved']} 个、资助金额 {approved} 元；"
              f"本条为其余 {other_projects} 个项目的合计，即资助总额减去上列类别合计（汇总；分项目金额未公布）。"),
    ))
    for name, item in categories.items():
        entries.append(dict(
            kind=EntryKind.DISBURSEMENT, amount=_money(item["invested"]), ref=f"2019-spent-{name}",
            category_label=name,
            memo=(f"{source}：{name}类 {item['projects']} 个项目“投入”{_money(item['invested'])} 元，"
                  "即已支出（汇总；分项目、分笔金额未公布）。"),
        ))
    entries.append(dict(
        kind=EntryKind.DISBURSEMENT, amount=disbursed - category_sum, ref="2019-disbursed-other",
        memo=(f"{source}：2019 年度已拨付资金 {disbursed} 元；本条为上列类别投入以外的部分，"
              "即拨付总额减去类别投入合计（汇总；分项目、分笔金额未公布）。"),
    ))
    return [dict(entry, occurred_on=day) for entry in entries]


def _entries_2021(report, opening_payable, qingxu_project_id):
    """Raised, 2020–2021 spending, and the approvals implied by the unpaid balance the report gives."""
    figures, source = report["figures"], _title(report)
    day = date(2021, 12, 31)
    spending = _money(figures["project_spending_2020_2021"])
    payable = _money(figures["payable_unpaid"])
    qingxu = next(item for item in report["projects"] if item["name"] == QINGXU_PLATFORM)
    qingxu_owed = _money(qingxu["payable_unpaid"])
    # Closing balance = opening balance + approvals − disbursements, so the approvals of
    # 2020–2021 follow from the three figures; the report does not state them directly.
    approvals = payable - opening_payable + spending
    return [
        dict(kind=EntryKind.DONATION, amount=_money(figures["raised"]), ref="2021-raised", occurred_on=day,
             memo=f"{source}：2021 年度募集资金合计（汇总；报告未分笔、未分渠道公布）。"),
        dict(kind=EntryKind.GRANT_APPROVAL, amount=qingxu_owed, ref="2021-approved-qingxu", occurred_on=day,
             project_id=qingxu_project_id,
             memo=(f"{source}：报告载明本项目已立项未支付 {qingxu_owed} 元。本条只记这部分；"
                   "项目的批准总额与已拨付金额报告未公布。")),
        dict(kind=EntryKind.GRANT_APPROVAL, amount=approvals - qingxu_owed, ref="2020-2021-approved-other",
             occurred_on=day,
             memo=(f"据{source}推算的 2020—2021 年其他立项资助合计（汇总）：年末已立项未支付 {payable} 元"
                   f" − 2019 年末未支付 {opening_payable} 元 + 2020—2021 年项目支出 {spending} 元"
                   f" − 上条清徐项目 {qingxu_owed} 元。报告未直接公布此数。")),
        dict(kind=EntryKind.DISBURSEMENT, amount=spending, ref="2020-2021-disbursed", occurred_on=day,
             memo=f"{source}：2020—2021 年项目支出合计（汇总；报告未分年度、分项目公布）。"),
    ]


def _post(entry):
    entry = dict(entry)
    return entry_record(
        kind=entry.pop("kind"), amount=entry.pop("amount"), occurred_on=entry.pop("occurred_on"),
        memo=entry.pop("memo"), source=SOURCE, source_ref=entry.pop("ref"), **entry,
    )


def load(context, stdout):
    """Record the reports' money figures; needs the facts and project pages from the content loader."""
    facts, projects = context["facts"], context["projects"]
    report_2019 = _report(facts, 2019)
    if LedgerEntry.objects.filter(source=SOURCE, source_ref=LEGACY_2019_DISBURSED).exists():
        # A ledger loaded before the category sums were recorded as spent keeps its 2019 entries:
        # entries are never changed, and adding the new ones beside them would count 2019 twice.
        stdout.write("账本：2019 年汇总记录为旧版（类别投入记作批准），未追加；新建数据库即得新版。")
        recorded = []
    else:
        recorded = [_post(entry) for entry in _entries_2019(report_2019)]
    # Unpaid at the end of 2019: what was approved that year less what was paid out.
    opening = _money(report_2019["figures"]["approved_amount"]) - _money(report_2019["figures"]["disbursed"])
    qingxu = projects[QINGXU_PLATFORM]
    recorded += [_post(entry) for entry in _entries_2021(_report(facts, 2021), opening, qingxu.pk)]
    stdout.write(f"账本：{len(recorded)} 条汇总记录（出自 2019、2021 年度报告）。")
