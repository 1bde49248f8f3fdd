"""The sandbox gateway's addresses, mounted under /sandbox/ by fundsite/urls.py."""

from django.urls import path

from . import views, wechat_views

app_name = "gateway_sandbox"

urlpatterns = [
    path("alipay/gateway.do", views.alipay_gateway, name="alipay_gateway"),
    path("alipay/bill/", views.alipay_bill, name="alipay_bill"),
    path("pay/<str:token>/", views.pay, name="pay"),
    path("wechatpay/", views.wechatpay_root, name="wechatpay_root"),
    path("wechatpay/v3/pay/transactions/<str:kind>", views.wechatpay_create, name="wechatpay_create"),
    path("wechatpay/v3/pay/transactions/out-trade-no/<str:out_trade_no>", views.wechatpay_query,
         name="wechatpay_query"),
    path("wechatpay/v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", views.wechatpay_close,
         name="wechatpay_close"),
    path("wechatpay/v3/refund/domestic/refunds", views.wechatpay_refund, name="wechatpay_refund"),
    path("wechatpay/v3/refund/domestic/refunds/<str:out_refund_no>", views.wechatpay_refund_query,
         name="wechatpay_refund_query"),
    # The official account's API (WECHAT_API_BASE_URL points here) and what the wx stand-in asks.
    path("wechat/cgi-bin/token", views.wechat_token, name="wechat_token"),
    path("wechat/cgi-bin/ticket/getticket", views.wechat_ticket, name="wechat_ticket"),
    path("wechat/jssdk/config", views.wechat_jssdk_config, name="wechat_jssdk_config"),
    # OAuth: open.weixin.qq.com's authorize page; the code exchange sits under WECHAT_API_BASE_URL.
    path("wechat/open/connect/oauth2/authorize", wechat_views.oauth_authorize, name="wechat_oauth_authorize"),
    path("wechat/sns/oauth2/access_token", wechat_views.oauth_access_token, name="wechat_oauth_access_token"),
    # What WeChat's client does for WeixinJSBridge.invoke('getBrandWCPayRequest').
    path("wechat/jsbridge/pay", wechat_views.jsbridge_pay, name="wechat_jsbridge_pay"),
    path("aliyun-sms/", views.aliyun_sms, name="aliyun_sms"),
    path("aliyun-sms/inbox/", views.sms_inbox, name="sms_inbox"),
]
