"""Reading witnesses and their cosignatures, as the log page and the log API show them."""

from django.db.models import Max, Q

from ledger.hashing import format_recorded_at
from ledger.models import Cosignature, TreeHead, Witness

__all__ = ["cosignature_json", "head_cosignatures", "head_published", "witness_json", "witnesses_overview"]


def witness_json(witness) -> dict:
    """What the public sees of a witness: never its contact details."""
    return {"name": witness.name, "key_id": witness.key_id, "public_key": witness.public_key,
            "description": witness.description, "active": witness.active}


def cosignature_json(cosignature) -> dict:
    head = cosignature.head
    return {
        "witness_name": cosignature.witness.name, "witness_key_id": cosignature.witness.key_id,
        "size": head.size, "root_hash": head.root_hash, "timestamp": format_recorded_at(head.timestamp),
        "cosigned_at": format_recorded_at(cosignature.cosigned_at), "signature": cosignature.signature,
        "received_at": format_recorded_at(cosignature.received_at),
    }


def head_published(size: int) -> bool:
    return TreeHead.objects.filter(size=size).exists()


def head_cosignatures(size: int) -> list[dict]:
    """Every cosignature of the published head of ``size`` entries."""
    rows = Cosignature.objects.filter(head__size=size).select_related("head", "witness").order_by("witness__name", "id")
    return [cosignature_json(c) for c in rows]


def witnesses_overview() -> list[dict]:
    """Every registered witness (active first) with the largest head it has co-signed, in two queries."""
    witnesses = list(Witness.objects.annotate(latest_size=Max("cosignatures__head__size")).order_by("-active", "name", "id"))
    wanted = Q(pk__in=[])
    for w in witnesses:
        if w.latest_size is not None:
            wanted |= Q(witness_id=w.pk, head__size=w.latest_size)
    latest = {c.witness_id: c for c in Cosignature.objects.filter(wanted).select_related("head", "witness")}
    return [{**witness_json(w), "latest": cosignature_json(latest[w.pk]) if w.pk in latest else None}
            for w in witnesses]
