"""Money and gateway records in the admin: every route of every viewset, for every role, changes nothing.

The routes are taken from the URL resolver (what the site really serves), not from a hand-written list,
and the write routes Wagtail would normally add (edit, delete, copy, bulk actions) are tried as well.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.forms.models import model_to_dict
from django.urls import URLResolver, get_resolver, reverse
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from donations.models import (
    Donation,
    DonationEvent,
    GatewayNotification,
    Receipt,
    ReconciliationRun,
    Refund,
)
from donations.models.guards import FrozenFieldError
from ledger.models import LedgerEntry
from ledger.services import sequence_pending
from ledger.viewsets import AppendOnlyViewSet
from tests.donations.conftest import make_donation, post_alipay

MONEY_MODELS = [LedgerEntry, Donation, Refund, GatewayNotification, Receipt, ReconciliationRun]
# Not in the admin today; if it ever is, it must be append-only too.
ALSO_GUARDED = [DonationEvent]
ROLES = ["anonymous", "editor", "moderator", "finance", "superuser"]
# Wagtail's usual write routes; none may exist for these models.
WRITE_SHAPES = ["edit/{pk}/", "delete/{pk}/", "copy/{pk}/", "usage/{pk}/", "reorder/{pk}/", "delete/",
                "edit/", "{pk}/edit/", "{pk}/delete/"]
BULK_ACTIONS = ["delete", "edit", "publish", "unpublish", "move", "add_to_collection", "add_tags"]


def money_viewsets():
    len(get_resolver().url_patterns)  # loading the admin URLs is what registers the viewsets
    return [vs for vs in viewsets.viewsets
            if isinstance(vs, ModelViewSet) and vs.model in MONEY_MODELS + ALSO_GUARDED]


def resolver_routes(namespace):
    """(name, route) of every URL pattern the admin URL resolver serves under a viewset's namespace."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == namespace:
                    return [(p.name, str(pattern.pattern) + str(p.pattern)) for p in pattern.url_patterns]
                found = walk(pattern.url_patterns)
                if found is not None:
                    return [(name, str(pattern.pattern) + route) for name, route in found]
        return None

    return walk(get_resolver().url_patterns) or []


def snapshot():
    """Every field of every row of every money table, to compare before and after a request."""
    state = {}
    for model in MONEY_MODELS + ALSO_GUARDED:
        for row in model.objects.order_by("pk"):
            state[(model._meta.label, row.pk)] = model_to_dict(row)
    return state


@pytest.fixture
def records(client, wagtail_base, campaign, alipay_notification):
    """A paid 10.00 gift with its notification, ledger entry, receipt and event; a refund and a reconciliation run."""
    donation = make_donation(campaign, amount="10.00", donor_name="王五")
    post_alipay(client, alipay_notification(donation))
    sequence_pending()
    donation.refresh_from_db()
    refund = Refund.objects.create(donation=donation, out_request_no=f"{donation.out_trade_no}R1",
                                   amount=Decimal("1.00"), reason="测试", status="failed", error="测试")
    run = ReconciliationRun.objects.create(gateway="alipay", day=date(2026, 11, 30))
    objects = {
        LedgerEntry: LedgerEntry.objects.get(source_ref=donation.out_trade_no), Donation: donation, Refund: refund,
        GatewayNotification: GatewayNotification.objects.get(out_trade_no=donation.out_trade_no),
        Receipt: donation.receipt, ReconciliationRun: run, DonationEvent: donation.events.first(),
    }
    admin = User.objects.create_superuser("root", "root@example.cn", "pw")
    for obj in objects.values():
        log(instance=obj, action="wagtail.create", user=admin)  # so the history views have something to show
    return objects


@pytest.fixture
def users(wagtail_base):
    def member(name, *groups):
        user = User.objects.create_user(name, f"{name}@example.cn", "pw")
        user.groups.add(Group.objects.filter(name__in=groups).get())
        return user

    return {
        "anonymous": None,
        "editor": member("bianji", "编辑", "Editors"),
        "moderator": member("shenhe", "审核员", "Moderators"),
        "finance": member("caiwu", "财务"),
        "superuser": User.objects.create_superuser("admin", "admin@example.cn", "pw"),
    }


def test_every_money_model_has_an_append_only_viewset_and_no_other():
    registered = money_viewsets()
    assert {vs.model for vs in registered} >= set(MONEY_MODELS)
    assert all(isinstance(vs, AppendOnlyViewSet) for vs in registered), [
        type(vs).__name__ for vs in registered if not isinstance(vs, AppendOnlyViewSet)]


@pytest.mark.parametrize("viewset", money_viewsets(), ids=lambda vs: vs.url_namespace)
def test_the_resolver_serves_only_read_routes_and_the_service_create_view(viewset):
    names = {name for name, _ in resolver_routes(viewset.url_namespace)}
    assert names == {pattern.name for pattern in viewset.get_urlpatterns()}
    allowed = {"index", "index_results", "inspect", "history", "history_results"}
    if viewset.has_service_create_view:
        allowed.add("add")
    assert names <= allowed and {"index", "inspect"} <= names


def _expected_read(role, method, name, viewset):
    """What a role may get from one read route: the page for finance and superusers, never a change."""
    if role == "anonymous":
        return {302}
    if role in ("editor", "moderator"):
        return {302, 403}
    if method == "POST":
        # Only the add view takes a POST: an empty form comes back with its errors.
        return {200} if name == "add" else {405}
    return {200}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("viewset", money_viewsets(), ids=lambda vs: vs.url_namespace)
def test_every_route_for_every_role_changes_nothing(client, records, users, viewset, role):
    if users[role]:
        client.force_login(users[role])
    obj = records[viewset.model]
    before = snapshot()
    checked = 0
    for name, route in resolver_routes(viewset.url_namespace):
        url = reverse(f"{viewset.url_namespace}:{name}", args=[obj.pk] if "<" in route else [])
        for method in ("get", "post"):
            data = {"amount": "0.01", "donor_name": "改名", "number": "X"} if method == "post" else None
            response = getattr(client, method)(url, data)
            assert response.status_code in _expected_read(role, method.upper(), name, viewset), (
                method, url, response.status_code)
            if response.status_code == 302 and role == "anonymous":
                assert "/admin/login/" in response["Location"]
            assert snapshot() == before, (method, url)
            checked += 1
    prefix = "/admin/" + viewset.url_prefix + "/"
    app, model = viewset.model._meta.app_label, viewset.model._meta.model_name
    extra = [prefix + shape.format(pk=obj.pk) for shape in WRITE_SHAPES]
    extra += [f"/admin/bulk/{app}/{model}/{action}/?id={obj.pk}" for action in BULK_ACTIONS]
    for url in extra:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"amount": "0.01"} if method == "post" else None)
            # The admin sends strangers to the login page for any admin URL, existing or not.
            expected = 302 if role == "anonymous" else 404
            assert response.status_code == expected, (method, url, response.status_code)
            if role == "anonymous":
                assert "/admin/login/" in response["Location"]
            assert snapshot() == before, (method, url)
            checked += 1
    assert checked >= 2 * (2 + len(extra))


def test_finance_post_to_the_donation_edit_url_is_404_and_the_gift_stays_10(client, records, users):
    donation = records[Donation]
    client.force_login(users["finance"])

    response = client.post(f"/admin/donations_donation/edit/{donation.pk}/",
                           {"amount": "0.01", "donor_name": "改名", "campaign": donation.campaign_id})

    assert response.status_code == 404
    donation.refresh_from_db()
    assert (donation.amount, donation.donor_name) == (Decimal("10.00"), "王五")
    page = client.get(reverse("donations:receipt_verify", args=[donation.receipt.number])).content.decode()
    assert "10.00" in page and "0.01" not in page


@pytest.mark.parametrize("shape", ["edit/{pk}/", "delete/{pk}/"])
def test_superuser_cannot_edit_or_delete_a_gateway_notification(client, records, users, shape):
    notification = records[GatewayNotification]
    before = model_to_dict(notification)
    client.force_login(users["superuser"])

    response = client.post("/admin/donations_notification/" + shape.format(pk=notification.pk),
                           {"body": "伪造", "outcome": "processed"})

    assert response.status_code == 404
    notification.refresh_from_db()
    assert model_to_dict(notification) == before


def test_site_history_lists_every_money_record_for_a_superuser(client, records, users):
    client.force_login(users["superuser"])
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 200
    page = response.content.decode()
    for vs in money_viewsets():
        assert reverse(f"{vs.url_namespace}:inspect", args=[records[vs.model].pk]) in page
    assert "/edit/" not in "".join(line for line in page.splitlines() if "donations_" in line or "ledger_" in line)


@pytest.mark.parametrize(("model", "field", "value"), [
    (Donation, "amount", Decimal("0.01")), (Donation, "donor_name", "改名"), (Donation, "out_trade_no", "X1"),
    (Refund, "amount", Decimal("9.00")), (Receipt, "number", "2026-999999"),
    (GatewayNotification, "body", "伪造的通知"),
])
def test_a_plain_save_of_a_changed_money_field_is_refused(records, model, field, value):
    obj = model.objects.get(pk=records[model].pk)
    before = model_to_dict(obj)
    setattr(obj, field, value)

    with pytest.raises(FrozenFieldError, match="不能修改"):
        obj.save()

    assert model_to_dict(model.objects.get(pk=obj.pk)) == before


def test_a_save_that_moves_only_the_state_still_works(records):
    notification = GatewayNotification.objects.get(pk=records[GatewayNotification].pk)
    notification.error = "复核"
    notification.save()
    assert GatewayNotification.objects.get(pk=notification.pk).error == "复核"
    receipt = Receipt.objects.get(pk=records[Receipt].pk)
    receipt.emailed_at = receipt.issued_at
    receipt.save(update_fields=["emailed_at"])
    assert Receipt.objects.get(pk=receipt.pk).emailed_at == receipt.issued_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(("model", "change"), [
    (Donation, {"amount": Decimal("0.01")}), (Donation, {"donor_name": "改名"}),
    (Refund, {"amount": Decimal("9.00")}), (Receipt, {"number": "2026-999999"}),
    (GatewayNotification, {"body": "伪造的通知"}), (DonationEvent, {"cause": "改写"}),
    (Donation, None), (Refund, None), (Receipt, None), (GatewayNotification, None), (DonationEvent, None),
], ids=["donation-amount", "donation-name", "refund-amount", "receipt-number", "notification-body", "event-cause",
        "donation-delete", "refund-delete", "receipt-delete", "notification-delete", "event-delete"])
def test_postgresql_refuses_an_update_or_delete_that_bypasses_the_model(records, model, change):
    rows = model.objects.filter(pk=records[model].pk)
    before = model_to_dict(rows.get())
    with pytest.raises(DatabaseError, match="only through the services"), transaction.atomic():
        if change is None:
            rows._raw_delete(rows.db)  # one SQL DELETE, as a console or script would issue it
        else:
            rows.update(**change)
    assert model_to_dict(rows.get()) == before


def test_no_one_can_be_granted_change_or_delete_of_money_records(wagtail_base):
    # Not money: campaign pages are edited, and the log's witnesses are deactivated (a change, never a delete).
    codenames = set(Permission.objects.filter(content_type__app_label__in=["donations", "ledger"])
                    .exclude(content_type__model__in=["campaignpage", "witness"]).values_list("codename", flat=True))
    assert not {c for c in codenames if c.startswith(("change_", "delete_"))}
    finance = set(Group.objects.get(name="财务").permissions.values_list("codename", flat=True))
    assert {"issue_official_receipt", "view_receipt", "view_donation", "add_donation"} <= finance
    assert "change_donation" not in finance


def test_finance_may_mark_receipts_but_an_editor_may_not(client, records, users):
    assert users["finance"].has_perm("donations.issue_official_receipt")
    assert not users["editor"].has_perm("donations.issue_official_receipt")
    client.force_login(users["editor"])
    assert client.get(reverse("donations_official_receipts")).status_code in (302, 403)
    client.force_login(users["finance"])
    assert client.get(reverse("donations_official_receipts")).status_code == 200


def test_removing_a_staff_account_still_works_and_keeps_the_records(records, users):
    """Events and orders name their actor with SET NULL; the guards must not block that."""
    finance = users["finance"]
    event = DonationEvent.objects.create(donation=records[Donation], from_status="paid", to_status="paid",
                                         cause="测试", actor=finance)
    finance.delete()
    event.refresh_from_db()
    assert event.actor is None and event.cause == "测试"
