"""Working days in mainland China: weekends off, statutory holidays off, make-up weekend days on.

The table is the State Council General Office's yearly notices on holiday arrangements
(国务院办公厅关于 2025 年 / 2026 年部分节假日安排的通知, 国办发明电〔2024〕12 号 and the notice
of 4 November 2025). It covers 2025 and 2026 only. Outside those years only weekends are
skipped (``covered`` says so, and the admin dashboard's complaint panel warns from a fortnight
before the table ends); add the next year's notice here when it is published, usually in November.
"""

from datetime import date, timedelta

COVERED_YEARS = (2025, 2026)


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


# Days off under the notices (放假), including the weekends inside each holiday.
HOLIDAYS: frozenset[date] = frozenset(
    # 2025
    _days(date(2025, 1, 1), date(2025, 1, 1))        # 元旦
    | _days(date(2025, 1, 28), date(2025, 2, 4))     # 春节
    | _days(date(2025, 4, 4), date(2025, 4, 6))      # 清明节
    | _days(date(2025, 5, 1), date(2025, 5, 5))      # 劳动节
    | _days(date(2025, 5, 31), date(2025, 6, 2))     # 端午节
    | _days(date(2025, 10, 1), date(2025, 10, 8))    # 国庆节、中秋节
    # 2026
    | _days(date(2026, 1, 1), date(2026, 1, 3))      # 元旦
    | _days(date(2026, 2, 15), date(2026, 2, 23))    # 春节
    | _days(date(2026, 4, 4), date(2026, 4, 6))      # 清明节
    | _days(date(2026, 5, 1), date(2026, 5, 5))      # 劳动节
    | _days(date(2026, 6, 19), date(2026, 6, 21))    # 端午节
    | _days(date(2026, 9, 25), date(2026, 9, 27))    # 中秋节
    | _days(date(2026, 10, 1), date(2026, 10, 7))    # 国庆节
)

# Weekend days worked in exchange (调休上班).
MAKEUP_WORKDAYS: frozenset[date] = frozenset({
    date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
    date(2026, 10, 10),
})


def covered(day: date) -> bool:
    """Whether the holiday table knows ``day``'s year (otherwise only weekends are skipped)."""
    return COVERED_YEARS[0] <= day.year <= COVERED_YEARS[-1]


def is_working_day(day: date) -> bool:
    if day in MAKEUP_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def working_days_after(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def table_notice(today: date) -> str:
    """A warning for the office when due days (up to a fortnight ahead) reach past the table, else ""."""
    horizon = today + timedelta(days=14)
    if covered(today) and covered(horizon):
        return ""
    return (f"节假日表只覆盖 {COVERED_YEARS[0]}—{COVERED_YEARS[-1]} 年：{horizon.year} 年的答复期限只跳过周末，"
            "未计法定节假日。请在 complaints/workdays.py 中补上国务院办公厅公布的该年节假日安排。")
