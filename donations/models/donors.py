"""One-time sign-in codes for 我的捐赠: a donor proves a phone number or e-mail address is theirs."""

from django.db import models
from django.db.models import Q


class DonorIdentityKind(models.TextChoices):
    """How a donor proved who they are; each finds the gifts made with that contact."""

    PHONE = "phone", "手机号"
    EMAIL = "email", "电子邮箱"
    OPENID = "openid", "微信"


class DonorCode(models.Model):
    """A six-digit code sent to one phone or e-mail address: valid 10 minutes, used once, 5 tries.

    Neither the code nor the address is stored: ``target_digest`` is a keyed hash of the address
    (to find its codes) and ``code_hash`` a keyed hash of the code with this row's salt, so a
    copy of the table alone reveals neither.
    """

    wagtail_reference_index_ignore = True

    kind = models.CharField(max_length=10, choices=DonorIdentityKind.choices)
    target_digest = models.CharField(max_length=64, db_index=True)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code replaced it, or when sending failed: such a code never works.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "验证码"
        verbose_name_plural = "验证码"
        default_permissions = ()
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(attempts__lte=5), name="donor_code_attempts_bounded"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target_digest[:8]}…"
