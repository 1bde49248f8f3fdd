"""Donation receipts, numbered from gap-free yearly stripes."""

from django.db import models

from donations.models.guards import FrozenFieldsModel

# Receipt numbers are taken from this many independent counters per year, so concurrent gifts do not queue.
RECEIPT_STRIPES = 8


def receipt_number(*, year: int, stripe: int, serial: int) -> str:
    """``YYYY-S-NNNNNN``: year, stripe 1–8, serial within that stripe; stripe 0 is the old ``YYYY-NNNNNN``."""
    if stripe == 0:
        return f"{year}-{serial:06d}"
    return f"{year}-{stripe}-{serial:06d}"


class ReceiptStripe(models.Model):
    """One of a year's receipt counters: the last serial it gave; its row is locked while it gives the next.

    The guarantee: every receipt number is unique and never reused, and each (year, stripe) series
    runs 1, 2, 3 … without gaps, since a counter moves only in the transaction that saves the
    receipt it numbers. A gift takes whichever stripe is free, so numbers of different stripes
    interleave in time and a year's numbers are not one single series. Receipts issued before
    stripes existed keep their ``YYYY-NNNNNN`` numbers (stripe 0, never issued again).
    """

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    year = models.PositiveSmallIntegerField()
    stripe = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证书编号计数器"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["year", "stripe"], name="receipt_stripe_unique"),
            models.CheckConstraint(condition=models.Q(stripe__gte=1), name="receipt_stripe_positive"),
        ]

    def __str__(self):
        return f"{self.year}-{self.stripe}: {self.last_serial}"


class Receipt(FrozenFieldsModel):
    """The donation certificate of one paid gift: number, unguessable download token, issue time."""

    # A number once given stays with its gift: the receipt series must have no gaps and no reuse.
    frozen_fields = ("donation", "year", "stripe", "serial", "number", "issued_at")

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    donation = models.OneToOneField("donations.Donation", on_delete=models.PROTECT, related_name="receipt")
    year = models.PositiveSmallIntegerField()
    # 0 for receipts numbered before stripes existed (YYYY-NNNNNN); 1–8 after (YYYY-S-NNNNNN).
    stripe = models.PositiveSmallIntegerField(default=0)
    serial = models.PositiveIntegerField()
    number = models.CharField("证书编号", max_length=20, unique=True)
    token = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField("开具时间")
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "捐赠证书"
        verbose_name_plural = "捐赠证书"
        default_permissions = ("view",)
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "stripe", "serial"], name="receipt_serial_unique_per_stripe"),
            models.CheckConstraint(condition=models.Q(serial__gt=0), name="receipt_serial_positive"),
        ]

    def __str__(self):
        return self.number
