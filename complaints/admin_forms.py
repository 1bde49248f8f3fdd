"""The office's answer form: the complaint is shown read-only; only the answer is written, once."""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from complaints import services


class ComplaintAnswerForm(WagtailAdminModelForm):
    """Saving records the answer through complaints.services.complaint_answer (which e-mails it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        if self.instance.answered_at is not None:
            answer.disabled = True
            answer.help_text = "已答复；答复记录后不能修改。"
        else:
            answer.help_text = "答复将显示在提交人凭受理编号打开的页面上；提交人留了电子邮箱的，同时发送邮件。"

    def clean(self):
        cleaned = super().clean()
        if self.instance.answered_at is None and not (cleaned.get("answer") or "").strip():
            self.add_error("answer", "请填写答复内容。")
        return cleaned

    def save(self, commit=True):
        if self.instance.answered_at is not None:
            return self.instance
        try:
            return services.complaint_answer(
                complaint=self.instance, answer=self.cleaned_data["answer"], user=getattr(self, "for_user", None),
            )
        except ValidationError as error:  # answered meanwhile by someone else
            self.add_error(None, error)
            raise
