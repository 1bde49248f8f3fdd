"""The giving form and the donor lookup form; rules live in services, these only carry input."""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator, RegexValidator

from fundsite.inputs import CONTROL_RE, amount_parse, has_control_chars, validate_no_control_chars

METHODS = [
    ("alipay", "支付宝"),
    ("alipay_qr", "支付宝扫码"),
    ("wechatpay", "微信支付"),
]
FIELD_TEMPLATE = "donations/includes/give_field.html"
CONTACT_HELP = ("日后凭手机号即可在“查询我的捐赠”找回这笔捐赠和捐赠证书；"
                "只用于查询和联系，绝不公开。")
EMAIL_HELP = "捐赠证书会发到这个邮箱，日后也可凭它找回捐赠；绝不公开。"


class TextField(forms.CharField):
    """A text field refusing every control character with one Chinese message.

    Django's CharField refuses NUL with its own message; ours says the same for all controls, so it replaces it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("template_name", FIELD_TEMPLATE)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator)]
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(
                self.max_length, message=f"最多 {self.max_length} 个字（现在 %(show_value)d 个）。"))
        self.validators.append(validate_no_control_chars)


class StrictCheckbox(forms.CheckboxInput):
    """Hands a value holding control characters to the field as it came, instead of turning it into True."""

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        return raw if isinstance(raw, str) and has_control_chars(raw) else super().value_from_datadict(data, files, name)


class CheckboxField(forms.BooleanField):
    """A tick box that refuses a value holding control characters, as every other field of the form does."""

    widget = StrictCheckbox

    def __init__(self, **kwargs):
        kwargs.setdefault("template_name", FIELD_TEMPLATE)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        validate_no_control_chars(value)
        return super().to_python(value)


class MethodField(forms.ChoiceField):
    """The payment method; control characters get the form's one message, not "not a choice"."""

    def to_python(self, value):
        validate_no_control_chars(value)
        return super().to_python(value)


class GiveForm(forms.Form):
    """What a donor fills in on a campaign page; the amount and the donor's details are checked by the service.

    The form carries the input and its field-level limits; `donation_create` applies the rules and its errors
    come back here (`add_service_errors`), so every error is shown beside its field on the campaign page.
    """

    amount = TextField(label="其他金额", max_length=20, required=False,
                       widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                     "placeholder": "如 66.60"}))
    preset = TextField(label="捐赠金额", max_length=20, required=False)
    method = MethodField(label="支付方式", choices=METHODS, initial="alipay",
                         error_messages={"invalid_choice": "请选择页面上列出的一种支付方式。",
                                         "required": "请选择支付方式。"})
    donor_name = TextField(label="姓名", max_length=50, required=False,
                           help_text="写在捐赠证书上，不会公开，除非您勾选下面的“公开我的姓名”。勾选“匿名捐赠”可不填。",
                           widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}))
    anonymous = CheckboxField(label="匿名捐赠（不填姓名，证书上写“爱心人士”）")
    show_name = CheckboxField(label="公开我的姓名", help_text=(
        "勾选后，爱心榜和证书验证页显示您的姓氏（如“张*”）；不勾选则显示“爱心人士”。无论是否公开，捐款都计入已筹金额。"))
    message = TextField(label="留言（选填，将公开显示）", max_length=200, required=False,
                        widget=forms.Textarea(attrs={"rows": 2}))
    phone = TextField(label="手机号（选填）", max_length=20, required=False, help_text=CONTACT_HELP,
                      widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "numeric"}))
    email = TextField(label="电子邮箱（选填）", max_length=254, required=False, help_text=EMAIL_HELP,
                      widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}))
    wants_official_receipt = CheckboxField(label="申请公益事业捐赠票据")
    official_receipt_title = TextField(label="票据抬头（个人姓名或单位名称）", max_length=100, required=False)
    taxpayer_number = TextField(label="纳税人识别号（单位必填）", max_length=20, required=False)

    RECEIPT_FIELDS = ("wants_official_receipt", "official_receipt_title", "taxpayer_number")
    # The service names the payment method by gateway and channel; the donor chose it as `method`.
    SERVICE_FIELDS = {"gateway": "method", "channel": "method"}

    def chosen_amount(self) -> str:
        """A typed amount wins over the preset buttons (which work without JavaScript too)."""
        return self.cleaned_data.get("amount") or self.cleaned_data.get("preset") or ""

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's errors beside the fields they concern; anything else at the top of the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            field = self.SERVICE_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else None, errors)

    def display_data(self) -> "GiveForm":
        """This form, showing what was typed without its control characters: the page never echoes a NUL."""
        self.data = self.data.copy()
        for key, values in list(self.data.lists()):
            self.data.setlist(key, [CONTROL_RE.sub("", value) for value in values])
        return self

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor, field, message) for the summary above the form; each links to the field it concerns."""
        anchors = {"amount": "id_amount", "preset": "id_amount", "method": "give-method"}
        labels = {"amount": "捐赠金额", "preset": "捐赠金额"}
        links = [("", "", str(message)) for message in self.non_field_errors()]
        for name, messages in self.errors.items():
            if name == NON_FIELD_ERRORS:
                continue
            label = labels.get(name) or str(self.fields[name].label).split("（")[0]
            anchor = anchors.get(name, self[name].id_for_label)
            # "捐赠金额只能由…" already names its field; "请输入 11 位…" is told which one.
            links += [(anchor, "" if str(m).startswith(label) else label, str(m)) for m in messages]
        return links

    @property
    def field_error_count(self) -> int:
        return sum(len(errors) for name, errors in self.errors.items() if name != NON_FIELD_ERRORS)

    @property
    def receipt_open(self) -> bool:
        """The official-receipt part starts unfolded when the donor asked for one or it has an error."""
        return bool(self.is_bound and (self.data.get("wants_official_receipt")
                                       or any(self.errors.get(name) for name in self.RECEIPT_FIELDS)))


def give_form_context(*, form: GiveForm | None, preset_amounts: list[Decimal], gateways) -> dict:
    """What the giving form needs to show a fresh form, or the donor's own input again with its errors."""
    form = form or GiveForm()
    methods = [value for value, _ in METHODS if value.split("_")[0] in gateways]
    typed = form.data.get("method") if form.is_bound else None
    preset = form.data.get("preset") if form.is_bound else (f"{preset_amounts[0]:.2f}" if preset_amounts else "")
    custom = (form.data.get("amount") or "").strip() if form.is_bound else ""
    try:
        custom_display = "¥" + f"{amount_parse(custom):.2f}".removesuffix(".00")  # as the preset buttons show it
    except ValidationError:
        custom_display = "其他金额"
    return {
        "form": form,
        "presets": [{"amount": a, "value": f"{a:.2f}", "checked": f"{a:.2f}" == preset} for a in preset_amounts],
        "chosen_method": typed if typed in methods else (methods[0] if methods else ""),
        "custom_display": custom_display,
    }


class LookupForm(forms.Form):
    """A donor finds a past gift by order number and phone's last four digits."""

    out_trade_no = forms.CharField(label="订单号", max_length=32, validators=[
        RegexValidator(r"^[0-9A-Za-z-]+\Z", "订单号只含半角字母和数字。"),
    ])
    phone_last4 = forms.CharField(label="手机号后四位", min_length=4, max_length=4, validators=[
        RegexValidator(r"^[0-9]{4}\Z", "请输入手机号后四位半角数字。"),
    ])


class DonorSignInForm(forms.Form):
    """我的捐赠: the phone number or e-mail address given with the gifts; the service parses it."""

    target = forms.CharField(label="手机号或电子邮箱", max_length=254, validators=[validate_no_control_chars])


class DonorCodeForm(forms.Form):
    """我的捐赠: the six-digit code just sent; the service checks it."""

    code = forms.CharField(label="验证码", max_length=6, validators=[validate_no_control_chars])


class OfficialReceiptRequestForm(forms.Form):
    """我的捐赠: ask for the official 公益事业捐赠票据 of a paid gift after giving; the service checks the rest."""

    out_trade_no = forms.CharField(max_length=32, widget=forms.HiddenInput, validators=[
        RegexValidator(r"^[0-9A-Za-z-]+\Z", "订单号只含半角字母和数字。")])
    official_receipt_title = TextField(label="票据抬头（个人姓名或单位名称）", max_length=100, required=False)
    taxpayer_number = TextField(label="纳税人识别号（单位必填）", max_length=20, required=False)
