"""Sealed vouchers: a document a ledger entry uses, its recorded SHA-256, and any redacted public copy."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

# The private collection vouchers live in, and the group that may open them.
VOUCHER_COLLECTION = "财务凭证"
FINANCE_GROUP = "财务"


class VoucherFrozenError(PermissionDenied):
    """Raised when anything tries to replace, move or delete a voucher a ledger entry uses."""


class VoucherSeal(models.Model):
    """A voucher once an entry uses it: its file may no longer change; the public sees only its hash."""

    document = models.OneToOneField(
        "wagtaildocs.Document", verbose_name="凭证", primary_key=True,
        on_delete=models.PROTECT, related_name="ledger_seal",
    )
    sha256 = models.CharField("文件 SHA-256", max_length=64)
    sealed_at = models.DateTimeField("封存时间", auto_now_add=True)
    # A separate, redacted document in a public collection; not hashed, so adding one changes no entry.
    public_copy = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="公开的脱敏副本", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    public_copy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="公开人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )

    class Meta:
        verbose_name = "封存凭证"
        verbose_name_plural = "封存凭证"
        # No change or delete permission: publishing a redacted copy is the one thing finance may do.
        default_permissions = ("view",)
        permissions = [("publish_voucherseal", "Can publish a redacted copy of 封存凭证")]

    def __str__(self):
        return f"凭证 {self.document_id} {self.sha256[:12]}"
