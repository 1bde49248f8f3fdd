"""Public routes of this app; included at the site root by fundsite/urls.py."""

from django.urls import include, path

from donations import views
from donations.api import api

public = [
    path("donate/<int:campaign_id>/", views.give, name="give"),
    path("donate/<int:campaign_id>/continue/", views.give_continue, name="give_continue"),
    path("donations/pay/<str:token>/", views.pay, name="pay"),
    path("donations/return/<str:token>/", views.payment_return, name="return"),
    path("donations/status/<str:token>/", views.donation_status, name="status"),
    path("donations/notify/alipay/", views.notify_alipay, name="notify_alipay"),
    path("donations/notify/wechatpay/", views.notify_wechatpay, name="notify_wechatpay"),
    path("donations/lookup/", views.lookup, name="lookup"),
    path("donations/mine/", views.mine, name="mine"),
    path("donations/mine/sign-in/", views.donor_sign_in, name="donor_sign_in"),
    path("donations/mine/verify/", views.donor_verify, name="donor_verify"),
    path("donations/mine/wechat/", views.donor_wechat, name="donor_wechat"),
    path("donations/mine/sign-out/", views.donor_sign_out, name="donor_sign_out"),
    path("donations/mine/official-receipt/", views.official_receipt_request, name="donor_official_receipt"),
    path("donations/mine/statement/<int:year>.pdf", views.donor_statement, name="donor_statement"),
    path("donations/donors/", views.donor_list, name="donors"),
    path("receipts/verify/<str:number>/", views.receipt_verify, name="receipt_verify"),
    path("receipts/<str:token>/", views.receipt_download, name="receipt_download"),
]

urlpatterns = [
    path("", include((public, "donations"))),
    # The API keeps its own top-level namespace so its OpenAPI document can reverse its routes.
    path("api/donations/", api.urls),
]
