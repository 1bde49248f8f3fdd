"""Guards below the admin: a sealed voucher's document row refuses a new file, a move or deletion."""

from django.db.models.signals import pre_delete, pre_save

from ledger.models import VoucherFrozenError
from ledger.selectors import voucher_is_frozen

FROZEN_MESSAGE = "此文件是资金账本记录的凭证，已封存：不能替换文件、移出财务凭证集合或删除。"


def refuse_changing_sealed_voucher(sender, instance, raw=False, **kwargs):
    """A new file or another collection for a sealed voucher is refused, whatever path saves it."""
    if raw or instance.pk is None or not voucher_is_frozen(document_id=instance.pk):
        return
    stored = sender.objects.filter(pk=instance.pk).values("file", "collection_id").first()
    if stored is None:
        return
    if str(instance.file.name) != stored["file"] or instance.collection_id != stored["collection_id"]:
        raise VoucherFrozenError(FROZEN_MESSAGE)


def refuse_deleting_sealed_voucher(sender, instance, **kwargs):
    """Deleting a sealed voucher (and with it its file) is refused."""
    if voucher_is_frozen(document_id=instance.pk):
        raise VoucherFrozenError(FROZEN_MESSAGE)


def connect():
    from wagtail.documents import get_document_model

    document_model = get_document_model()
    pre_save.connect(refuse_changing_sealed_voucher, sender=document_model, dispatch_uid="ledger_sealed_voucher_save")
    pre_delete.connect(refuse_deleting_sealed_voucher, sender=document_model, dispatch_uid="ledger_sealed_voucher_delete")
