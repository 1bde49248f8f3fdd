"""Receiving a witness's cosignature of a published tree head."""

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.hashing import format_recorded_at
from ledger.models import Cosignature, TreeHead, Witness
from ledger.verify_log import cosignature_message, ed25519_verify

__all__ = ["CosignatureRefused", "cosignature_record"]

TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
# Witnesses' clocks are not ours: a cosignature may claim a time this far either side of what we know.
CLOCK_SKEW = timedelta(hours=1)


class CosignatureRefused(ValidationError):
    """A cosignature the site will not store; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message, *, status):
        super().__init__(message, code=str(status))
        self.status = status


def _timestamp(text, label) -> datetime:
    if not isinstance(text, str) or not TIMESTAMP_RE.fullmatch(text):
        raise CosignatureRefused(f"{label}应为 UTC 时间，格式 YYYY-MM-DDTHH:MM:SSZ。", status=400)
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise CosignatureRefused(f"{label}不是有效的日期时间。", status=400) from error


def cosignature_record(*, witness_key_id: str, size: int, root_hash: str, timestamp: str, cosigned_at: str,
                       signature: str) -> tuple[Cosignature, bool]:
    """Store a witness's cosignature of a head this site published; (record, created).

    The witness must be registered and active, the head (size, root, time) exactly one the site
    signed and published, and the signature must verify over ``cosignature_message`` with the
    witness's registered name and key. The same cosignature sent again returns the stored record;
    anything else raises CosignatureRefused and stores nothing.
    """
    if not isinstance(witness_key_id, str) or not KEY_ID_RE.fullmatch(witness_key_id):
        raise CosignatureRefused("witness_key_id 应为 16 位小写十六进制的公钥编号。", status=400)
    if not isinstance(root_hash, str) or not HEX64_RE.fullmatch(root_hash):
        raise CosignatureRefused("root_hash 应为 64 位小写十六进制。", status=400)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise CosignatureRefused("size 应为非负整数。", status=400)
    _timestamp(timestamp, "timestamp ")
    signed_at = _timestamp(cosigned_at, "cosigned_at ")
    try:
        raw_signature = base64.b64decode(signature.encode("ascii"), validate=True)
    except (AttributeError, binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise CosignatureRefused("signature 应为 base64 编码的 Ed25519 签名。", status=400) from error
    if len(raw_signature) != 64:
        raise CosignatureRefused("signature 应为 64 字节的 Ed25519 签名。", status=400)

    witness = Witness.objects.filter(key_id=witness_key_id).first()
    if witness is None:
        raise CosignatureRefused("没有登记这把公钥的见证方；请先请基金财务登记。", status=403)
    if not witness.active:
        raise CosignatureRefused(f"见证方“{witness.name}”已停用，不再接收其联署。", status=403)
    head = TreeHead.objects.filter(size=size).first()
    if head is None:
        raise CosignatureRefused(f"本站没有发布过规模为 {size} 的树头。", status=404)
    head_json = {"origin": head.origin, "size": head.size, "root_hash": head.root_hash,
                 "timestamp": format_recorded_at(head.timestamp)}
    if root_hash != head.root_hash or timestamp != head_json["timestamp"]:
        # A validly signed head that differs from ours would be a split view; say which field differs.
        field = "root_hash" if root_hash != head.root_hash else "timestamp"
        raise CosignatureRefused(f"本站发布的规模为 {size} 的树头与联署的不同（{field} 不一致）。", status=409)
    if not head.timestamp - CLOCK_SKEW <= signed_at <= timezone.now() + CLOCK_SKEW:
        raise CosignatureRefused("cosigned_at 早于树头签署时间或晚于当前时间。", status=400)
    message = cosignature_message(witness.name, cosigned_at, head_json)
    if not ed25519_verify(witness.public_key_bytes, message, raw_signature):
        raise CosignatureRefused("签名不能用该见证方登记的公钥核验（名称、树头或联署时间不符）。", status=400)

    existing = Cosignature.objects.filter(head=head, witness=witness).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Cosignature.objects.create(head=head, witness=witness, cosigned_at=signed_at,
                                                  signature=signature), True
        except IntegrityError:  # the same witness's other request stored it first
            existing = Cosignature.objects.filter(head=head, witness=witness).first()
    if existing is not None and existing.signature == signature:
        return existing, False
    raise CosignatureRefused(
        f"见证方“{witness.name}”已于 {format_recorded_at(existing.cosigned_at)} 联署过这个树头；保留先前的联署。"
        if existing is not None else "联署未能保存，请重试。", status=409)
