"""The finance admin: 财务 records money and cannot publish; editors cannot record; nobody edits."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from ledger.models import EntryKind, LedgerEntry
from ledger.selectors import chain_verify

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/ledger_entries/new/"


@pytest.fixture
def finance_user():
    user = User.objects.create_user("caiwu", "caiwu@example.cn", "pw")
    user.groups.add(Group.objects.get(name="财务"))
    return user


@pytest.fixture
def editor_user():
    user = User.objects.create_user("bianji", "bianji@example.cn", "pw")
    # Wagtail's "Editors" group, which the content app's migration renames to 编辑.
    user.groups.add(Group.objects.filter(name__in=["编辑", "Editors"]).get())
    return user


@pytest.fixture
def superuser():
    return User.objects.create_superuser("admin", "admin@example.cn", "pw")


def _record(client, **data):
    form = {"kind": EntryKind.GRANT_APPROVAL, "occurred_on": "2021-03-01", "amount": "1000.00", "memo": "批准"}
    form.update(data)
    return client.post(ADD_URL, form)


def test_finance_group_may_record_money_and_holds_no_content_permission():
    from wagtail.models import GroupPagePermission

    group = Group.objects.get(name="财务")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {("ledger", "add_ledgerentry"), ("ledger", "view_ledgerentry"), ("wagtailadmin", "access_admin")} <= codenames
    # Money apps only: nothing on pages, snippets, users or settings.
    assert {app for app, _ in codenames} <= {"ledger", "donations", "wagtailadmin", "wagtailimages"}
    assert not any(codename.startswith(("change_ledger", "delete_ledger")) for _, codename in codenames)
    assert not GroupPagePermission.objects.filter(group=group).exists()


def test_finance_records_an_approval_and_a_disbursement_through_the_admin(client, finance_user, project):
    client.force_login(finance_user)
    assert client.get(ADD_URL).status_code == 200
    response = _record(client, project=project.pk)
    assert response.status_code == 302
    response = _record(client, kind=EntryKind.DISBURSEMENT, project=project.pk, amount="400.00", memo="首笔拨付")
    assert response.status_code == 302
    approval, disbursement = LedgerEntry.objects.order_by("id")
    assert (approval.kind, approval.amount, approval.project_id) == ("grant_approval", Decimal("1000.00"), project.pk)
    assert (disbursement.recorded_by, disbursement.amount) == (finance_user, Decimal("400.00"))
    assert chain_verify()["problems"] == []


def test_admin_over_disbursement_shows_the_reason_and_records_nothing(client, finance_user, project):
    client.force_login(finance_user)
    _record(client, project=project.pk)
    response = _record(client, kind=EntryKind.DISBURSEMENT, project=project.pk, amount="1000.01")
    assert response.status_code == 200
    assert "超过项目" in response.content.decode() and "1000.00" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "金额必须大于零"), ("-5.00", "金额必须大于零"), ("1.005", "最多两位小数"), ("１２３", "半角数字"),
     ("1,000", "不含逗号"), ("1e3", "半角数字")],
    ids=["zero", "negative", "three-decimals", "fullwidth", "grouped", "exponent"],
)
def test_admin_refuses_bad_amounts_and_records_nothing(client, finance_user, amount, message):
    client.force_login(finance_user)
    response = _record(client, amount=amount)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert LedgerEntry.objects.count() == 0


def test_admin_correction_reverses_the_named_entry(client, finance_user, post):
    client.force_login(finance_user)
    wrong = post(EntryKind.GRANT_APPROVAL, "1000.00")
    response = _record(client, kind=EntryKind.CORRECTION, amount="1000.00", reverses=wrong.pk, memo="录入重复")
    assert response.status_code == 302
    assert LedgerEntry.objects.get(reverses=wrong).memo == "录入重复"


def test_admin_offers_no_donation_entry(client, finance_user):
    client.force_login(finance_user)
    response = _record(client, kind=EntryKind.DONATION)
    assert response.status_code == 200
    assert LedgerEntry.objects.count() == 0


def test_finance_can_choose_project_pages(client, finance_user, project):
    client.force_login(finance_user)
    response = client.get("/admin/choose-page/", {"page_type": "cms_pages.projectpage"})
    assert response.status_code == 200


def test_finance_cannot_publish_or_edit_pages(client, finance_user, project):
    permissions = project.permissions_for_user(finance_user)
    assert not permissions.can_publish()
    assert not permissions.can_edit()
    client.force_login(finance_user)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[project.pk])).status_code in (302, 403)


def test_editor_cannot_record_money(client, editor_user):
    client.force_login(editor_user)
    assert client.get(ADD_URL).status_code in (302, 403)
    assert _record(client).status_code in (302, 403)
    assert client.get("/admin/ledger_entries/").status_code in (302, 403)
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("action", ["edit", "delete", "copy"])
def test_there_is_no_admin_view_to_change_an_entry_even_for_a_superuser(client, superuser, post, action):
    entry = post(EntryKind.DONATION, "10.00")
    client.force_login(superuser)
    assert client.get(f"/admin/ledger_entries/{action}/{entry.pk}/").status_code == 404
    assert client.post(f"/admin/ledger_entries/{action}/{entry.pk}/", {"amount": "1.00"}).status_code == 404
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")
    assert chain_verify()["problems"] == []


def test_listing_and_inspect_work_and_offer_no_edit_link(client, finance_user, post):
    entry = post(EntryKind.DONATION, "10.00")
    client.force_login(finance_user)
    listing = client.get("/admin/ledger_entries/").content.decode()
    assert f"/admin/ledger_entries/inspect/{entry.pk}/" in listing
    assert "/admin/ledger_entries/edit/" not in listing
    assert entry.entry_hash in client.get(f"/admin/ledger_entries/inspect/{entry.pk}/").content.decode()


def test_admin_refuses_to_delete_a_project_page_that_carries_money(client, superuser, post, project):
    post(EntryKind.GRANT_APPROVAL, "100.00", project_id=project.id)
    client.force_login(superuser)
    response = client.post(reverse("wagtailadmin_pages:delete", args=[project.pk]))
    assert response.status_code == 302
    assert type(project).objects.filter(pk=project.pk).exists()
    assert chain_verify()["problems"] == []


def test_admin_still_deletes_a_project_page_without_money(client, superuser, project):
    client.force_login(superuser)
    client.post(reverse("wagtailadmin_pages:delete", args=[project.pk]))
    assert not type(project).objects.filter(pk=project.pk).exists()
