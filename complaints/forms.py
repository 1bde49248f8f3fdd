"""The public 举报/意见 form: every field checked, every error in Chinese beside its field."""

import re

from django import forms
from django.core.exceptions import ValidationError

from complaints.models import ComplaintKind
from fundsite.inputs import ID_MAX, validate_no_control_chars

PHONE_RE = re.compile(r"[0-9+\- ]{5,20}")


class ComplaintForm(forms.Form):
    """What a person sends about a campaign or project; contact details are optional."""

    page = forms.CharField(widget=forms.HiddenInput, max_length=20,
                           error_messages={"required": "页面编号无效。", "max_length": "页面编号无效。"})
    kind = forms.ChoiceField(label="类型", choices=ComplaintKind.choices, initial=ComplaintKind.REPORT,
                             widget=forms.RadioSelect, error_messages={"invalid_choice": "请选择“举报”或“意见建议”。",
                                                                       "required": "请选择“举报”或“意见建议”。"})
    content = forms.CharField(
        label="内容", min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_no_control_chars],
        help_text="请写明事实和经过（5 至 2000 字）；举报请尽量写明时间、地点和涉及的人或款项。",
        error_messages={"required": "请填写内容。", "min_length": "内容太短，请至少写 5 个字。",
                        "max_length": "内容太长，最多 2000 字。"},
    )
    name = forms.CharField(label="称呼", required=False, max_length=50, validators=[validate_no_control_chars],
                           error_messages={"max_length": "称呼最多 50 个字。"})
    phone = forms.CharField(label="电话", required=False, max_length=20, help_text="选填，便于办公室联系您。",
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                            error_messages={"max_length": "电话最多 20 位。"})
    email = forms.EmailField(label="电子邮箱", required=False, max_length=254,
                             help_text="选填；填写后会收到受理回执和答复。",
                             error_messages={"invalid": "电子邮箱格式不正确。", "max_length": "电子邮箱太长。"})

    def clean_page(self):
        raw = self.cleaned_data["page"]
        if not raw.isascii() or not raw.isdigit() or int(raw) > ID_MAX or int(raw) < 1:
            raise ValidationError("页面编号无效。")
        return int(raw)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.fullmatch(phone):
            raise ValidationError("电话只能包含数字、空格、“+”和“-”，5 至 20 位。")
        return phone
