"""Editors draft and submit, moderators publish; scheduled publishing goes live on time."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from cms_pages.models import ProjectStoryPage

pytestmark = pytest.mark.django_db


def user_in(group_name, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_editors_can_edit_but_not_publish_and_moderators_can_publish(make_project):
    project = make_project()
    editor, moderator = user_in("编辑", "editor"), user_in("审核员", "moderator")
    assert project.permissions_for_user(editor).can_edit()
    assert not project.permissions_for_user(editor).can_publish()
    assert project.permissions_for_user(moderator).can_publish()


def test_a_story_submitted_by_an_editor_goes_live_only_when_a_moderator_approves(make_project):
    project = make_project()
    editor, moderator = user_in("编辑", "editor"), user_in("审核员", "moderator")
    story = project.add_child(instance=ProjectStoryPage(title="草稿进展", live=False))
    story.save_revision(user=editor)

    workflow = story.get_workflow()
    assert workflow is not None and workflow.name == "审核发布"
    state = workflow.start(story, editor)
    story.refresh_from_db()
    assert not story.live

    task = state.current_task_state.task.specific
    assert editor not in [u for g in task.groups.all() for u in g.user_set.all()]
    task.on_action(state.current_task_state, moderator, "approve")
    story.refresh_from_db()
    assert story.live


def test_scheduled_story_is_published_by_publish_scheduled_when_due(make_project):
    project = make_project()
    story = project.add_child(instance=ProjectStoryPage(title="定时进展", live=False))
    story.go_live_at = timezone.now() + timedelta(hours=1)
    revision = story.save_revision()
    revision.publish()  # with go_live_at in the future this schedules rather than publishes
    story.refresh_from_db()
    assert not story.live

    # Move the schedule into the past rather than waiting for it.
    due = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = due.isoformat()
    revision.approved_go_live_at = due
    revision.save()
    call_command("publish_scheduled", verbosity=0)
    story.refresh_from_db()
    assert story.live
