"""Finance staff's forms: offline transfers, refunds, reconciliation; each hands its data to a service."""

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm

from donations.models.orders import Gateway
from fundsite.inputs import AmountField


def _strict_amount(form):
    """Swap the model's DecimalField (which takes "１２３" and "1e3") for the strict yuan field."""
    if "amount" in form.fields:
        old = form.fields["amount"]
        form.fields["amount"] = AmountField(label=old.label, help_text=old.help_text, required=old.required)


class OfflineTransferForm(WagtailAdminModelForm):
    """A bank transfer as finance staff enter it, voucher required."""

    bank_reference = forms.CharField(label="银行流水号", max_length=50)
    received_at = forms.DateTimeField(label="到账时间", initial=timezone.now)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strict_amount(self)
        self.fields["voucher"].required = True
        self.fields["voucher"].help_text = "上传银行回单（PDF 或图片扫描件）。回单含付款人姓名和账号：登记后存入“财务凭证”集合，仅财务可查看。"


class RefundRequestForm(WagtailAdminModelForm):
    """A refund of part or all of a paid gift, found by its order number."""

    out_trade_no = forms.CharField(label="订单号", max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strict_amount(self)
        self.fields["reason"].help_text = "退款原因会记入账本摘要并告知支付平台。"


class ReconciliationForm(WagtailAdminModelForm):
    """Which gateway and day to reconcile."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from donations.gateways import enabled_online_gateways

        labels = dict(Gateway.choices)
        self.fields["gateway"].widget = forms.Select(
            choices=[(g, labels.get(g, g)) for g in enabled_online_gateways()])
