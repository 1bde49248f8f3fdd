"""The admin's site-history report lists money records without failing; their links open the read-only view."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from wagtail.log_actions import log

from ledger.models import EntryKind, LedgerEntry

pytestmark = pytest.mark.django_db


def test_site_history_lists_a_recorded_ledger_entry_for_a_superuser(client, post, project):
    entry = post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.pk)
    admin = User.objects.create_superuser("admin", "admin@example.cn", "pw")
    log(instance=entry, action="wagtail.create", user=admin)
    client.force_login(admin)

    response = client.get(reverse("wagtailadmin_reports:site_history"))

    assert response.status_code == 200
    page = response.content.decode()
    # The entry's link is its inspect page, the only view of an entry that exists.
    assert reverse("ledger_entries:inspect", args=[entry.pk]) in page
    assert LedgerEntry.objects.count() == 1


def test_site_history_links_finance_staff_to_the_inspect_view(client, post, project):
    entry = post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.pk)
    user = User.objects.create_user("caiwu", "caiwu@example.cn", "pw")
    user.groups.add(Group.objects.get(name="财务"))
    log(instance=entry, action="wagtail.create", user=user)
    client.force_login(user)

    response = client.get(reverse("wagtailadmin_reports:site_history"))

    assert response.status_code == 200
    assert reverse("ledger_entries:inspect", args=[entry.pk]) in response.content.decode()
