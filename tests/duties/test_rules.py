"""Each clock of LAW.md's table as a pure rule: due, overdue, met by a publication, and the boundary days."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from duties.rules import DutyKind, DutyStatus, Publication, Subject, add_months, lasts_over_six_months, subject_duties


def pub(day, *kinds, title="公示"):
    return Publication(published_on=day, kinds=frozenset(kinds), title=title)


def campaign(start, end, *publications, **fields):
    return Subject(kind="campaign", pk=1, title="募捐", starts_on=start, ends_on=end, publications=list(publications), **fields)


def project(start, end, *publications, **fields):
    return Subject(kind="project", pk=2, title="项目", starts_on=start, ends_on=end, publications=list(publications), **fields)


def of_kind(duties, kind):
    return [d for d in duties if d.kind == kind]


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 11, 30), 3, date(2024, 2, 29)),
    (date(2022, 11, 30), 3, date(2023, 2, 28)),
    (date(2024, 10, 15), 3, date(2025, 1, 15)),
    (date(2024, 5, 31), -3, date(2024, 2, 29)),
])
def test_months_are_calendar_months_kept_inside_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_over_six_months_is_strictly_longer_than_six_calendar_months():
    start = date(2024, 1, 10)
    assert not lasts_over_six_months(start, date(2024, 7, 10))
    assert lasts_over_six_months(start, date(2024, 7, 11))
    assert lasts_over_six_months(start, None)  # long-running, no end
    assert not lasts_over_six_months(None, date(2025, 1, 1))


def test_a_campaign_of_six_months_or_less_has_no_progress_or_account_clock():
    assert subject_duties(campaign(date(2024, 1, 10), date(2024, 7, 10)), today=date(2025, 6, 1)) == []


def test_progress_falls_due_three_months_after_the_start_and_is_overdue_the_day_after():
    subject = campaign(date(2024, 1, 10), date(2025, 1, 10))
    on_the_day = of_kind(subject_duties(subject, today=date(2024, 4, 10)), DutyKind.PROGRESS)
    assert [(d.due_on, d.status) for d in on_the_day] == [(date(2024, 4, 10), DutyStatus.NEAR)]
    day_after = of_kind(subject_duties(subject, today=date(2024, 4, 11)), DutyKind.PROGRESS)
    assert [(d.due_on, d.status) for d in day_after] == [(date(2024, 4, 10), DutyStatus.OVERDUE)]
    early = of_kind(subject_duties(subject, today=date(2024, 2, 1)), DutyKind.PROGRESS)
    assert early[0].status == DutyStatus.UPCOMING


def test_a_publication_on_the_due_day_meets_it_and_restarts_the_clock():
    report = pub(date(2024, 4, 10), DutyKind.PROGRESS, title="第一季度进展")
    subject = campaign(date(2024, 1, 10), date(2025, 1, 10), report)
    duties = of_kind(subject_duties(subject, today=date(2024, 7, 11)), DutyKind.PROGRESS)
    assert [(d.due_on, d.status) for d in duties] == [
        (date(2024, 4, 10), DutyStatus.MET), (date(2024, 7, 10), DutyStatus.OVERDUE),
    ]
    assert duties[0].met_by == report


def test_a_late_publication_is_shown_as_met_late_and_the_next_period_runs_from_it():
    late = pub(date(2024, 5, 1), DutyKind.PROGRESS)
    duties = of_kind(subject_duties(campaign(date(2024, 1, 10), date(2025, 1, 10), late), today=date(2024, 6, 1)),
                     DutyKind.PROGRESS)
    assert [(d.due_on, d.status) for d in duties] == [
        (date(2024, 4, 10), DutyStatus.MET_LATE), (date(2024, 8, 1), DutyStatus.UPCOMING),
    ]


def test_a_publication_of_another_kind_does_not_meet_progress():
    other = pub(date(2024, 3, 1), DutyKind.EMERGENCY_RECEIPTS)
    duties = of_kind(subject_duties(campaign(date(2024, 1, 10), date(2025, 1, 10), other), today=date(2024, 4, 11)),
                     DutyKind.PROGRESS)
    assert duties[-1].status == DutyStatus.OVERDUE


def test_no_progress_period_opens_past_the_end_the_full_account_takes_over():
    start, end = date(2024, 1, 10), date(2024, 8, 1)
    pubs = [pub(date(2024, 4, 1), DutyKind.PROGRESS), pub(date(2024, 7, 1), DutyKind.PROGRESS)]
    duties = subject_duties(campaign(start, end, *pubs), today=date(2024, 9, 1))
    assert [d.status for d in of_kind(duties, DutyKind.PROGRESS)] == [DutyStatus.MET, DutyStatus.MET]
    final = of_kind(duties, DutyKind.FINAL_ACCOUNT)
    assert [(d.due_on, d.status) for d in final] == [(date(2024, 11, 1), DutyStatus.UPCOMING)]


def test_full_account_due_three_months_after_the_end_boundary_and_met():
    start, end = date(2023, 1, 1), date(2023, 11, 30)
    subject = campaign(start, end)
    assert of_kind(subject_duties(subject, today=date(2024, 2, 29)), DutyKind.FINAL_ACCOUNT)[0].status == DutyStatus.NEAR
    overdue = of_kind(subject_duties(subject, today=date(2024, 3, 1)), DutyKind.FINAL_ACCOUNT)[0]
    assert (overdue.due_on, overdue.status) == (date(2024, 2, 29), DutyStatus.OVERDUE)
    # An account published before the end does not count; one on the due day does.
    early = pub(date(2023, 11, 29), DutyKind.FINAL_ACCOUNT)
    on_time = pub(date(2024, 2, 29), DutyKind.FINAL_ACCOUNT, title="收支明细")
    assert of_kind(subject_duties(campaign(start, end, early), today=date(2024, 3, 1)),
                   DutyKind.FINAL_ACCOUNT)[0].status == DutyStatus.OVERDUE
    met = of_kind(subject_duties(campaign(start, end, early, on_time), today=date(2024, 3, 1)), DutyKind.FINAL_ACCOUNT)[0]
    assert (met.status, met.met_by) == (DutyStatus.MET, on_time)


def test_project_implementation_clock_and_leftover_handling_when_money_is_left():
    start, end = date(2022, 3, 1), date(2023, 3, 1)
    ended = project(start, end, leftover=Decimal("1200.00"))
    duties = subject_duties(ended, today=date(2023, 6, 2))
    leftover = of_kind(duties, DutyKind.LEFTOVER)
    assert [(d.due_on, d.status) for d in leftover] == [(date(2023, 6, 1), DutyStatus.OVERDUE)]
    assert of_kind(duties, DutyKind.FINAL_ACCOUNT)[0].status == DutyStatus.OVERDUE
    # A final account that says how the money left over was handled meets both.
    both = pub(date(2023, 5, 20), DutyKind.FINAL_ACCOUNT, DutyKind.LEFTOVER)
    duties = subject_duties(project(start, end, both, leftover=Decimal("1200.00")), today=date(2023, 6, 2))
    assert {d.kind: d.status for d in duties if d.kind != DutyKind.PROGRESS} == {
        DutyKind.FINAL_ACCOUNT: DutyStatus.MET, DutyKind.LEFTOVER: DutyStatus.MET,
    }
    # Nothing left over: no leftover duty; not ended yet: none either.
    assert not of_kind(subject_duties(project(start, end, leftover=Decimal("0.00")), today=date(2023, 6, 2)), DutyKind.LEFTOVER)
    assert not of_kind(subject_duties(project(start, end, leftover=Decimal("5.00")), today=date(2023, 2, 1)), DutyKind.LEFTOVER)


def test_running_project_without_dates_is_overdue_until_progress_then_every_three_months():
    never = project(None, None, running_without_dates=True)
    assert [d.status for d in subject_duties(never, today=date(2024, 5, 1))] == [DutyStatus.OVERDUE]
    story = pub(date(2024, 1, 31), DutyKind.PROGRESS)
    duties = subject_duties(project(None, None, story, running_without_dates=True), today=date(2024, 4, 30))
    assert (duties[-1].due_on, duties[-1].status) == (date(2024, 4, 30), DutyStatus.NEAR)
    duties = subject_duties(project(None, None, story, running_without_dates=True), today=date(2024, 5, 1))
    assert duties[-1].status == DutyStatus.OVERDUE


def test_emergency_receipts_every_five_days_during_the_response():
    start, end = date(2024, 7, 1), date(2024, 7, 20)
    subject = campaign(start, end, is_emergency=True)
    first = of_kind(subject_duties(subject, today=date(2024, 7, 6)), DutyKind.EMERGENCY_RECEIPTS)
    assert [(d.due_on, d.status) for d in first] == [(date(2024, 7, 6), DutyStatus.NEAR)]
    late = of_kind(subject_duties(subject, today=date(2024, 7, 7)), DutyKind.EMERGENCY_RECEIPTS)
    assert late[0].status == DutyStatus.OVERDUE
    pubs = [pub(date(2024, 7, d), DutyKind.EMERGENCY_RECEIPTS) for d in (6, 11, 16, 20)]
    duties = of_kind(subject_duties(campaign(start, end, *pubs, is_emergency=True), today=date(2024, 8, 1)),
                     DutyKind.EMERGENCY_RECEIPTS)
    assert [d.status for d in duties] == [DutyStatus.MET] * 4  # last one on the response's final day: chain ends
    gap = [pub(date(2024, 7, 6), DutyKind.EMERGENCY_RECEIPTS), pub(date(2024, 7, 12), DutyKind.EMERGENCY_RECEIPTS)]
    duties = of_kind(subject_duties(campaign(start, end, *gap, is_emergency=True), today=date(2024, 7, 13)),
                     DutyKind.EMERGENCY_RECEIPTS)
    assert [(d.due_on, d.status) for d in duties] == [
        (date(2024, 7, 6), DutyStatus.MET), (date(2024, 7, 11), DutyStatus.MET_LATE), (date(2024, 7, 17), DutyStatus.NEAR),
    ]
    assert not of_kind(subject_duties(campaign(start, end), today=date(2024, 7, 13)), DutyKind.EMERGENCY_RECEIPTS)


def test_partner_evaluation_due_three_months_after_a_campaign_with_a_partner_ends():
    start, end = date(2024, 1, 1), date(2024, 3, 31)
    with_partner = campaign(start, end, has_partner=True)
    duty = of_kind(subject_duties(with_partner, today=date(2024, 7, 1)), DutyKind.PARTNER_EVALUATION)[0]
    assert (duty.due_on, duty.status) == (date(2024, 6, 30), DutyStatus.OVERDUE)
    assert of_kind(subject_duties(with_partner, today=date(2024, 6, 30)), DutyKind.PARTNER_EVALUATION)[0].status == DutyStatus.NEAR
    met = campaign(start, end, pub(date(2024, 6, 30), DutyKind.PARTNER_EVALUATION), has_partner=True)
    assert of_kind(subject_duties(met, today=date(2024, 7, 1)), DutyKind.PARTNER_EVALUATION)[0].status == DutyStatus.MET
    assert not of_kind(subject_duties(campaign(start, end), today=date(2024, 7, 1)), DutyKind.PARTNER_EVALUATION)
    assert not of_kind(subject_duties(with_partner, today=date(2024, 3, 31)), DutyKind.PARTNER_EVALUATION)


def test_annual_report_due_by_31_may_of_the_next_year():
    report = Publication(published_on=date(2020, 5, 31), kinds=frozenset({DutyKind.ANNUAL_REPORT}), title="2019 年报",
                         period_start=date(2019, 1, 1))
    fund = Subject(kind="fund", pk=0, title="年度报告", starts_on=None, publications=[report], first_report_year=2019)
    duties = subject_duties(fund, today=date(2021, 6, 1))
    assert [(d.due_on, d.status) for d in duties] == [
        (date(2020, 5, 31), DutyStatus.MET), (date(2021, 5, 31), DutyStatus.OVERDUE),
    ]
    assert subject_duties(fund, today=date(2021, 5, 31))[1].status == DutyStatus.NEAR
    assert subject_duties(fund, today=date(2021, 5, 31) - timedelta(days=30))[1].status == DutyStatus.UPCOMING


def test_a_page_shows_open_duties_and_only_the_latest_met_one_of_each_kind():
    from duties.rules import duties_in_short

    pubs = [pub(date(2024, m, 1), DutyKind.PROGRESS, title=f"{m}月进展") for m in (3, 5, 7)]
    duties = subject_duties(campaign(date(2024, 1, 10), date(2025, 6, 10), *pubs), today=date(2024, 11, 2))
    assert len(of_kind(duties, DutyKind.PROGRESS)) == 4
    short = duties_in_short(duties)
    assert [(d.status, d.last_met.title) for d in short if d.kind == DutyKind.PROGRESS] == [(DutyStatus.OVERDUE, "7月进展")]
    met_only = duties_in_short(subject_duties(campaign(date(2024, 1, 10), date(2024, 8, 1), *pubs), today=date(2024, 9, 1)))
    assert [(d.kind, d.status, d.met_by.title) for d in met_only if d.kind == DutyKind.PROGRESS] == [
        (DutyKind.PROGRESS, DutyStatus.MET, "7月进展"),
    ]
