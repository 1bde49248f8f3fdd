"""Reading the transparency log: signed heads, roots, inclusion and consistency proofs."""

from django.conf import settings
from django.utils import timezone

from ledger import merkle
from ledger.hashing import COLUMNS, format_recorded_at, hashed_record
from ledger.models import ChainHead, LedgerEntry, LogNode, TreeHead
from ledger.verify_export import canonical_bytes
from ledger.verify_log import leaf_hash

__all__ = [
    "consistency_block", "entry_first_head", "entry_reversed_by", "entry_id_for_source", "inclusion_block", "inclusion_body",
    "inclusion_proof_path",
    "consistency_body", "consistency_proof", "entry_leaf", "head_at", "head_json", "inclusion_proof", "latest_head", "log_nodes",
    "published_heads",
    "log_root", "log_size",
]


def log_nodes(keys) -> dict[int, bytes]:
    """Stored subtree hashes by key, in one query."""
    return {key: bytes(value) for key, value in LogNode.objects.filter(key__in=list(keys)).values_list("key", "hash")}


def log_size() -> int:
    """How many entries the log holds (the size of the latest signed head)."""
    head = ChainHead.objects.filter(pk=1).values_list("log_size", flat=True).first()
    return head or 0


def log_root(size: int) -> bytes:
    return merkle.root(size, log_nodes)


def latest_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-size").first()


def head_json(head) -> dict:
    """A head as published: every field the signature covers, plus the key it was signed with."""
    if isinstance(head, dict):
        return head
    return {
        "origin": head.origin, "size": head.size, "root_hash": head.root_hash,
        "timestamp": format_recorded_at(head.timestamp), "key_id": head.key_id, "signature": head.signature,
    }


def head_at(size: int) -> dict | None:
    """The signed head for ``size`` entries: the one published then, else one signed now for that size.

    Any prefix of the log has exactly one root, so signing an older size afresh states nothing
    new; it lets a donor or witness check a proof against the size they hold. None past the log.
    """
    if not 0 <= size <= log_size():
        return None
    stored = TreeHead.objects.filter(size=size).first()
    if stored is not None:
        return {**head_json(stored), "published": True}
    from ledger.signing import current_key_id, head_signature

    root_hash = log_root(size).hex()
    timestamp = format_recorded_at(timezone.now())
    return {
        "origin": settings.LEDGER_LOG_ORIGIN, "size": size, "root_hash": root_hash, "timestamp": timestamp,
        "key_id": current_key_id(),
        "signature": head_signature(size=size, root_hash=root_hash, timestamp=timestamp),
        "published": False,
    }


def inclusion_proof(index: int, size: int) -> list[str]:
    """The audit path (hex) of leaf ``index`` in the tree of ``size`` leaves."""
    return [node.hex() for node in merkle.inclusion_proof(index, size, log_nodes)]


def consistency_proof(first: int, second: int) -> list[str]:
    """The proof (hex) that the log at ``second`` entries extends the log at ``first``."""
    return [node.hex() for node in merkle.consistency_proof(first, second, log_nodes)]


def entry_leaf(entry_id: int) -> dict | None:
    """An entry as a leaf: its index, the exact bytes hashed (as text) and the leaf hash."""
    row = LedgerEntry.objects.filter(id=entry_id).values_list(*COLUMNS).first()
    if row is None:
        return None
    data = canonical_bytes(hashed_record(dict(zip(COLUMNS, row, strict=True))))
    return {"index": entry_id - 1, "data": data.decode("utf-8"), "leaf_hash": leaf_hash(data).hex()}


def published_heads(*, before: int | None = None, limit: int = 100) -> list:
    """Heads as they were published, newest first; ``before`` pages back by size."""
    heads = TreeHead.objects.order_by("-size")
    if before is not None:
        heads = heads.filter(size__lt=before)
    return list(heads[:limit])


# --- proof blocks for pages (the browser check in ledger/static/ledger/log-check.js) --------------


def entry_id_for_source(*, kind: str, source: str, source_ref: str) -> int | None:
    """The id of the entry recorded for (kind, source, source_ref) once it is in the log; None until then.

    A paid gift may wait in a queue before its entry is appended and covered by a signed head.
    """
    if not source_ref:
        return None
    entry_id = LedgerEntry.objects.filter(kind=kind, source=source, source_ref=source_ref).values_list(
        "id", flat=True).first()
    if entry_id is None or entry_id > log_size():
        return None
    return entry_id


def entry_reversed_by(entry_id: int) -> int | None:
    """The id of the correction entry that reverses this one, if any."""
    return LedgerEntry.objects.filter(reverses_id=entry_id).values_list("id", flat=True).first()


def inclusion_body(entry_id: int, size: int) -> dict | None:
    """Exactly what GET /fund/log/proof/inclusion?entry=&size= answers; None when the log cannot prove it."""
    if not 1 <= entry_id <= size:
        return None
    leaf = entry_leaf(entry_id)
    head = head_at(size)
    if leaf is None or head is None:
        return None
    return {"leaf": {"entry_id": entry_id, **leaf}, "proof": inclusion_proof(entry_id - 1, size), "head": head}


def inclusion_proof_path(entry_id: int, size: int) -> str:
    return f"/fund/log/proof/inclusion?entry={int(entry_id)}&size={int(size)}"


def _block(kind: str, data: dict, url: str) -> dict:
    from ledger.signing import public_key_b64

    return {"kind": kind, "data": data, "public_key": public_key_b64(), "url": url}


def inclusion_block(entry_id: int, size: int | None = None) -> dict | None:
    """A page's proof block for one entry: the API's inclusion answer, the public key and the proof's URL.

    Against the latest published head by default, so the page shows the entry is in the log as it stands.
    """
    if size is None:
        latest = latest_head()
        size = latest.size if latest is not None else 0
    data = inclusion_body(entry_id, size)
    if data is None:
        return None
    return _block("inclusion", data, inclusion_proof_path(entry_id, size))


def consistency_body(first: int, second: int) -> dict | None:
    """Exactly what /fund/log/proof/consistency?first=&second= answers; None when either size is not in the log."""
    if not 0 <= first <= second:
        return None
    first_head, second_head = head_at(first), head_at(second)
    if first_head is None or second_head is None:
        return None
    return {"first": first, "second": second, "proof": consistency_proof(first, second),
            "first_head": first_head, "second_head": second_head}


def consistency_block(first: int, second: int) -> dict | None:
    """A page's proof block showing the log at ``second`` entries extends the log at ``first``."""
    data = consistency_body(first, second)
    if data is None:
        return None
    return _block("consistency", data, f"/fund/log/proof/consistency?first={int(first)}&second={int(second)}")


def entry_first_head(entry_id: int) -> dict | None:
    """The first published head that covers an entry: it never changes, so a printed certificate can cite it."""
    head = TreeHead.objects.filter(size__gte=entry_id).order_by("size").first()
    return head_json(head) if head is not None else None
