"""The published head is the chain-head row: forged appends and cut tails show, the verify page is never stale."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ledger.hashing import entry_digest
from ledger.models import ChainHead, EntryKind, EntrySource, LedgerEntry
from tests.ledger.tampering import raw_sql
from tests.ledger.test_exports import VERIFIER, _download, _run_verifier  # noqa: F401

pytestmark = pytest.mark.django_db
TABLE = LedgerEntry._meta.db_table


@pytest.fixture
def chain(post, project):
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id, memo="批准")
    post(EntryKind.DISBURSEMENT, "1200.50", project_id=project.id, memo="拨付")
    post(EntryKind.DONATION, "88.00", source=EntrySource.DONATION, source_ref="D1", memo="在线捐赠")
    return list(LedgerEntry.objects.order_by("id"))


def _forge_append(previous):
    """A correctly hashed row INSERTed past the service: the chain-head row is not moved."""
    record = {
        "id": previous.id + 1, "kind": "donation", "amount": "500.00", "occurred_on": "2021-06-01",
        "recorded_at": "2021-06-01T00:00:00Z", "project_id": None, "category_label": "", "memo": "伪造",
        "source": "", "source_ref": "", "reverses_id": None, "voucher_id": None, "voucher_sha256": "",
        "prev_hash": previous.entry_hash,
    }
    raw_sql(
        f"INSERT INTO {TABLE} (id, kind, amount, occurred_on, recorded_at, category_label, memo, source, "  # noqa: S608
        "source_ref, prev_hash, entry_hash) VALUES (%s, 'donation', %s, '2021-06-01', %s, '', '伪造', '', '', %s, %s)",
        [record["id"], Decimal("500.00"), datetime(2021, 6, 1, tzinfo=UTC), previous.entry_hash, entry_digest(record)],
    )
    return record


def _verify_json(client):
    response = client.get("/fund/verify/?format=json")
    assert response.status_code == 200
    return response.json()


def _codes(result):
    return {problem["code"] for problem in result["problems"]}


def test_forged_appended_row_is_reported_and_the_exported_head_stays_the_chain_head(client, chain, tmp_path):
    assert _verify_json(client)["ok"] is True  # and now cached, on PostgreSQL
    _forge_append(chain[-1])
    result = _verify_json(client)
    assert result["ok"] is False and "head_mismatch" in _codes(result)
    with pytest.raises(CommandError):
        call_command("ledger_verify", verbosity=0)
    document = json.loads(_download(client, "/fund/ledger.json"))
    head = ChainHead.objects.get(pk=1)
    assert document["head"] == {"id": head.last_id, "entry_hash": head.last_hash} == {"id": 3, "entry_hash": chain[-1].entry_hash}
    assert len(document["entries"]) == 4
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    verified = _run_verifier(path, "--head", document["head"]["entry_hash"])
    assert verified.returncode == 1 and "head hash" in verified.stdout
    assert chain[-1].entry_hash in client.get("/fund/").content.decode()


def test_forged_row_in_an_empty_ledger_is_reported(client, db, home):
    ChainHead.objects.get_or_create(pk=1)
    genesis = type("Genesis", (), {"id": 0, "entry_hash": "0" * 64})()
    _forge_append(genesis)
    result = _verify_json(client)
    assert result["ok"] is False and "head_mismatch" in _codes(result)


def test_cut_tail_is_reported_by_the_page_the_command_and_the_export(client, chain, tmp_path):
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [3])  # noqa: S608
    assert "head_mismatch" in _codes(_verify_json(client))
    with pytest.raises(CommandError):
        call_command("ledger_verify", verbosity=0)
    document = json.loads(_download(client, "/fund/ledger.json"))
    assert document["head"]["id"] == 3
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _run_verifier(path, "--head", document["head"]["entry_hash"]).returncode == 1


@pytest.mark.parametrize("statement", [
    f"UPDATE {TABLE} SET memo = '改过' WHERE id = 2",  # noqa: S608
    f"UPDATE {TABLE} SET amount = 1.00 WHERE id = 2",  # noqa: S608
])
def test_altered_row_is_reported_at_once_not_from_a_cache(client, chain, statement):
    first = _verify_json(client)
    assert first["ok"] is True
    raw_sql(statement)
    second = _verify_json(client)
    assert second["ok"] is False
    assert (2, "hash_mismatch") in {(p["id"], p["code"]) for p in second["problems"]}
    assert "哈希链核验未通过" in client.get("/fund/verify/").content.decode()


def test_restored_row_verifies_again(client, chain):
    raw_sql(f"UPDATE {TABLE} SET memo = '改过' WHERE id = 2")  # noqa: S608
    assert _verify_json(client)["ok"] is False
    raw_sql(f"UPDATE {TABLE} SET memo = '拨付' WHERE id = 2")  # noqa: S608
    assert _verify_json(client)["ok"] is True


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
@pytest.mark.parametrize("statement", [
    # A plain TRUNCATE of entries is refused by the queue's foreign key before any trigger; these pass it.
    f"TRUNCATE {TABLE}, ledger_pendingentry",
    f"TRUNCATE {TABLE} CASCADE",
    "TRUNCATE ledger_pendingentry",
    f"TRUNCATE {ChainHead._meta.db_table}",
    f"DELETE FROM {ChainHead._meta.db_table}",  # noqa: S608
])
def test_postgresql_refuses_truncate_and_removing_the_chain_head(chain, statement):
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks, which TRUNCATE would trip over first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert LedgerEntry.objects.count() == 3
    assert ChainHead.objects.get(pk=1).last_id == 3
    call_command("ledger_verify", verbosity=0)


@pytest.mark.parametrize("query", [
    "year=%3Cscript%3Ealert(1)%3C/script%3E", "year=%C2%B2", "year=%D9%A2%D9%A0%D9%A2%D9%A1", "year=２０２１",
    "year=1999", "year=2021.0", "year=+2021", "year=%202021", "year=2021%00", "year=" + "9" * 40,
    "project=%3Cb%3E1", "project=" + "1" * 30, "project=-1", "project=0", "project=%C2%B9",
])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_bad_year_or_project_gets_a_json_400_that_echoes_nothing(client, chain, query, fmt):
    response = client.get(f"/fund/ledger.{fmt}?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    if "%00" in query:  # refused before any view by the input middleware, in plain text
        assert response["Content-Type"].startswith("text/plain") and "控制字符" in body and "\x00" not in body
        assert LedgerEntry.objects.count() == 3
        return
    assert response["Content-Type"].startswith("application/json")
    assert "<" not in body and "script" not in body and "²" not in body and "9" * 40 not in body
    assert json.loads(body)["parameter"] in {"year", "project"}
    assert LedgerEntry.objects.count() == 3


def test_good_year_and_project_still_download(client, chain, project):
    assert client.get("/fund/ledger.json?year=2021").status_code == 200
    assert client.get(f"/fund/ledger.csv?project={project.pk}").status_code == 200
