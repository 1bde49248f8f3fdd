"""The office answers in the admin: 审核员 read and answer once; nobody adds or deletes; overdue on the dashboard."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User

from complaints.models import Complaint
from complaints.services import complaint_submit

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def moderator(client):
    user = User.objects.create_user("shenhe", "shenhe@example.cn", "pw")
    user.groups.add(Group.objects.get(name="审核员"))
    client.force_login(user)
    return user


@pytest.fixture
def complaint(project):
    return complaint_submit(page=project, kind="report", content="款项去向不清楚。", email="wang@example.com",
                            now=datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING))


def test_moderators_list_and_open_complaints_in_chinese(client, moderator, complaint):
    listing = client.get("/admin/complaints/").content.decode()
    assert complaint.reference in listing and "办理状态" in listing and "举报与意见" in listing
    edit = client.get(f"/admin/complaints/edit/{complaint.pk}/")
    assert edit.status_code == 200 and "款项去向不清楚" in edit.content.decode()


def test_the_answer_is_recorded_through_the_service_with_who_and_when(
    client, moderator, complaint, mailoutbox, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/complaints/edit/{complaint.pk}/", {"answer": "已核实，款项已拨付。"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.answer == "已核实，款项已拨付。" and complaint.answered_by == moderator
    assert complaint.answered_at is not None and complaint.content == "款项去向不清楚。"
    assert [m.to for m in mailoutbox] == [["wang@example.com"]] and "答复" in mailoutbox[0].subject


def test_an_empty_answer_is_refused_and_changes_nothing(client, moderator, complaint):
    response = client.post(f"/admin/complaints/edit/{complaint.pk}/", {"answer": "  "})
    assert response.status_code == 200 and "请填写答复内容" in response.content.decode()
    assert Complaint.objects.get().answered_at is None


def test_the_complaint_itself_cannot_be_changed_from_the_admin(client, moderator, complaint):
    client.post(f"/admin/complaints/edit/{complaint.pk}/", {"answer": "答复。", "content": "改写的内容", "due_on": "2030-01-01"})
    complaint.refresh_from_db()
    assert complaint.content == "款项去向不清楚。" and str(complaint.due_on) == "2026-03-09"


def test_a_given_answer_cannot_be_rewritten(client, moderator, complaint):
    client.post(f"/admin/complaints/edit/{complaint.pk}/", {"answer": "第一次。"})
    client.post(f"/admin/complaints/edit/{complaint.pk}/", {"answer": "改口。"})
    assert Complaint.objects.get().answer == "第一次。"


@pytest.mark.parametrize("url", ["/admin/complaints/new/", "/admin/complaints/delete/{pk}/", "/admin/complaints/copy/{pk}/"])
def test_there_is_no_add_delete_or_copy_route(client, moderator, complaint, url):
    assert client.get(url.format(pk=complaint.pk)).status_code == 404


def test_editors_cannot_see_complaints(client, complaint):
    user = User.objects.create_user("bianji", "bianji@example.cn", "pw")
    user.groups.add(Group.objects.filter(name__in=["编辑", "Editors"]).get())
    client.force_login(user)
    assert client.get("/admin/complaints/").status_code in (302, 403)
    assert complaint.reference not in client.get("/admin/").content.decode()


def test_overdue_complaints_are_on_the_dashboard(client, moderator, complaint, time_machine):
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=BEIJING))
    html = client.get("/admin/").content.decode()
    assert "1 件已逾期未答复" in html and complaint.reference in html
    time_machine.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=BEIJING))
    html = client.get("/admin/").content.decode()
    assert "已逾期未答复" not in html and complaint.reference in html


def test_the_dashboard_warns_when_due_days_reach_past_the_holiday_table(client, moderator, time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING))
    assert "节假日表只覆盖" not in client.get("/admin/").content.decode()
    time_machine.move_to(datetime(2026, 12, 20, 9, 0, tzinfo=BEIJING))
    client.force_login(moderator)  # the session from June has expired
    assert "节假日表只覆盖 2025—2026 年" in client.get("/admin/").content.decode()
