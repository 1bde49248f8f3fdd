"""The public, verifiable ledger download (JSON and CSV), streamed so size never matters.

Schema (one object per entry, in id order): the hashed fields id, kind, amount,
occurred_on, recorded_at, project_id, category_label, memo, source, source_ref,
reverses_id, voucher_id, voucher_sha256 (hashed only when not empty), prev_hash; then
entry_hash; then, for readers only and not hashed: kind_label, project_title, voucher_url.
voucher_url is a redacted public copy's address when finance has published one, else
empty: the voucher itself is served to finance staff only. The head is the chain-head row.
"""

import csv
import io
import json
from datetime import date

from ledger.hashing import COLUMNS, HASHED_FIELDS, hashed_record
from ledger.models import EntryKind, LedgerEntry
from ledger.selectors import chain_head, public_vouchers

SCHEMA_VERSION = 1
READER_FIELDS = ("kind_label", "project_title", "voucher_url")
EXPORT_FIELDS = COLUMNS + READER_FIELDS
KIND_LABELS = dict(EntryKind.choices)


def _entries(year: int | None, project_id: int | None):
    entries = LedgerEntry.objects.order_by("id")
    if project_id:
        entries = entries.filter(project_id=project_id)
    if year:
        entries = entries.filter(occurred_on__gte=date(year, 1, 1), occurred_on__lte=date(year, 12, 31))
    return entries.values_list(*COLUMNS, "project__title").iterator(chunk_size=CHUNK)


CHUNK = 2000


def _chunks(rows):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_rows(*, year: int | None = None, project_id: int | None = None):
    """Each entry as a plain dict in EXPORT_FIELDS order, read in chunks (a constant number of queries per chunk)."""
    for chunk in _chunks(_entries(year, project_id)):
        vouchers = public_vouchers(document_ids={row[COLUMNS.index("voucher_id")] for row in chunk})
        for row in chunk:
            record = hashed_record(dict(zip(COLUMNS, row[: len(COLUMNS)], strict=True)))
            record["kind_label"] = KIND_LABELS.get(record["kind"], record["kind"])
            record["project_title"] = row[len(COLUMNS)] or ""
            record["voucher_url"] = vouchers.get(record["voucher_id"], {}).get("public_url", "")
            yield record


def export_json_chunks(*, year: int | None = None, project_id: int | None = None):
    """The JSON document, piece by piece: metadata first, then one entry per chunk."""
    head = chain_head()
    meta = {
        "schema_version": SCHEMA_VERSION,
        "currency": "CNY",
        "year": year,
        "project_id": project_id,
        "hashed_fields": list(HASHED_FIELDS),
        "reader_fields": list(READER_FIELDS),
        "head": {"id": head["id"], "entry_hash": head["entry_hash"]},
        "verify": "python ledger/verify_export.py ledger.json --head <head.entry_hash>",
    }
    opening = json.dumps(meta, ensure_ascii=False)[:-1] + ', "entries": ['
    yield opening
    for index, record in enumerate(export_rows(year=year, project_id=project_id)):
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"


def export_csv_chunks(*, year: int | None = None, project_id: int | None = None):
    """CSV with a header row of EXPORT_FIELDS; null references are empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(EXPORT_FIELDS)
    yield "\ufeff" + flush()  # a BOM so spreadsheet programs read the Chinese text as UTF-8
    for record in export_rows(year=year, project_id=project_id):
        writer.writerow(["" if record[name] is None else record[name] for name in EXPORT_FIELDS])
        yield flush()
