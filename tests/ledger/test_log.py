"""The ledger as a Merkle log: every append extends it and signs a head that verifies."""

import base64
from datetime import date

import pytest
from django.db import connection, transaction

from ledger.models import ChainHead, EntryKind, EntrySource, LedgerImmutableError, LogNode, TreeHead
from ledger.selectors import (
    consistency_proof,
    entry_leaf,
    head_at,
    head_json,
    inclusion_proof,
    latest_head,
    log_root,
    log_size,
)
from ledger.services import log_catch_up
from ledger.signing import public_key_bytes
from ledger.verify_log import head_problems, leaf_hash, root_from_leaves, verify_consistency, verify_inclusion

pytestmark = pytest.mark.django_db


def _donations(post, n):
    return [post(EntryKind.DONATION, f"{10 + i}.00", source=EntrySource.DONATION, source_ref=f"T{i}") for i in range(n)]


def test_each_append_extends_the_log_and_signs_a_head_for_the_new_size(post):
    entries = _donations(post, 5)
    assert log_size() == 5 == ChainHead.objects.get().last_id
    assert list(TreeHead.objects.order_by("size").values_list("size", flat=True)) == [1, 2, 3, 4, 5]
    leaves = [bytes.fromhex(entry_leaf(entry.id)["leaf_hash"]) for entry in entries]
    for head in TreeHead.objects.all():
        assert head.root_hash == root_from_leaves(leaves[: head.size]).hex()
        assert head_problems(head_json(head), public_key_bytes()) == []


def test_a_leaf_is_the_entry_as_hashed_in_the_chain(post):
    import hashlib

    entry = _donations(post, 1)[0]
    leaf = entry_leaf(entry.id)
    assert hashlib.sha256(leaf["data"].encode()).hexdigest() == entry.entry_hash
    assert leaf["leaf_hash"] == leaf_hash(leaf["data"].encode()).hex()
    assert entry_leaf(entry.id + 1) is None


def test_proofs_served_from_stored_nodes_verify_and_a_changed_one_does_not(post):
    entries = _donations(post, 11)
    root = bytes.fromhex(latest_head().root_hash)
    for entry in entries:
        leaf = bytes.fromhex(entry_leaf(entry.id)["leaf_hash"])
        proof = [bytes.fromhex(p) for p in inclusion_proof(entry.id - 1, 11)]
        assert verify_inclusion(leaf, entry.id - 1, 11, proof, root)
        assert not verify_inclusion(leaf, entry.id % 11, 11, proof, root)
    for first in range(0, 12):
        proof = [bytes.fromhex(p) for p in consistency_proof(first, 11)]
        assert verify_consistency(first, 11, proof, log_root(first), root)
        if 0 < first < 11:
            assert not verify_consistency(first, 11, proof, log_root(first), log_root(first - 1))


def test_a_head_for_an_unpublished_size_is_signed_on_request_with_the_same_root(post):
    _donations(post, 4)
    published = head_at(3)
    assert published["published"] is True
    assert head_at(5) is None and head_at(-1) is None
    # No head was published for the empty log: it is signed when asked for.
    fresh = head_at(0)
    assert fresh["published"] is False and fresh["root_hash"] == log_root(0).hex()
    assert head_problems(fresh, public_key_bytes()) == []


def test_a_head_with_a_changed_field_or_another_key_is_refused(post):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    _donations(post, 2)
    head = head_json(latest_head())
    key = public_key_bytes()
    assert head_problems(head, key) == []
    for field, value in [("size", 3), ("root_hash", "0" * 64), ("timestamp", "2020-01-01T00:00:00Z"),
                         ("origin", "another-log")]:
        assert head_problems({**head, field: value}, key), field
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert head_problems(head, other)
    assert head_problems({**head, "signature": base64.b64encode(b"x" * 64).decode()}, key)


def test_log_rows_cannot_be_changed_through_the_orm(post):
    _donations(post, 1)
    with pytest.raises(LedgerImmutableError):
        TreeHead.objects.update(root_hash="0" * 64)
    with pytest.raises(LedgerImmutableError):
        LogNode.objects.all().delete()
    head = TreeHead.objects.get()
    head.root_hash = "0" * 64
    with pytest.raises(LedgerImmutableError):
        head.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
def test_postgresql_refuses_changing_log_rows_past_the_orm(post):
    from django.db.utils import DatabaseError

    _donations(post, 1)
    for sql in ["UPDATE ledger_treehead SET root_hash = repeat('0', 64)", "DELETE FROM ledger_lognode",
                "TRUNCATE ledger_treehead"]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def _forget_log():
    """Make the database look like a ledger from before the log: entries, a chain head, no log rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL ledger.allow_truncate = 'on'")
            cursor.execute("TRUNCATE ledger_cosignature, ledger_lognode, ledger_treehead")
        else:
            cursor.execute("DELETE FROM ledger_lognode")
            cursor.execute("DELETE FROM ledger_treehead")
    ChainHead.objects.update(log_size=0)


def test_a_ledger_recorded_before_the_log_joins_it_whole(post):
    _donations(post, 3)
    _forget_log()
    head = log_catch_up()
    assert head.size == 3 and log_size() == 3
    leaves = [bytes.fromhex(entry_leaf(i)["leaf_hash"]) for i in (1, 2, 3)]
    assert head.root_hash == root_from_leaves(leaves).hex()
    assert log_catch_up() is None
    post(EntryKind.DONATION, "5.00", occurred_on=date(2022, 1, 1), source=EntrySource.DONATION, source_ref="after")
    assert latest_head().size == 4


@pytest.mark.django_db(transaction=True)
def test_the_sequencer_brings_an_older_ledger_into_the_log_when_it_starts(post):
    # Transactional: the command closes stale connections between batches, as it must in production.
    from io import StringIO

    from django.core.management import call_command

    _donations(post, 2)
    _forget_log()
    out = StringIO()
    call_command("ledger_sequencer", "--once", stdout=out)
    assert log_size() == 2 and latest_head().size == 2
    assert "透明日志已补齐至 2 条" in out.getvalue()
