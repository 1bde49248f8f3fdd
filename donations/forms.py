"""The giving form and the donor lookup form; rules live in services, these only carry input."""

from django import forms

METHODS = [
    ("alipay", "支付宝"),
    ("alipay_qr", "支付宝扫码"),
    ("wechatpay", "微信支付"),
]


class GiveForm(forms.Form):
    """What a donor fills in on a campaign page."""

    amount = forms.CharField(label="捐赠金额（元）", max_length=20)
    method = forms.ChoiceField(label="支付方式", choices=METHODS, initial="alipay")
    donor_name = forms.CharField(label="姓名", max_length=50, required=False)
    anonymous = forms.BooleanField(label="匿名捐赠", required=False)
    message = forms.CharField(label="留言", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    phone = forms.CharField(label="手机号（选填，仅用于查询与联系，不公开）", max_length=20, required=False)
    email = forms.CharField(label="电子邮箱（选填，用于接收捐赠证书，不公开）", max_length=254, required=False)
    wants_official_receipt = forms.BooleanField(label="申请公益事业捐赠票据", required=False)
    official_receipt_title = forms.CharField(label="票据抬头", max_length=100, required=False)
    taxpayer_number = forms.CharField(label="纳税人识别号（单位必填）", max_length=20, required=False)


class LookupForm(forms.Form):
    """A donor finds a past gift by order number and phone's last four digits."""

    out_trade_no = forms.CharField(label="订单号", max_length=32)
    phone_last4 = forms.CharField(label="手机号后四位", min_length=4, max_length=4)
