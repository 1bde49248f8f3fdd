"""Running projects must disclose progress at least every three months."""

import pytest
from django.contrib.auth import get_user_model

from cms_pages.models import ProjectStatus
from cms_pages.selectors import disclosure_overdue_projects

pytestmark = pytest.mark.django_db


def test_project_with_a_recent_story_is_not_flagged(client, make_project, make_story):
    project = make_project(title="按时公开的项目")
    make_story(project, days_ago=30)
    html = client.get(project.url).content.decode()
    assert "最近一次进展公开" in html
    assert "已超过三个月未公开进展" not in html
    assert project not in disclosure_overdue_projects()


def test_running_project_with_an_old_story_is_flagged_on_its_page(client, make_project, make_story):
    project = make_project(title="逾期的项目")
    make_story(project, days_ago=120)
    html = client.get(project.url).content.decode()
    assert "已超过三个月未公开进展" in html
    assert [p.title for p in disclosure_overdue_projects()] == ["逾期的项目"]


def test_running_project_without_any_story_is_overdue_but_closed_projects_are_not(make_project, make_story):
    make_project(title="从未公开的项目")
    closed = make_project(title="已结项的项目", status=ProjectStatus.CLOSED)
    make_story(closed, days_ago=400)
    overdue = list(disclosure_overdue_projects())
    assert [p.title for p in overdue] == ["从未公开的项目"]
    assert overdue[0].last_story_date is None


def test_overdue_projects_are_listed_on_the_admin_dashboard(client, make_project, make_story):
    project = make_project(title="逾期的项目")
    make_story(project, days_ago=200)
    client.force_login(get_user_model().objects.create_superuser("admin", "a@example.com", "pw"))
    html = client.get("/admin/").content.decode()
    assert "超过三个月未公开进展的项目" in html
    assert "逾期的项目" in html
