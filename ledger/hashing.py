"""The canonical form of an entry, shared by the database side and the standalone verifier."""

from datetime import UTC

from ledger.verify_export import GENESIS_HASH, HASHED_FIELDS, canonical_bytes, entry_digest

__all__ = ["GENESIS_HASH", "HASHED_FIELDS", "canonical_bytes", "entry_digest", "entry_record_dict", "format_amount"]


def format_amount(amount):
    return f"{amount:.2f}"


def format_recorded_at(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_record_dict(entry):
    """The hashed fields of an entry as plain JSON values (also the public export's core)."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "amount": format_amount(entry.amount),
        "occurred_on": entry.occurred_on.isoformat(),
        "recorded_at": format_recorded_at(entry.recorded_at),
        "project_id": entry.project_id,
        "category_label": entry.category_label,
        "memo": entry.memo,
        "source": entry.source,
        "source_ref": entry.source_ref,
        "reverses_id": entry.reverses_id,
        "voucher_id": entry.voucher_id,
        "prev_hash": entry.prev_hash,
    }
