"""The hash chain: its published head, a cheap fingerprint of every row, and full re-verification."""

from django.db import connection

from ledger.hashing import COLUMNS, hashed_record
from ledger.models import ChainHead, LedgerEntry, VoucherSeal
from ledger.selectors.vouchers import voucher_problems
from ledger.verify_export import GENESIS_HASH, chain_problems


def chain_head() -> dict:
    """The chain-head row's id and hash: what every append moved forward, published so copies can be checked.

    Read from ChainHead, never from the newest row, so a row appended past the service or a
    cut tail does not move the published head.
    """
    head = ChainHead.objects.filter(pk=1).values("last_id", "last_hash").first()
    if head is None:
        return {"id": 0, "entry_hash": GENESIS_HASH}
    return {"id": head["last_id"], "entry_hash": head["last_hash"] or GENESIS_HASH}


# Table names are the models' own, not input.
FINGERPRINT_SQL = (  # noqa: S608
    "SELECT (SELECT count(*) FROM {entries}),"
    " (SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), '')) FROM {entries} t),"
    " (SELECT md5(coalesce(string_agg(md5(s::text), '' ORDER BY s.document_id), '')) FROM {seals} s)"
).format(entries=LedgerEntry._meta.db_table, seals=VoucherSeal._meta.db_table)


def chain_fingerprint() -> str | None:
    """A digest of every stored entry row, computed by PostgreSQL; changes when any row changes.

    Far cheaper than re-hashing in Python, so the verify page can trust a cached result only
    while this matches. None where the database cannot compute it (then nothing is cached).
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        count, digest, seals = cursor.fetchone()
    return f"{count}:{digest}:{seals}"


PROBLEM_LABELS = {
    "missing_fields": "记录缺少字段",
    "missing_entry": "记录缺失：已被删除",
    "out_of_order": "序号错乱：有记录被插入",
    "bad_amount": "金额格式不对",
    "broken_link": "上一条哈希对不上：前一条记录被删除、插入或改动",
    "hash_mismatch": "内容与其哈希不符：此记录被改动",
    "head_mismatch": "链头与最后一条记录不符：末尾有记录被删除或插入",
    "voucher_mismatch": "凭证文件与登记时的 SHA-256 不符：凭证被替换",
    "voucher_missing": "凭证文件不见了",
}


def _hashed_rows(chunk_size):
    rows = LedgerEntry.objects.order_by("id").values_list(*COLUMNS).iterator(chunk_size=chunk_size)
    for row in rows:
        yield hashed_record(dict(zip(COLUMNS, row, strict=True)))


def _counting(rows, progress, every):
    for done, row in enumerate(rows, start=1):
        if progress and done % every == 0:
            progress(done)
        yield row


def chain_verify(*, progress=None, chunk_size: int = 5000, vouchers: bool = True) -> dict:
    """Re-hash every entry in order, check each link, the chain head and each voucher file.

    Returns {"checked": n, "head": hash, "head_id": id, "problems": [{"id", "code", "label", "message"}]};
    ``progress(done)`` is called every ``chunk_size`` entries. Uses the same algorithm as the
    standalone verifier, so the site and the public check one thing. The chain-head row must
    name the last entry, its hash and the number of entries, so a row appended past the
    service or a cut tail is reported.
    """
    head = chain_head()
    counter = {"n": 0}

    def seen(rows):
        for row in rows:
            counter["n"] += 1
            yield row

    rows = seen(_counting(_hashed_rows(chunk_size), progress, chunk_size))
    problems = chain_problems(rows, expected_head=head)
    if vouchers:
        problems += voucher_problems()
    return {
        "checked": counter["n"],
        "head": head["entry_hash"],
        "head_id": head["id"],
        "problems": [
            {"id": entry_id, "code": code, "label": PROBLEM_LABELS.get(code, code), "message": message}
            for entry_id, code, message in problems
        ],
    }
