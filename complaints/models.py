"""A complaint (举报) or an opinion (意见) about one campaign or project page, and its answer."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ComplaintKind(models.TextChoices):
    """What the person is sending: a report of wrongdoing, or an opinion or suggestion."""

    REPORT = "report", "举报"
    OPINION = "opinion", "意见建议"


class Complaint(models.Model):
    """One submission, its five-working-day clock and the office's answer.

    The answer, once recorded, is not changed (services.complaint_answer refuses a second one).
    """

    reference = models.CharField("受理编号", max_length=20, unique=True, editable=False)
    kind = models.CharField("类型", max_length=10, choices=ComplaintKind.choices, default=ComplaintKind.REPORT)
    # The page it is about; kept (with its title) if the page is later removed.
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name="所涉页面", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="complaints",
    )
    page_title = models.CharField("所涉页面标题", max_length=255, editable=False)
    content = models.TextField("内容", max_length=2000)
    name = models.CharField("称呼", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", max_length=254, blank=True)
    received_at = models.DateTimeField("收到时间", editable=False)
    due_on = models.DateField("答复期限", editable=False, help_text="收到之日后第五个工作日（跳过周末和法定节假日）。")
    answer = models.TextField("答复", max_length=4000, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    answer_emailed = models.BooleanField("答复已发邮件", default=False, editable=False)

    class Meta:
        verbose_name = "举报与意见"
        verbose_name_plural = "举报与意见"
        ordering = ["-received_at"]
        # Complaints come from the public form (or the office's record of one by phone); none is deleted.
        default_permissions = ("add", "change", "view")
        indexes = [models.Index(fields=["answered_at", "due_on"], name="complaint_clock")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | ~models.Q(answer=""),
                name="complaint_answered_has_answer",
                violation_error_message="已答复的记录必须有答复内容。",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_kind_display()}：{self.page_title}"

    @property
    def answered_on_time(self):
        if self.answered_at is None:
            return None
        return timezone.localdate(self.answered_at) <= self.due_on

    def clock_status(self):
        if self.answered_at:
            return "按时答复" if self.answered_on_time else "逾期答复"
        return "已逾期" if self.due_on < timezone.localdate() else "待答复"

    clock_status.short_description = "办理状态"
