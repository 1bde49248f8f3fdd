"""Vouchers: sealed by their SHA-256 in the entry hash, private to finance, never swapped or deleted."""

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction

from ledger.hashing import entry_digest, entry_record_dict
from ledger.models import VOUCHER_COLLECTION, EntryKind, EntrySource, LedgerEntry, VoucherFrozenError, VoucherSeal
from ledger.selectors import chain_verify
from ledger.services import voucher_public_copy_set
from ledger.verify_export import canonical_bytes
from tests.ledger.test_exports import _download, _run_verifier

pytestmark = pytest.mark.django_db
SLIP = b"%PDF-1.4 bank slip: payer Zhang San, account 6222 0000 1111 2222"


def _user(name, *groups, superuser=False):
    if superuser:
        return User.objects.create_superuser(name, f"{name}@example.cn", "pw")
    user = User.objects.create_user(name, f"{name}@example.cn", "pw")
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def finance():
    return _user("caiwu2", "财务")


@pytest.fixture
def editor():
    return _user("bianji2", "编辑")


@pytest.fixture
def moderator():
    return _user("shenhe2", "审核员")


@pytest.fixture
def superuser():
    return _user("root2", superuser=True)


@pytest.fixture
def voucher():
    # Uploaded the way Wagtail stores it, in the root (public) collection, before any entry uses it.
    return Document.objects.create(title="银行回单 张三", file=ContentFile(SLIP, name="slip.pdf"))


@pytest.fixture
def sealed(post, project, voucher):
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id, memo="批准")
    entry = post(EntryKind.DISBURSEMENT, "1200.50", project_id=project.id, memo="拨付", voucher=voucher)
    voucher.refresh_from_db()
    return entry


def _file_bytes(document):
    document = Document.objects.get(pk=document.pk)
    with document.file.open("rb") as handle:
        return handle.read()


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- the entry's hash covers the file ---------------------------------------------------------


def test_entry_hash_covers_the_voucher_file_sha256(sealed, voucher):
    assert sealed.voucher_sha256 == hashlib.sha256(SLIP).hexdigest()
    assert VoucherSeal.objects.get(document=voucher).sha256 == sealed.voucher_sha256
    assert b'"voucher_sha256":"' + sealed.voucher_sha256.encode() + b'"' in canonical_bytes(entry_record_dict(sealed))
    assert sealed.entry_hash == entry_digest(entry_record_dict(sealed))


def test_entry_without_voucher_hashes_exactly_as_before_the_field_existed(post):
    entry = post(EntryKind.DONATION, "88.00", source=EntrySource.DONATION, source_ref="D1")
    record = entry_record_dict(entry)
    old_fields = ("id", "kind", "amount", "occurred_on", "recorded_at", "project_id", "category_label",
                  "memo", "source", "source_ref", "reverses_id", "voucher_id", "prev_hash")
    old_bytes = json.dumps({k: record[k] for k in old_fields}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":")).encode()
    assert entry.entry_hash == hashlib.sha256(old_bytes).hexdigest()


def test_voucher_moves_into_the_private_finance_collection_when_sealed(sealed, voucher):
    collection = Collection.objects.get(name=VOUCHER_COLLECTION, depth=2)
    assert voucher.collection_id == collection.pk
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    assert list(restriction.groups.values_list("name", flat=True)) == ["财务"]


# --- served only to finance -------------------------------------------------------------------


def test_anonymous_and_editor_get_403_and_no_bytes_finance_gets_the_file(client, sealed, voucher, editor, finance, superuser):
    url = voucher.url
    for user in (None, editor):
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert SLIP not in _body(response) and b"6222" not in _body(response)
    for user in (finance, superuser):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and _body(response) == SLIP


def test_api_v3_documents_lists_and_shows_no_voucher(client, sealed, voucher):
    public = Document.objects.create(title="年度报告", file=ContentFile(b"%PDF public", name="report.pdf"))
    listing = client.get("/api/v3/documents/")
    assert listing.status_code == 200
    ids = [item["id"] for item in listing.json()["items"]]
    assert public.pk in ids and voucher.pk not in ids
    assert "张三" not in listing.content.decode()
    assert client.get(f"/api/v3/documents/{voucher.pk}/").status_code == 404
    assert client.get("/api/v3/documents/?search=张三").json().get("items", []) == []


def test_downloads_and_project_page_show_the_hash_not_the_file(client, sealed, voucher):
    document = json.loads(_download(client, "/fund/ledger.json"))
    row = next(item for item in document["entries"] if item["id"] == sealed.id)
    assert row["voucher_sha256"] == hashlib.sha256(SLIP).hexdigest()
    assert row["voucher_url"] == ""
    csv_text = _download(client, "/fund/ledger.csv")
    assert "/documents/" not in csv_text and "/documents/" not in json.dumps(document)


def test_offline_transfer_slip_is_private(client, finance, project):
    from django.utils import timezone

    from donations.models import CampaignPage
    from donations.services import offline_donation_record

    today = timezone.localdate()
    campaign = project.add_child(instance=CampaignPage(
        title="募捐", slug="give", intro="募捐", goal=Decimal("10000.00"), starts_on=today, ends_on=today,
        fundraiser_name="基金会", fundraiser_uscc="TESTUSCC000000000X", qualification="测试资格", filing_number="T-1",
    ))
    slip = Document.objects.create(title="回单", file=ContentFile(SLIP, name="transfer.pdf"))
    donation = offline_donation_record(
        campaign=campaign, amount=Decimal("2000.00"), donor_name="张三", bank_reference="BK-9",
        voucher=slip, recorded_by=finance,
    )
    entry = LedgerEntry.objects.get(source_ref=donation.out_trade_no)
    slip.refresh_from_db()
    assert entry.voucher_sha256 == hashlib.sha256(SLIP).hexdigest()
    assert slip.collection.name == VOUCHER_COLLECTION
    response = client.get(slip.url)
    assert response.status_code == 403 and SLIP not in _body(response)


def test_finance_uploads_land_in_the_private_collection():
    group = Group.objects.get(name="财务")
    add = group.collection_permissions.filter(permission__codename="add_document")
    assert {p.collection.name for p in add} == {VOUCHER_COLLECTION}


# --- a redacted public copy -------------------------------------------------------------------


def test_finance_publishes_a_redacted_copy_without_changing_any_hash(client, sealed, voucher, finance):
    before = list(LedgerEntry.objects.order_by("id").values_list("id", "entry_hash"))
    private = Collection.objects.get(name=VOUCHER_COLLECTION)
    copy = Document.objects.create(title="回单（脱敏）", collection=private,
                                   file=ContentFile(b"%PDF redacted", name="slip-redacted.pdf"))
    voucher_public_copy_set(voucher=voucher, public_copy=copy, user=finance)
    copy.refresh_from_db()
    assert copy.collection.depth == 1
    document = json.loads(_download(client, "/fund/ledger.json"))
    row = next(item for item in document["entries"] if item["id"] == sealed.id)
    assert row["voucher_url"] == copy.url
    assert _body(client.get(copy.url)) == b"%PDF redacted"
    assert client.get(voucher.url).status_code == 403
    assert list(LedgerEntry.objects.order_by("id").values_list("id", "entry_hash")) == before
    assert chain_verify()["problems"] == []


def test_the_voucher_itself_cannot_be_its_public_copy(sealed, voucher, finance):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        voucher_public_copy_set(voucher=voucher, public_copy=voucher, user=finance)
    assert VoucherSeal.objects.get(document=voucher).public_copy is None


# --- nobody swaps or deletes it ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "moderator", "finance", "superuser"])
def test_nobody_can_edit_replace_or_delete_a_sealed_voucher_in_the_admin(client, request, sealed, voucher, who):
    client.force_login(request.getfixturevalue(who))
    edit = f"/admin/documents/edit/{voucher.pk}/"
    delete = f"/admin/documents/delete/{voucher.pk}/"
    for url in (edit, delete, f"/admin/documents/multiple/{voucher.pk}/", f"/admin/documents/multiple/{voucher.pk}/delete/"):
        response = client.get(url)
        assert response.status_code in (302, 403, 405), url
    response = client.post(edit, {
        "title": "换掉", "collection": Collection.get_first_root_node().pk,
        "file": SimpleUploadedFile("other.pdf", b"%PDF forged"), "tags": "",
    }, follow=True)
    assert response.status_code == 200
    assert "已封存" in response.content.decode()
    client.post(delete, {})
    client.post(f"/admin/documents/multiple/{voucher.pk}/delete/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    client.post(f"/admin/documents/multiple/{voucher.pk}/", {f"doc-{voucher.pk}-title": "换掉"},
                HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    client.post(f"/admin/bulk/wagtaildocs/document/delete/?id={voucher.pk}", {})
    after = Document.objects.get(pk=voucher.pk)
    assert after.title == voucher.title and after.file.name == voucher.file.name
    assert after.collection_id == voucher.collection_id
    assert _file_bytes(voucher) == SLIP
    assert chain_verify()["problems"] == []


def test_row_guard_refuses_a_new_file_a_move_or_deletion(sealed, voucher):
    document = Document.objects.get(pk=voucher.pk)
    document.file = ContentFile(b"%PDF forged", name="forged.pdf")
    with pytest.raises(VoucherFrozenError):
        document.save()
    document = Document.objects.get(pk=voucher.pk)
    document.collection = Collection.get_first_root_node()
    with pytest.raises(VoucherFrozenError):
        document.save()
    with pytest.raises(Exception):  # noqa: B017 - ProtectedError or VoucherFrozenError: either refuses
        Document.objects.get(pk=voucher.pk).delete()
    assert _file_bytes(voucher) == SLIP
    # Wagtail caching the file size saves the row too: that is not a change and goes through.
    document = Document.objects.get(pk=voucher.pk)
    assert document.get_file_size() == len(SLIP)


def test_file_replaced_in_storage_is_reported(sealed, voucher, tmp_path):
    Path(voucher.file.path).write_bytes(b"%PDF a different slip")
    problems = {(p["id"], p["code"]) for p in chain_verify()["problems"]}
    assert (sealed.id, "voucher_mismatch") in problems
    with pytest.raises(CommandError):
        call_command("ledger_verify", verbosity=0)


def test_verify_export_rehashes_voucher_files(client, sealed, voucher, tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text(_download(client, "/fund/ledger.json"), encoding="utf-8")
    folder = tmp_path / "vouchers"
    folder.mkdir()
    (folder / f"{voucher.pk}.pdf").write_bytes(SLIP)
    good = _run_verifier(path, "--vouchers", str(folder))
    assert good.returncode == 0, good.stdout
    (folder / f"{voucher.pk}.pdf").write_bytes(b"%PDF a different slip")
    bad = _run_verifier(path, "--vouchers", str(folder))
    assert bad.returncode == 1 and f"voucher {voucher.pk}" in bad.stdout


def test_a_voucher_swapped_before_its_second_use_is_refused(post, project, sealed, voucher):
    from django.core.exceptions import ValidationError

    Path(voucher.file.path).write_bytes(b"%PDF a different slip")
    count = LedgerEntry.objects.count()
    with pytest.raises(ValidationError):
        post(EntryKind.DISBURSEMENT, "1.00", project_id=project.id, memo="再用", voucher=voucher,
             occurred_on=date(2021, 8, 1))
    assert LedgerEntry.objects.count() == count


def test_finance_sets_the_public_copy_in_the_admin_and_editors_cannot(client, sealed, voucher, finance, editor):
    copy = Document.objects.create(title="回单（脱敏）", file=ContentFile(b"%PDF redacted", name="r.pdf"))
    edit = f"/admin/ledger_voucher_seals/edit/{voucher.pk}/"
    client.force_login(editor)
    assert client.get("/admin/ledger_voucher_seals/").status_code == 302
    client.post(edit, {"public_copy": copy.pk})
    assert VoucherSeal.objects.get(document=voucher).public_copy is None
    client.force_login(finance)
    listing = client.get("/admin/ledger_voucher_seals/")
    assert listing.status_code == 200 and VoucherSeal.objects.get(document=voucher).sha256 in listing.content.decode()
    assert edit in listing.content.decode()
    refused = client.post(edit, {"public_copy": voucher.pk})
    assert refused.status_code == 200 and "另一份文件" in refused.content.decode()
    assert VoucherSeal.objects.get(document=voucher).public_copy is None
    assert client.post(edit, {"public_copy": copy.pk}).status_code == 302
    seal = VoucherSeal.objects.get(document=voucher)
    assert seal.public_copy == copy and seal.public_copy_by == finance
    assert client.get(f"/admin/ledger_voucher_seals/delete/{voucher.pk}/").status_code == 404


def test_editors_document_chooser_leaves_sealed_vouchers_out(client, sealed, voucher, editor, finance):
    Document.objects.create(title="公开的年度报告", file=ContentFile(b"%PDF public", name="report.pdf"))
    client.force_login(editor)
    listing = client.get("/admin/documents/chooser/results/")
    assert listing.status_code == 200
    assert "公开的年度报告" in listing.content.decode() and voucher.title not in listing.content.decode()
    client.force_login(finance)
    assert voucher.title in client.get("/admin/documents/chooser/results/").content.decode()


def test_api_v3_cannot_delete_or_move_a_sealed_voucher(client, sealed, voucher, superuser):
    from wagtail.models import APIToken

    _token, raw = APIToken.create_token(user=superuser, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    deleted = client.delete(f"/api/v3/documents/{voucher.pk}/", **headers)
    moved = client.patch(f"/api/v3/documents/{voucher.pk}/", data=json.dumps({"collection": {"id": Collection.get_first_root_node().pk}}),
                         content_type="application/json", **headers)
    # Delete: 403 with the frozen message (not a protected-key 500); a move answers without moving it.
    assert deleted.status_code == 403 and moved.status_code < 500
    after = Document.objects.get(pk=voucher.pk)
    assert after.collection_id == voucher.collection_id and _file_bytes(voucher) == SLIP
