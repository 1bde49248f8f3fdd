"""Donation receipts with a gap-free yearly number."""

from django.db import models

from donations.models.guards import FrozenFieldsModel


class ReceiptCounter(models.Model):
    """The last receipt number used in a year; its row is locked while the next number is taken."""

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "收据编号计数器"
        default_permissions = ()

    def __str__(self):
        return f"{self.year}: {self.last_serial}"


class Receipt(FrozenFieldsModel):
    """The donation certificate of one paid gift: number, unguessable download token, issue time."""

    # A number once given stays with its gift: the receipt series must have no gaps and no reuse.
    frozen_fields = ("donation", "year", "serial", "number", "issued_at")

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    donation = models.OneToOneField("donations.Donation", on_delete=models.PROTECT, related_name="receipt")
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    number = models.CharField("收据编号", max_length=20, unique=True)
    token = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField("开具时间")
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "捐赠证书"
        verbose_name_plural = "捐赠证书"
        default_permissions = ("view",)
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="receipt_serial_unique_per_year"),
            models.CheckConstraint(condition=models.Q(serial__gt=0), name="receipt_serial_positive"),
        ]

    def __str__(self):
        return self.number
