"""Migrating an existing ledger to sealed vouchers keeps every entry, its date and its hash."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ledger.models import VOUCHER_COLLECTION, LedgerEntry, VoucherSeal
from ledger.selectors import chain_verify

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("ledger", "0005_append_only_trigger")]
SLIP = b"%PDF-1.4 old slip"


def _migrate(targets=None):
    """To ``targets``, or back to the newest migrations (so the tests after this one get the full schema)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_entries_recorded_before_sealing_keep_their_hash_and_their_voucher_is_sealed(transactional_db):
    old = _migrate(BEFORE)
    Document = old.get_model("wagtaildocs", "Document")
    Collection = old.get_model("wagtailcore", "Collection")
    from ledger.hashing import GENESIS_HASH
    from ledger.verify_export import entry_digest

    # An earlier transactional test's flush may have removed Wagtail's root collection.
    root = Collection.objects.filter(depth=1).first() or Collection.objects.create(
        name="Root", path="0001", depth=1, numchild=0
    )
    voucher = Document.objects.create(title="旧凭证", collection=root, file=ContentFile(SLIP, name="old-slip.pdf"))
    previous, rows = GENESIS_HASH, []
    for entry_id, voucher_id in [(1, None), (2, voucher.pk)]:
        record = {
            "id": entry_id, "kind": "donation", "amount": "10.00", "occurred_on": "2020-01-02",
            "recorded_at": "2020-01-02T03:04:05Z", "project_id": None, "category_label": "", "memo": "旧记录",
            "source": "", "source_ref": f"OLD{entry_id}", "reverses_id": None, "voucher_id": voucher_id,
            "prev_hash": previous,
        }
        # The canonical form as it was before voucher_sha256 existed.
        digest = entry_digest({**record, "voucher_sha256": ""})
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (id, kind, amount, occurred_on, recorded_at, category_label, memo,"
                " source, source_ref, voucher_id, prev_hash, entry_hash)"
                " VALUES (%s, 'donation', 10.00, '2020-01-02', '2020-01-02 03:04:05+00:00', '', '旧记录', '', %s, %s, %s, %s)",
                [entry_id, f"OLD{entry_id}", voucher_id, previous, digest],
            )
        rows.append((entry_id, digest))
        previous = digest
    old.get_model("ledger", "ChainHead").objects.update_or_create(pk=1, defaults={"last_id": 2, "last_hash": previous})
    before = list(LedgerEntry.objects.order_by("id").values_list("id", "entry_hash", "recorded_at"))

    _migrate()
    after = list(LedgerEntry.objects.order_by("id").values_list("id", "entry_hash", "recorded_at"))
    assert after == before and [r[:2] for r in after] == rows
    assert chain_verify()["problems"] == []
    seal = VoucherSeal.objects.get(document_id=voucher.pk)
    assert seal.sha256 == hashlib.sha256(SLIP).hexdigest()
    assert seal.document.collection.name == VOUCHER_COLLECTION
    call_command("ledger_verify", verbosity=0)
