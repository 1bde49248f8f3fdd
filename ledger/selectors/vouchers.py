"""Vouchers: which documents are sealed, who may open them, and whether their files still match."""

from ledger.models import FINANCE_GROUP, VOUCHER_COLLECTION, LedgerEntry, VoucherSeal
from ledger.verify_export import file_sha256


def voucher_collection():
    """The private collection vouchers live in, or None where it has not been created."""
    from wagtail.models import Collection

    return Collection.objects.filter(name=VOUCHER_COLLECTION, depth=2).first()


def voucher_is_frozen(*, document_id) -> bool:
    """Whether a ledger entry uses this document (or did, sealing it): then its file may never change."""
    if document_id is None:
        return False
    return (VoucherSeal.objects.filter(document_id=document_id).exists()
            or LedgerEntry.objects.filter(voucher_id=document_id).exists())


def document_is_private(*, document) -> bool:
    """A sealed voucher, or any document in the private voucher collection (or below it)."""
    if VoucherSeal.objects.filter(document_id=document.pk).exists():
        return True
    private = voucher_collection()
    return private is not None and document.collection.path.startswith(private.path)


def user_may_open_vouchers(*, user) -> bool:
    """Finance staff (and superusers) may open voucher files; nobody else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=FINANCE_GROUP).exists()


def document_sha256(*, document) -> str:
    """The SHA-256 of a document's stored file, as it is now."""
    with document.file.storage.open(document.file.name, "rb") as handle:
        return file_sha256(handle)


def public_vouchers(*, document_ids) -> dict:
    """{voucher id: {"sha256", "public_url"}} for the public: the hash, and a redacted copy's URL if finance published one."""
    seals = VoucherSeal.objects.filter(document_id__in=[i for i in document_ids if i]).select_related("public_copy")
    return {
        seal.document_id: {"sha256": seal.sha256, "public_url": seal.public_copy.url if seal.public_copy else ""}
        for seal in seals
    }


def voucher_problems() -> list[tuple]:
    """Sealed voucher files whose bytes no longer match: each entry's hashed SHA-256, else the seal's.

    Codes: voucher_mismatch (the file changed), voucher_missing (the file is gone).
    """
    from wagtail.documents import get_document_model

    Document = get_document_model()
    expected = {}  # document id -> [(entry id or None, sha256)]
    for entry_id, voucher_id, sha256 in (
        LedgerEntry.objects.exclude(voucher=None).order_by("id").values_list("id", "voucher_id", "voucher_sha256")
    ):
        if sha256:
            expected.setdefault(voucher_id, []).append((entry_id, sha256))
    for document_id, sha256 in VoucherSeal.objects.values_list("document_id", "sha256"):
        if document_id not in expected:
            expected[document_id] = [(None, sha256)]
    problems = []
    for document in Document.objects.filter(pk__in=list(expected)).order_by("pk"):
        try:
            actual = document_sha256(document=document)
        except OSError:
            actual = None
        for entry_id, sha256 in expected[document.pk]:
            if actual is None:
                problems.append((entry_id, "voucher_missing", f"voucher {document.pk} file is missing"))
            elif actual != sha256:
                problems.append((entry_id, "voucher_mismatch", f"voucher {document.pk} does not match its sealed SHA-256"))
    return problems
