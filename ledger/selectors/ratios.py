"""The two yearly ratios the law sets for a fundraising foundation, from the ledger where it can.

Charity Law Art 61 (see LAW.md, "Money ratios"): a year's charitable spending at least 70 % of the
previous year's income, or of the average income of the three years before; management costs at
most 10 % of the year's total spending. The ledger's kinds give part of this:

- income of a year: donations received less refunds, that year;
- charitable spending of a year: disbursements (grants paid to projects), that year;
- management costs: the ledger has no such kind, so that ratio is never computable from it.

A ratio is computable only when every year it rests on has records in the ledger (a year with no
entry at all is unknown, not zero) and the year's spending is not published only as a several-year
total (a ``project_spending_YYYY_YYYY`` figure spanning the year). Each result says why when not.
Plain Decimal: percentages to two places.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ledger.models import FlowRow
from ledger.selectors.totals import as_at, fund_totals

__all__ = ["RATIO_THRESHOLDS", "year_ratios"]

PERCENT = Decimal("0.01")
HUNDRED = Decimal("100")
# (comparison, percent) the law sets.
RATIO_THRESHOLDS = {
    "spending_to_prior_income": (">=", Decimal("70")),
    "spending_to_three_year_income": (">=", Decimal("70")),
    "management_to_spending": ("<=", Decimal("10")),
}
SPENDING_RANGE = re.compile(r"^project_spending_(\d{4})_(\d{4})$")


def _years_with_records(years, log_size):
    """Which of ``years`` have at least one entry (or queued record) dated in them (one query)."""
    rows = as_at(FlowRow.objects.filter(occurred_on__year__in=list(years)), log_size)
    return {day.year for day in rows.values_list("occurred_on", flat=True).distinct()}


def _span_covering(year, published_keys):
    """The (first, last) years of a published several-year spending total that includes ``year``, else None."""
    for key in published_keys:
        match = SPENDING_RANGE.match(key.replace("-", "_"))
        if match and int(match[1]) < int(match[2]) and int(match[1]) <= year <= int(match[2]):
            return int(match[1]), int(match[2])
    return None


def _income(year, log_size):
    totals = fund_totals(start=date(year, 1, 1), end=date(year, 12, 31), log_size=log_size)
    return totals["raised"] - totals["refunded"]


def _result(name, label, *, numerator=None, denominator=None, reason="", basis=""):
    comparison, threshold = RATIO_THRESHOLDS[name]
    result = {
        "name": name, "label": label, "comparison": comparison, "threshold": threshold,
        "computable": False, "percent": None, "meets": None,
        "numerator": numerator, "denominator": denominator, "reason": reason, "basis": basis,
    }
    if not reason and denominator is not None and denominator <= 0:
        result["reason"] = "作为分母的收入为零或为负，比例没有意义。"
    elif not reason:
        percent = (numerator * HUNDRED / denominator).quantize(PERCENT, rounding=ROUND_HALF_UP)
        meets = percent >= threshold if comparison == ">=" else percent <= threshold
        result.update(computable=True, percent=percent, meets=meets)
    return result


def year_ratios(*, year: int, published_keys=(), log_size: int | None = None) -> list[dict]:
    """The year's three ratio results (see the module docstring), each computable or with its reason.

    ``published_keys``: the report's published figure keys, which say whether its spending was
    published only as a several-year total. ``log_size`` counts only the log's first entries.
    """
    prior = [year - 3, year - 2, year - 1]
    recorded = _years_with_records([*prior, year], log_size)
    span = _span_covering(year, published_keys)
    spending_reason = ""
    if year not in recorded:
        spending_reason = f"账本中没有 {year} 年的记录，当年慈善活动支出无从计算。"
    elif span:
        spending_reason = (f"报告只公布了 {span[0]}—{span[1]} 年的项目支出合计，未分年度，"
                           f"{year} 年当年的慈善活动支出无从得知。")
    spending = None
    if not spending_reason:
        spending = fund_totals(start=date(year, 1, 1), end=date(year, 12, 31), log_size=log_size)["disbursed"]

    # Every reason a ratio cannot be computed is given, not only the first.
    income_reason = "" if year - 1 in recorded else f"账本中没有 {year - 1} 年的记录，上年收入无从得知。"
    reason = "".join([spending_reason, income_reason])
    prior_income = _income(year - 1, log_size) if not reason else None
    results = [_result(
        "spending_to_prior_income", "慈善活动支出占上年总收入", numerator=spending, denominator=prior_income,
        reason=reason, basis=f"{year} 年拨付 ÷ {year - 1} 年捐赠收入（扣除退款）",
    )]

    missing = [str(y) for y in prior if y not in recorded]
    average_reason = f"账本中没有 {'、'.join(missing)} 年的记录，前三年平均收入无从得知。" if missing else ""
    reason = "".join([spending_reason, average_reason])
    average = None
    if not reason:
        average = (sum((_income(y, log_size) for y in prior), Decimal("0")) / 3).quantize(PERCENT, rounding=ROUND_HALF_UP)
    results.append(_result(
        "spending_to_three_year_income", "慈善活动支出占前三年平均收入", numerator=spending, denominator=average,
        reason=reason, basis=f"{year} 年拨付 ÷ {prior[0]}—{prior[-1]} 年捐赠收入（扣除退款）的平均数",
    ))

    results.append(_result(
        "management_to_spending", "管理费用占当年总支出",
        reason=("账本没有“管理费用”类记录：账本记录的是资助批准、拨付、捐赠、退款和支付手续费，"
                "报告也未公布管理费用，因此无法计算。"),
        basis="管理费用 ÷ 当年总支出",
    ))
    return results
