"""The hash chain: tampering by raw SQL is detected and named; the ORM cannot change entries."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ledger.hashing import entry_digest
from ledger.models import EntryKind, EntrySource, LedgerEntry, LedgerImmutableError
from ledger.selectors import chain_verify
from tests.ledger.tampering import raw_sql

pytestmark = pytest.mark.django_db
TABLE = LedgerEntry._meta.db_table


@pytest.fixture
def chain(post, project):
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id, memo="批准：关爱老人义务修脚")
    post(EntryKind.DISBURSEMENT, "1200.50", project_id=project.id, memo="第一笔拨付")
    post(EntryKind.DONATION, "88.00", source=EntrySource.DONATION, source_ref="D1", memo="在线捐赠")
    post(EntryKind.DONATION, "12.34", source=EntrySource.DONATION, source_ref="D2", memo="在线捐赠")
    post(EntryKind.DISBURSEMENT, "300.00", project_id=project.id, memo="第二笔拨付")
    return list(LedgerEntry.objects.order_by("id"))


_sql = raw_sql


def _problems():
    return [(problem["id"], problem["code"]) for problem in chain_verify()["problems"]]


def test_intact_chain_verifies(chain):
    result = chain_verify()
    assert result["problems"] == []
    assert result["checked"] == 5
    assert result["head"] == chain[-1].entry_hash


def test_row_altered_by_raw_sql_is_named(chain):
    _sql(f"UPDATE {TABLE} SET amount = %s WHERE id = %s", [Decimal("1.50"), 2])  # noqa: S608
    assert _problems() == [(2, "hash_mismatch")]


def test_memo_altered_by_raw_sql_is_named(chain):
    _sql(f"UPDATE {TABLE} SET memo = %s WHERE id = %s", ["第二笔拨付（已改）", 5])  # noqa: S608
    assert _problems() == [(5, "hash_mismatch")]


def test_row_deleted_by_raw_sql_is_named(chain):
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [3])  # noqa: S608
    assert _problems() == [(3, "missing_entry"), (4, "broken_link")]


def test_last_row_deleted_by_raw_sql_is_caught_by_the_chain_head(chain):
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [5])  # noqa: S608
    assert _problems() == [(None, "head_mismatch")]


def _insert_raw(entry_id, prev_hash, amount="999.00", forge_hash=True):
    record = {
        "id": entry_id, "kind": "donation", "amount": amount, "occurred_on": "2021-06-01",
        "recorded_at": "2021-06-01T00:00:00Z", "project_id": None, "category_label": "", "memo": "插入",
        "source": "", "source_ref": "", "reverses_id": None, "voucher_id": None, "prev_hash": prev_hash,
    }
    digest = entry_digest(record) if forge_hash else "f" * 64
    _sql(
        f"INSERT INTO {TABLE} (id, kind, amount, occurred_on, recorded_at, category_label, memo, source, "  # noqa: S608
        "source_ref, prev_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, '', %s, '', '', %s, %s)",
        [entry_id, "donation", Decimal(amount), "2021-06-01", datetime(2021, 6, 1, tzinfo=UTC), "插入", prev_hash, digest],
    )


def test_row_inserted_at_the_end_with_a_forged_hash_is_caught_by_the_chain_head(chain):
    _insert_raw(6, chain[-1].entry_hash)
    assert _problems() == [(None, "head_mismatch")]


def test_row_inserted_in_place_of_another_breaks_the_next_link(chain):
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [3])  # noqa: S608
    _insert_raw(3, chain[1].entry_hash)
    assert _problems() == [(4, "broken_link")]


def test_row_inserted_with_a_made_up_hash_is_named(chain):
    _insert_raw(6, chain[-1].entry_hash, forge_hash=False)
    assert (6, "hash_mismatch") in _problems()


def test_orm_save_of_an_existing_entry_fails_and_changes_nothing(chain):
    entry = LedgerEntry.objects.get(pk=2)
    entry.amount = Decimal("1.00")
    with pytest.raises(LedgerImmutableError):
        entry.save()
    assert LedgerEntry.objects.get(pk=2).amount == Decimal("1200.50")
    assert chain_verify()["problems"] == []


@pytest.mark.parametrize(
    "action",
    [
        lambda: LedgerEntry.objects.get(pk=2).delete(),
        lambda: LedgerEntry.objects.filter(pk=2).delete(),
        lambda: LedgerEntry.objects.filter(pk=2).update(amount=Decimal("1.00")),
        lambda: LedgerEntry.objects.all().delete(),
        lambda: LedgerEntry.objects.bulk_update([LedgerEntry.objects.get(pk=2)], ["amount"]),
        lambda: LedgerEntry.objects.bulk_create([LedgerEntry(kind="donation", amount=Decimal("1.00"))]),
        lambda: LedgerEntry(id=99, kind="donation", amount=Decimal("1.00"), memo="绕过服务").save(),
    ],
    ids=["delete", "queryset-delete", "queryset-update", "delete-all", "bulk-update", "bulk-create", "bare-save"],
)
def test_orm_changes_are_refused_and_the_chain_stays_intact(chain, action):
    with pytest.raises(LedgerImmutableError):
        action()
    assert LedgerEntry.objects.count() == 5
    assert chain_verify()["problems"] == []


def test_project_page_with_money_cannot_be_deleted(chain, project):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        project.delete()
    assert chain_verify()["problems"] == []


def test_verify_command_passes_on_an_intact_chain(chain, capsys):
    call_command("ledger_verify")
    assert "账本完好：5 条" in capsys.readouterr().out


def test_verify_command_fails_and_names_the_altered_entry(chain, capsys):
    _sql(f"UPDATE {TABLE} SET occurred_on = %s WHERE id = %s", ["2020-01-01", 4])  # noqa: S608
    with pytest.raises(CommandError, match="1 处问题"):
        call_command("ledger_verify")
    assert "记录 #4" in capsys.readouterr().out


def test_verify_command_shows_progress_on_long_runs(chain, capsys):
    call_command("ledger_verify", chunk_size=2)
    err = capsys.readouterr().err
    assert "2/5" in err and "4/5" in err


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize("statement", [f"UPDATE {TABLE} SET amount = 1 WHERE id = 2", f"DELETE FROM {TABLE} WHERE id = 2"])  # noqa: S608
def test_postgresql_refuses_raw_update_and_delete(chain, statement):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert chain_verify()["problems"] == []
