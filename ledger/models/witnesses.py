"""Witnesses of the transparency log and the cosignatures they send: third parties vouching for a signed head."""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.db import models

from fundsite.inputs import has_control_chars
from ledger.models.entries import LedgerImmutableError
from ledger.models.log import AppendOnlyModel, TreeHead
from ledger.verify_log import key_id as public_key_id


def public_key_parse(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key written in base64, or a ValidationError in Chinese."""
    try:
        raw = base64.b64decode((text or "").strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise ValidationError({"public_key": "公钥应为 base64（见证程序 keygen 打印的那一行）。"}) from error
    if len(raw) != 32:
        raise ValidationError({"public_key": f"Ed25519 公钥应为 32 字节，这里是 {len(raw)} 字节。"})
    return raw


class Witness(models.Model):
    """A third party that checks the log and co-signs its heads, registered by the fund's finance staff.

    Its name and key are what its cosignatures are signed over and checked with, so neither changes
    once registered: a witness with a new key is registered anew and the old one deactivated.
    """

    name = models.CharField("名称", max_length=100, help_text="须与见证方运行 witness.py 时的 --name 完全一致。")
    public_key = models.CharField("公钥（base64）", max_length=64, unique=True,
                                  help_text="见证方运行 witness.py keygen 时打印的 Ed25519 公钥。")
    key_id = models.CharField("公钥编号", max_length=16, unique=True, editable=False)
    description = models.TextField("公开说明", blank=True, help_text="在透明日志页面上公开，例如单位与见证方式。")
    contact = models.CharField("联系方式（不公开）", max_length=200, blank=True)
    active = models.BooleanField("有效", default=True, help_text="停用后不再接收其联署；已收到的联署保留。")
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "见证方"
        verbose_name_plural = "见证方"
        ordering = ["name", "id"]
        # Registered and deactivated, never deleted: its cosignatures must keep naming it.
        default_permissions = ("add", "change", "view")

    def __str__(self):
        return f"{self.name}（{self.key_id}）"

    def clean(self):
        errors = {}
        name = self.name or ""
        if not name.strip() or name != name.strip() or has_control_chars(name) or "\n" in name or "\r" in name:
            errors["name"] = "名称不能为空，不能含换行、控制字符或首尾空白。"
        for field in ("description", "contact"):
            if has_control_chars(getattr(self, field) or ""):
                errors[field] = "不能含控制字符。"
        try:
            raw = public_key_parse(self.public_key)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            self.public_key = base64.b64encode(raw).decode("ascii")
            self.key_id = public_key_id(raw)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.key_id = public_key_id(public_key_parse(self.public_key))
        if self.pk is not None:
            before = Witness.objects.filter(pk=self.pk).values("name", "public_key").first()
            if before and (before["name"] != self.name or before["public_key"] != self.public_key):
                raise LedgerImmutableError("见证方的名称和公钥登记后不能修改；请登记新的见证方并停用旧的。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("见证方不能删除，只能停用。")

    @property
    def public_key_bytes(self) -> bytes:
        return base64.b64decode(self.public_key)


class Cosignature(AppendOnlyModel):
    """A witness's signature over ``cosignature_message(name, cosigned_at, head)``: it checked this head."""

    head = models.ForeignKey(TreeHead, verbose_name="树头", on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(Witness, verbose_name="见证方", on_delete=models.PROTECT, related_name="cosignatures")
    cosigned_at = models.DateTimeField("联署时间")
    signature = models.CharField("签名", max_length=100)
    received_at = models.DateTimeField("收到时间", auto_now_add=True)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = "见证联署"
        verbose_name_plural = "见证联署"
        ordering = ["-head__size", "witness__name"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["head", "witness"], name="ledger_cosignature_once")]

    def __str__(self):
        return f"{self.witness.name} · {self.head.size}"
