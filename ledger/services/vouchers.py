"""Vouchers: sealing a ledger entry's voucher file, and publishing a redacted copy."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ledger.models import FINANCE_GROUP, VOUCHER_COLLECTION, VoucherSeal
from ledger.selectors import document_sha256, voucher_collection, voucher_is_frozen


def voucher_collection_ensure():
    """The private voucher collection, view-restricted to the finance group; created if missing."""
    from django.contrib.auth.models import Group
    from wagtail.models import Collection, CollectionViewRestriction

    collection = voucher_collection()
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=VOUCHER_COLLECTION)
    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=collection, defaults={"restriction_type": CollectionViewRestriction.GROUPS},
    )
    if restriction.restriction_type == CollectionViewRestriction.GROUPS:
        restriction.groups.add(Group.objects.get_or_create(name=FINANCE_GROUP)[0])
    return collection


def voucher_seal(*, document) -> str:
    """Freeze a voucher: move it to the private collection and record its SHA-256, which is returned.

    A voucher sealed before keeps its first hash: if its file has changed since, the new
    entry is refused rather than hashed over the changed file.
    """
    Document = type(document)
    document = Document.objects.select_for_update().get(pk=document.pk)
    try:
        sha256 = document_sha256(document=document)
    except OSError as error:
        raise ValidationError({"voucher": f"凭证文件无法读取（{type(error).__name__}），请重新上传。"}) from error
    seal = VoucherSeal.objects.filter(document=document).first()
    if seal is not None and seal.sha256 != sha256:
        raise ValidationError({"voucher": f"凭证 {document.pk} 的文件与封存时的 SHA-256 不符，不能再使用；请报告财务负责人。"})
    collection = voucher_collection_ensure()
    if document.collection_id != collection.pk:
        # update(): the row-level guard refuses moving a sealed voucher; this one is not sealed yet.
        Document.objects.filter(pk=document.pk).update(collection=collection)
    if seal is None:
        VoucherSeal.objects.create(document=document, sha256=sha256)
    return sha256


@transaction.atomic
def voucher_public_copy_set(*, voucher, public_copy, user) -> VoucherSeal:
    """Finance publishes a redacted copy of a sealed voucher; the copy is a separate, public document."""
    seal = VoucherSeal.objects.select_for_update().filter(document_id=voucher.pk).first()
    if seal is None:
        raise ValidationError({"voucher": "只有账本记录使用的凭证才能公开脱敏副本。"})
    if public_copy is not None:
        if public_copy.pk == voucher.pk:
            raise ValidationError({"public_copy": "脱敏副本必须是另一份文件，不能直接公开原凭证。"})
        if voucher_is_frozen(document_id=public_copy.pk):
            raise ValidationError({"public_copy": "这份文件本身是账本凭证，不能作为公开副本。"})
        private = voucher_collection()
        if private is not None and public_copy.collection_id == private.pk:
            Collection = type(private)
            type(public_copy).objects.filter(pk=public_copy.pk).update(collection=Collection.get_first_root_node())
    VoucherSeal.objects.filter(pk=seal.pk).update(public_copy=public_copy, public_copy_by=user)
    seal.refresh_from_db()
    return seal
