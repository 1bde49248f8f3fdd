"""The Merkle transparency log over the ledger's entries: extending it and signing its heads."""

from django.conf import settings
from django.utils import timezone

from ledger import merkle
from ledger.hashing import COLUMNS, format_recorded_at, hashed_record
from ledger.models import ChainHead, LedgerEntry, LogNode, TreeHead
from ledger.selectors.log import log_nodes
from ledger.signing import current_key_id, head_signature
from ledger.verify_export import canonical_bytes
from ledger.verify_log import leaf_hash

__all__ = ["head_sign", "log_catch_up", "log_extend"]

CHUNK = 20_000  # leaves hashed per query when a large existing ledger first joins the log


def _leaf_hashes(first_id: int, last_id: int):
    """Leaf hashes of entries first_id..last_id, checked to be exactly those ids in order."""
    rows = (
        LedgerEntry.objects.filter(id__gte=first_id, id__lte=last_id).order_by("id").values_list(*COLUMNS)
    )
    leaves = []
    for expected, row in enumerate(rows.iterator(chunk_size=5000), start=first_id):
        record = hashed_record(dict(zip(COLUMNS, row, strict=True)))
        if record["id"] != expected:
            raise LookupError(f"ledger entry {expected} is missing; the log cannot skip it")
        leaves.append(leaf_hash(canonical_bytes(record)))
    if len(leaves) != last_id - first_id + 1:
        raise LookupError(f"ledger entries {first_id}-{last_id} are incomplete; the log cannot skip them")
    return leaves


def head_sign(*, size: int, root: bytes) -> TreeHead:
    """Sign and publish the head for ``size`` leaves (caller holds the chain lock)."""
    timestamp = timezone.now().replace(microsecond=0)
    root_hash = root.hex()
    return TreeHead.objects.create(
        size=size, root_hash=root_hash, timestamp=timestamp, origin=settings.LEDGER_LOG_ORIGIN,
        key_id=current_key_id(),
        signature=head_signature(size=size, root_hash=root_hash, timestamp=format_recorded_at(timestamp)),
    )


def log_extend(head: ChainHead) -> TreeHead | None:
    """Add every entry past the log's size to the Merkle log and sign a tree head for the new size.

    Called with the ChainHead row locked, in the transaction that appended the entries, so the
    log never lags the chain once the transaction commits. Returns the new signed head, or None
    when there was nothing to add. A ledger that predates the log joins it on the first call.
    """
    size, target = head.log_size, head.last_id
    if target <= size:
        return None
    added: dict[int, bytes] = {}

    def fetch(keys):
        found = {key: added[key] for key in keys if key in added}
        rest = [key for key in keys if key not in found]
        return {**found, **(log_nodes(rest) if rest else {})}

    while size < target:
        last = min(size + CHUNK, target)
        nodes = merkle.append_nodes(size, _leaf_hashes(size + 1, last), fetch)
        LogNode.objects.bulk_create([LogNode(key=key, hash=value) for key, value in nodes.items()], batch_size=2000)
        added.update(nodes)
        size = last
    ChainHead.objects.filter(pk=head.pk).update(log_size=target)
    head.log_size = target
    return head_sign(size=target, root=merkle.root(target, fetch))


def log_catch_up() -> TreeHead | None:
    """Bring the log level with the chain (a ledger recorded before the log existed joins it here)."""
    from django.db import transaction

    from ledger.services.entries import _locked_head

    with transaction.atomic():
        return log_extend(_locked_head())
