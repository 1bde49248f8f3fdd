"""Recording money: the one way an entry joins the ledger."""

import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from wagtail.models import Page

from ledger.hashing import GENESIS_HASH, entry_digest, entry_record_dict
from ledger.models import ChainHead, EntryKind, EntrySource, LedgerEntry, PendingEntry
from ledger.projects import project_model_label
from ledger.selectors import pool_remaining
from ledger.services.log import log_extend
from ledger.services.vouchers import voucher_seal

logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")


def _clean_amount(amount) -> Decimal:
    if isinstance(amount, float):
        raise ValidationError({"amount": "金额不能用浮点数表示，请使用 Decimal，如 Decimal('100.00')。"})
    if not isinstance(amount, Decimal):
        raise ValidationError({"amount": f"金额必须是 Decimal，收到的是 {type(amount).__name__}。"})
    try:
        finite = amount.is_finite()
        exact = amount == amount.quantize(CENT)
    except InvalidOperation:
        finite, exact = False, False
    if not finite:
        raise ValidationError({"amount": "金额必须是有限的数字。"})
    if amount <= 0:
        raise ValidationError({"amount": f"金额必须大于零（收到 {amount}）；方向由记录类型决定。"})
    if not exact:
        raise ValidationError({"amount": f"金额最多两位小数（分）；收到 {amount}。"})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": f"金额超出上限 {MAX_AMOUNT}。"})
    return amount.quantize(CENT)


def _clean_project(project_id):
    if project_id is None:
        return None
    # The page type comes from settings.LEDGER_PROJECT_MODEL, so the ledger never imports the content app.
    app_label, model = project_model_label().lower().split(".")
    project_type = ContentType.objects.get_by_natural_key(app_label, model)
    if not Page.objects.filter(pk=project_id, content_type=project_type).exists():
        raise ValidationError({"project": f"页面 {project_id} 不存在或不是项目页面。"})
    return project_id


def _clean_simple(*, kind, occurred_on, memo, source, source_ref, category_label, project_id):
    if kind not in EntryKind.values:
        raise ValidationError({"kind": f"未知的记录类型 {kind!r}；可选：{', '.join(EntryKind.values)}。"})
    if not isinstance(occurred_on, date) or isinstance(occurred_on, datetime):
        raise ValidationError({"occurred_on": "发生日期必须是日期（datetime.date）。"})
    if not memo or not memo.strip():
        raise ValidationError({"memo": "请填写摘要，说明这笔钱的来龙去脉。"})
    if source not in EntrySource.values:
        raise ValidationError({"source": f"未知的来源 {source!r}；可选：{', '.join(repr(v) for v in EntrySource.values)}。"})
    if len(source_ref) > 64:
        raise ValidationError({"source_ref": "来源编号最长 64 个字符。"})
    if category_label and project_id is not None:
        raise ValidationError({"category_label": "类别标签只用于不属于单个项目的汇总记录；项目记录的类别取自项目页面。"})


def _locked_head() -> ChainHead:
    """Lock the chain head row; every append waits here for the one before it to finish."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = LedgerEntry.objects.order_by("-id").values("id", "entry_hash").first()
        ChainHead.objects.get_or_create(
            pk=1,
            defaults={"last_id": last["id"], "last_hash": last["entry_hash"]} if last else {},
        )
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _existing(kind, source, source_ref, amount):
    if not source_ref:
        return None
    entry = LedgerEntry.objects.filter(kind=kind, source=source, source_ref=source_ref).first()
    if entry is not None and entry.amount != amount:
        raise ValidationError({
            "source_ref": f"{source}/{source_ref} 已登记为 {entry.amount} 元（记录 #{entry.id}），与本次 {amount} 元不符。"
        })
    return entry


def _resolve_reversal(kind, reverses, amount, project_id, category_label):
    """For a correction: the entry it reverses, checked; it inherits that entry's project and label."""
    if kind != EntryKind.CORRECTION:
        if reverses is not None:
            raise ValidationError({"reverses": "只有更正记录可以冲销另一条记录。"})
        return None, project_id, category_label
    if reverses is None:
        raise ValidationError({"reverses": "更正记录必须指明冲销哪一条记录。"})
    reverses_id = reverses.pk if isinstance(reverses, LedgerEntry) else reverses
    original = LedgerEntry.objects.filter(pk=reverses_id).first()
    if original is None:
        raise ValidationError({"reverses": f"要冲销的记录 #{reverses_id} 不存在。"})
    if original.kind == EntryKind.CORRECTION:
        raise ValidationError({"reverses": "更正记录不能再被冲销；请重新登记正确的记录。"})
    if LedgerEntry.objects.filter(reverses_id=original.pk).exists():
        raise ValidationError({"reverses": f"记录 #{original.pk} 已被冲销过。"})
    if amount != original.amount:
        raise ValidationError({"amount": f"冲销金额必须等于原记录金额 {original.amount} 元；更正后请重新登记正确金额。"})
    if project_id is not None and project_id != original.project_id:
        raise ValidationError({"project": "冲销记录的项目必须与原记录相同。"})
    return original, original.project_id, original.category_label


def _check_balance(kind, amount, project_id, original):
    """A disbursement may not exceed what remains approved; nor may reversing an approval."""
    reduces_pool = kind == EntryKind.DISBURSEMENT or (
        kind == EntryKind.CORRECTION and original.kind == EntryKind.GRANT_APPROVAL
    )
    if not reduces_pool:
        return
    remaining = pool_remaining(project_id=project_id)
    if amount > remaining:
        scope = f"项目（页面 {project_id}）" if project_id is not None else "基金层面汇总"
        action = "拨付" if kind == EntryKind.DISBURSEMENT else "冲销批准"
        raise ValidationError({
            "amount": f"{action} {amount} 元超过{scope}尚未拨付的批准额 {remaining} 元。"
        })


def _new_entry(head, *, entry_id, recorded_at, **fields) -> LedgerEntry:
    """The entry that follows ``head``'s last one, hashed; not saved, and ``head`` moves on to it."""
    entry = LedgerEntry(id=entry_id, recorded_at=recorded_at, prev_hash=head.last_hash or GENESIS_HASH, **fields)
    entry.entry_hash = entry_digest(entry_record_dict(entry))
    head.last_id, head.last_hash = entry.id, entry.entry_hash
    return entry


def _sequence_locked(head: ChainHead, *, limit: int | None = None) -> list[LedgerEntry]:
    """Append committed pending records in queue order and link each; the caller holds the head lock.

    Saves the head row but does not extend the log: the caller does that once, after all its appends.
    A pending record whose source ref is already an entry (recorded directly while it was queued)
    is linked to that entry instead of being appended twice.
    """
    queue = PendingEntry.objects.filter(entry__isnull=True).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        queue = queue.select_for_update(skip_locked=True)
    pending = list(queue[:limit] if limit else queue)
    if not pending:
        return []
    recorded = {
        (entry.kind, entry.source, entry.source_ref): entry
        for entry in LedgerEntry.objects.filter(
            source_ref__in={row.source_ref for row in pending}, source__in={row.source for row in pending},
        )
    }
    appended = []
    for row in pending:
        key = (row.kind, row.source, row.source_ref)
        entry = recorded.get(key)
        if entry is None:
            entry = _new_entry(
                head, entry_id=head.last_id + 1, recorded_at=row.queued_at.replace(microsecond=0),
                kind=row.kind, amount=row.amount, occurred_on=row.occurred_on, project_id=row.project_id,
                category_label=row.category_label, memo=row.memo, source=row.source, source_ref=row.source_ref,
                recorded_by_id=row.recorded_by_id,
            )
            recorded[key] = entry
            appended.append(entry)
        elif entry.amount != row.amount:
            logger.error("Pending record %s (%s/%s, %s) linked to entry #%s of a different amount %s",
                         row.pk, row.source, row.source_ref, row.amount, entry.pk, entry.amount)
        row.entry = entry
    # The whole batch in two statements; the guards refuse these bulk paths to everyone else.
    models.QuerySet(LedgerEntry).bulk_create(appended)
    models.QuerySet(PendingEntry).bulk_update(pending, ["entry"])
    _head_save(head)
    return appended


def _head_save(head: ChainHead) -> None:
    ChainHead.objects.filter(pk=head.pk).update(last_id=head.last_id, last_hash=head.last_hash)


@transaction.atomic
def entry_record(
    *, kind: str, amount: Decimal, occurred_on: date, memo: str, project_id: int | None = None,
    source: str = EntrySource.STAFF, source_ref: str = "", reverses=None, recorded_by=None, voucher=None,
    category_label: str = "",
) -> LedgerEntry:
    """Append one entry to the chain, or return the entry already recorded for this source ref.

    Works inside the caller's transaction: if the caller later rolls back, so does the entry.
    Every record already queued (entry_enqueue) is appended first, under the same lock, so the
    chain never shows, say, a refund before the gift it refunds.
    """
    amount = _clean_amount(amount)
    _clean_simple(kind=kind, occurred_on=occurred_on, memo=memo, source=source, source_ref=source_ref,
                  category_label=category_label, project_id=project_id)
    project_id = _clean_project(project_id)
    existing = _existing(kind, source, source_ref, amount)
    if existing is not None:
        return existing
    head = _locked_head()
    sequenced = _sequence_locked(head)
    # Someone may have recorded or queued the same source ref while we waited for the lock.
    existing = _existing(kind, source, source_ref, amount)
    if existing is not None:
        if sequenced:
            log_extend(head)
        return existing
    original, project_id, category_label = _resolve_reversal(kind, reverses, amount, project_id, category_label)
    _check_balance(kind, amount, project_id, original)
    voucher_sha256 = voucher_seal(document=voucher) if voucher is not None else ""
    entry = _new_entry(
        head, entry_id=head.last_id + 1, recorded_at=timezone.now().replace(microsecond=0),
        kind=kind, amount=amount, occurred_on=occurred_on, project_id=project_id,
        category_label=category_label, memo=memo.strip(), source=source, source_ref=source_ref,
        reverses=original, voucher=voucher, voucher_sha256=voucher_sha256, recorded_by=recorded_by,
    )
    entry.save()
    _head_save(head)
    log_extend(head)
    return entry
