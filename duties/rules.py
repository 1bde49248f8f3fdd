"""The disclosure duties of LAW.md's "Disclosure clocks" table as plain, pure functions.

Nothing here reads the database: a subject (a campaign, a project, the fund) arrives as a
``Subject`` with its dates and the publications that may meet its duties, and ``subject_duties``
says what is due, by when, and which publication met it. Months are calendar months: three
months after 30 November is 28 (or 29) February, and a duty due on a day is met by a
publication on that day and overdue from the next.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

__all__ = [
    "NEAR_DAYS", "Duty", "DutyKind", "DutyStatus", "Publication", "Subject", "add_months", "duties_in_short",
    "lasts_over_six_months", "subject_duties",
]

# An unmet duty whose day is this close is listed as near-due (dashboard, office e-mail).
NEAR_DAYS = 14
EMERGENCY_INTERVAL_DAYS = 5


class DutyKind:
    """What a duty asks for; a publication names the kinds it meets."""

    PROGRESS = "progress"
    FINAL_ACCOUNT = "final_account"
    LEFTOVER = "leftover"
    EMERGENCY_RECEIPTS = "emergency_receipts"
    PARTNER_EVALUATION = "partner_evaluation"
    ANNUAL_REPORT = "annual_report"

    LABELS = {
        PROGRESS: "进展公开（每三个月至少一次）",
        FINAL_ACCOUNT: "结束后三个月内全面公开收支明细",
        LEFTOVER: "结余资金处理情况（结束后三个月内）",
        EMERGENCY_RECEIPTS: "应急募捐收入公开（每五日至少一次）",
        PARTNER_EVALUATION: "合作方评估情况公开（结束后三个月内）",
        ANNUAL_REPORT: "年度工作报告和财务会计报告（次年5月31日前）",
    }
    BASIS = {
        PROGRESS: "《慈善法》第七十九条",
        FINAL_ACCOUNT: "《慈善法》第七十九条",
        LEFTOVER: "《慈善法》第五十八条；民政部令第81号",
        EMERGENCY_RECEIPTS: "《慈善法》第七十二条、第七十三条",
        PARTNER_EVALUATION: "民政部令第81号",
        ANNUAL_REPORT: "《慈善法》第十三条、第七十八条",
    }


class DutyStatus:
    MET = "met"
    MET_LATE = "met_late"
    UPCOMING = "upcoming"
    NEAR = "near"
    OVERDUE = "overdue"

    LABELS = {
        MET: "已按时公开", MET_LATE: "已补公开（逾期）", UPCOMING: "未到期", NEAR: "即将到期", OVERDUE: "已逾期",
    }
    OPEN = (NEAR, OVERDUE)


@dataclass(frozen=True)
class Publication:
    """A live page that may meet a duty: its day, the duty kinds it meets, and its covered period."""

    published_on: date
    kinds: frozenset
    title: str
    url: str = ""
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class Subject:
    """A campaign, project or the fund, as the duty rules need it (supplied by the app that owns it)."""

    kind: str  # "campaign", "project" or "fund"
    pk: int
    title: str
    starts_on: date | None
    ends_on: date | None = None
    url: str = ""
    admin_url: str = ""
    publications: list = field(default_factory=list)
    # Projects: progress is due while the project runs even when its dates were never recorded.
    running_without_dates: bool = False
    ended: bool | None = None  # None: ended when ends_on has passed
    leftover: Decimal | None = None  # money left over at the end, when the ledger shows some
    is_emergency: bool = False
    has_partner: bool = False
    first_report_year: int | None = None  # the fund: the first year an annual report is due for


@dataclass
class Duty:
    """One duty of one subject: due on a day, met (or not) by a publication."""

    subject: Subject
    kind: str
    due_on: date
    status: str
    met_by: Publication | None = None
    period_start: date | None = None
    note: str = ""
    last_met: Publication | None = None  # on an open duty: the publication that met the period before

    @property
    def label(self):
        return DutyKind.LABELS[self.kind]

    @property
    def basis(self):
        return DutyKind.BASIS[self.kind]

    @property
    def status_label(self):
        return DutyStatus.LABELS[self.status]

    @property
    def is_open(self):
        return self.status in DutyStatus.OPEN

    @property
    def is_overdue(self):
        return self.status == DutyStatus.OVERDUE


def add_months(day: date, months: int) -> date:
    """``day`` moved by calendar months, kept inside the month it lands in (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def lasts_over_six_months(starts_on: date | None, ends_on: date | None) -> bool:
    """Over six months from start to end; a subject with no end date is long-running."""
    if starts_on is None:
        return False
    return ends_on is None or ends_on > add_months(starts_on, 6)


def _open_status(due_on: date, today: date, near_days: int) -> str:
    if today > due_on:
        return DutyStatus.OVERDUE
    if (due_on - today).days <= near_days:
        return DutyStatus.NEAR
    return DutyStatus.UPCOMING


def _chain(subject, kind, *, start, step, stop, today, near_days):
    """Recurring duties: each publication restarts the clock; the first unmet one is open.

    ``step(anchor)`` gives the next due day; ``stop(anchor, due)`` ends the chain.
    """
    publications = sorted(
        (p for p in subject.publications if kind in p.kinds and p.published_on >= start),
        key=lambda p: p.published_on,
    )
    duties, anchor, first = [], start, True
    for _ in range(400):  # 100 years of quarters: a guard, never reached
        due = step(anchor)
        if stop(anchor, due):
            break
        # The first period may be met on the start day itself; later ones by a newer publication.
        publication = next((p for p in publications if p.published_on > anchor or (first and p.published_on >= anchor)), None)
        if publication is None:
            duties.append(Duty(subject, kind, due, _open_status(due, today, near_days), period_start=anchor))
            break
        status = DutyStatus.MET if publication.published_on <= due else DutyStatus.MET_LATE
        duties.append(Duty(subject, kind, due, status, met_by=publication, period_start=anchor))
        anchor, first = publication.published_on, False
    return duties


def _after_end(subject, kind, end, today, near_days, *, accepts=None):
    """A one-off duty due three months after ``end``, met by a publication of ``kind`` made on or after it."""
    due = add_months(end, 3)
    accepts = accepts or (lambda p: True)
    publication = min(
        (p for p in subject.publications if kind in p.kinds and p.published_on >= end and accepts(p)),
        key=lambda p: p.published_on, default=None,
    )
    if publication is None:
        return Duty(subject, kind, due, _open_status(due, today, near_days), period_start=end)
    status = DutyStatus.MET if publication.published_on <= due else DutyStatus.MET_LATE
    return Duty(subject, kind, due, status, met_by=publication, period_start=end)


def _has_ended(subject, today):
    if subject.ended is not None:
        return subject.ended and subject.ends_on is not None
    return subject.ends_on is not None and subject.ends_on < today


def subject_duties(subject: Subject, *, today: date, near_days: int = NEAR_DAYS) -> list[Duty]:
    """Every duty of ``subject`` as of ``today``: the periods met so far and the open one, in due order."""
    duties = []
    if subject.kind == "fund":
        return _annual_reports(subject, today, near_days)
    long_running = lasts_over_six_months(subject.starts_on, subject.ends_on)
    if long_running or (subject.running_without_dates and subject.starts_on is None):
        start = subject.starts_on or today
        end = subject.ends_on
        if subject.starts_on is None:
            # Running, dates never recorded: the clock runs from the last progress published (or is already late).
            dated = [p.published_on for p in subject.publications if DutyKind.PROGRESS in p.kinds]
            start = min(dated) if dated else None
            if start is None:
                duties.append(Duty(subject, DutyKind.PROGRESS, today - timedelta(days=1), DutyStatus.OVERDUE,
                                   note="执行中但从未公开进展"))
        if start is not None:
            duties += _chain(
                subject, DutyKind.PROGRESS, start=start, step=lambda a: add_months(a, 3),
                stop=lambda a, due: end is not None and due > end, today=today, near_days=near_days,
            )
    ended = _has_ended(subject, today)
    if long_running and subject.ends_on is not None:
        duties.append(_after_end(subject, DutyKind.FINAL_ACCOUNT, subject.ends_on, today, near_days))
    if subject.kind == "project" and ended and subject.leftover is not None and subject.leftover > 0:
        duties.append(_after_end(subject, DutyKind.LEFTOVER, subject.ends_on, today, near_days))
    if subject.is_emergency and subject.starts_on is not None:
        end = subject.ends_on
        duties += _chain(
            subject, DutyKind.EMERGENCY_RECEIPTS, start=subject.starts_on,
            step=lambda a: a + timedelta(days=EMERGENCY_INTERVAL_DAYS),
            # During the response only: no new window opens after its last day (or after today).
            stop=lambda a, due: end is not None and a >= end and a != subject.starts_on,
            today=today, near_days=min(near_days, EMERGENCY_INTERVAL_DAYS),
        )
    if subject.kind == "campaign" and subject.has_partner and subject.ends_on is not None and ended:
        duties.append(_after_end(subject, DutyKind.PARTNER_EVALUATION, subject.ends_on, today, near_days))
    return sorted(duties, key=lambda d: (d.due_on, d.kind))


def duties_in_short(duties: list) -> list:
    """For a page, one line per duty still to meet (carrying the publication that met the period before),
    and for a kind with nothing open, its latest met period. The full history stays in ``subject_duties``."""
    met = (DutyStatus.MET, DutyStatus.MET_LATE)
    latest_met, has_open = {}, set()
    for duty in duties:
        if duty.status in met:
            latest_met[duty.kind] = duty
        else:
            has_open.add(duty.kind)
    short = []
    for duty in duties:
        if duty.status not in met:
            previous = latest_met.get(duty.kind)
            if previous is not None and previous.due_on <= duty.due_on:
                duty.last_met = previous.met_by
            short.append(duty)
        elif duty.kind not in has_open and latest_met[duty.kind] is duty:
            short.append(duty)
    return short


def _annual_reports(subject, today, near_days):
    """The fund's annual report for year Y is due on 31 May of Y + 1, met by that year's report going live."""
    if subject.first_report_year is None:
        return []
    duties = []
    for year in range(subject.first_report_year, today.year):
        due = date(year + 1, 5, 31)
        publication = next(
            (p for p in subject.publications
             if DutyKind.ANNUAL_REPORT in p.kinds and p.period_start and p.period_start.year == year), None,
        )
        if publication is None:
            status = _open_status(due, today, near_days)
        else:
            status = DutyStatus.MET if publication.published_on <= due else DutyStatus.MET_LATE
        duties.append(Duty(subject, DutyKind.ANNUAL_REPORT, due, status, met_by=publication,
                           period_start=date(year, 1, 1), note=f"{year} 年度"))
    return duties
