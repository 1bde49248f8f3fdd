"""Public and gateway-facing views, one module per flow; each view is thin and calls services or selectors."""

from donations.views.donor import (
    donor_sign_in,
    donor_sign_out,
    donor_statement,
    donor_verify,
    donor_wechat,
    mine,
    official_receipt_request,
)
from donations.views.giving import donation_status, give, give_continue, pay, payment_return
from donations.views.lookup import donor_list, lookup
from donations.views.notify import notify_alipay, notify_wechatpay
from donations.views.receipts import receipt_download, receipt_verify

__all__ = ["donation_status", "donor_sign_in", "donor_sign_out", "donor_statement", "donor_verify", "donor_wechat",
           "mine", "official_receipt_request", "donor_list", "give", "give_continue", "lookup", "notify_alipay", "notify_wechatpay", "pay",
           "payment_return", "receipt_download", "receipt_verify"]
