"""The giving form and the donor lookup form; rules live in services, these only carry input."""

from django import forms
from django.core.validators import RegexValidator

from fundsite.inputs import validate_no_control_chars

METHODS = [
    ("alipay", "支付宝"),
    ("alipay_qr", "支付宝扫码"),
    ("wechatpay", "微信支付"),
]
# Every text field refuses control characters (the middleware does too; a form used elsewhere stays safe).
TEXT = {"validators": [validate_no_control_chars]}


class GiveForm(forms.Form):
    """What a donor fills in on a campaign page; the amount is parsed strictly by the donations service."""

    amount = forms.CharField(label="捐赠金额（元）", max_length=20, **TEXT)
    method = forms.ChoiceField(label="支付方式", choices=METHODS, initial="alipay")
    donor_name = forms.CharField(label="姓名", max_length=50, required=False, **TEXT)
    anonymous = forms.BooleanField(label="匿名捐赠", required=False)
    message = forms.CharField(label="留言", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              **TEXT)
    phone = forms.CharField(label="手机号（选填，仅用于查询与联系，不公开）", max_length=20, required=False, **TEXT)
    email = forms.CharField(label="电子邮箱（选填，用于接收捐赠证书，不公开）", max_length=254, required=False, **TEXT)
    wants_official_receipt = forms.BooleanField(label="申请公益事业捐赠票据", required=False)
    official_receipt_title = forms.CharField(label="票据抬头", max_length=100, required=False, **TEXT)
    taxpayer_number = forms.CharField(label="纳税人识别号（单位必填）", max_length=20, required=False, **TEXT)


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

    target = forms.CharField(label="手机号或电子邮箱", max_length=254, **TEXT)


class DonorCodeForm(forms.Form):
    """我的捐赠: the six-digit code just sent; the service checks it."""

    code = forms.CharField(label="验证码", max_length=6, **TEXT)
