"""The five-working-day clock: weekends and statutory holidays skipped, make-up days counted, boundaries."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from complaints import workdays
from complaints.models import Complaint
from complaints.selectors import complaint_counts, complaints_overdue
from complaints.services import complaint_answer, complaint_due_on, complaint_submit

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 3, 2), date(2026, 3, 9)),     # Monday → next Monday
    (date(2026, 3, 6), date(2026, 3, 13)),    # Friday → next Friday
    (date(2026, 3, 7), date(2026, 3, 13)),    # Saturday: counting starts Monday
    (date(2026, 3, 8), date(2026, 3, 13)),    # Sunday likewise
    (date(2026, 9, 30), date(2026, 10, 13)),  # 国庆 1–7 Oct off, then 8, 9, Sat 10 (worked), 12, 13
    (date(2025, 9, 26), date(2025, 10, 10)),  # Sun 28 Sep worked, 国庆中秋 1–8 Oct off, 9, 10 Oct
    (date(2027, 1, 1), date(2027, 1, 8)),     # past the table: weekends only
])
def test_due_day_is_the_fifth_working_day_after_receipt(received, due):
    assert complaint_due_on(received) == due


def test_spring_festival_2026_counts_the_make_up_saturday():
    # Received Thu 12 Feb: Fri 13, Sat 14 (worked), then 15–23 off, Tue 24, Wed 25, Thu 26 → the fifth is the 26th.
    days = [workdays.working_days_after(date(2026, 2, 12), n) for n in range(1, 6)]
    assert days == [date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 24), date(2026, 2, 25), date(2026, 2, 26)]


def test_make_up_days_are_weekends_and_holidays_cover_the_notices():
    assert all(day.weekday() >= 5 for day in workdays.MAKEUP_WORKDAYS)
    assert not workdays.MAKEUP_WORKDAYS & workdays.HOLIDAYS
    assert {day.year for day in workdays.HOLIDAYS} == set(workdays.COVERED_YEARS)
    assert len([d for d in workdays.HOLIDAYS if d.year == 2026]) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert not workdays.is_working_day(date(2026, 10, 1)) and workdays.is_working_day(date(2026, 10, 10))
    assert workdays.covered(date(2026, 12, 31)) and not workdays.covered(date(2027, 1, 1))


@pytest.fixture
def received(db, project):
    """A complaint received on Monday 2 March 2026, due Monday 9 March."""
    return complaint_submit(page=project, kind="report", content="款项去向不清楚。",
                            now=datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING))


def test_a_submission_starts_its_clock(received):
    assert received.due_on == date(2026, 3, 9) and received.reference.startswith("JY20260302")
    assert received.page_title == "壹元救护车志愿服务项目"


def test_unanswered_on_the_due_day_is_not_overdue_and_the_day_after_is(received):
    assert list(complaints_overdue(today=date(2026, 3, 9))) == []
    assert list(complaints_overdue(today=date(2026, 3, 10))) == [received]


def test_answered_on_the_due_day_late_evening_is_on_time(received, time_machine):
    time_machine.move_to(datetime(2026, 3, 9, 23, 30, tzinfo=BEIJING))
    answered = complaint_answer(complaint=received, answer="已核实，款项已拨付。")
    assert answered.answered_on_time is True
    assert complaint_counts() == {"received": 1, "answered": 1, "answered_on_time": 1, "overdue": 0}


def test_answered_the_next_day_is_counted_late(received, time_machine):
    time_machine.move_to(datetime(2026, 3, 10, 0, 30, tzinfo=BEIJING))
    assert complaint_counts()["overdue"] == 1
    answered = complaint_answer(complaint=received, answer="已核实。")
    assert answered.answered_on_time is False
    assert complaint_counts() == {"received": 1, "answered": 1, "answered_on_time": 0, "overdue": 0}


def test_an_answer_is_recorded_once(received):
    from django.core.exceptions import ValidationError

    complaint_answer(complaint=received, answer="第一次答复。")
    with pytest.raises(ValidationError, match="不能修改"):
        complaint_answer(complaint=received, answer="改口。")
    assert Complaint.objects.get().answer == "第一次答复。"


def test_an_empty_answer_is_refused(received):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        complaint_answer(complaint=received, answer="   ")
    assert Complaint.objects.get().answered_at is None


def test_counts_per_page(received, campaign):
    complaint_submit(page=campaign, kind="opinion", content="建议公开更多票据。")
    assert complaint_counts(page_id=campaign.pk)["received"] == 1
    assert complaint_counts()["received"] == 2


def test_the_office_is_warned_a_fortnight_before_the_table_ends():
    assert workdays.table_notice(date(2026, 12, 17)) == ""
    assert "2027 年的答复期限只跳过周末" in workdays.table_notice(date(2026, 12, 18))
    assert "2027" in workdays.table_notice(date(2027, 3, 1))
