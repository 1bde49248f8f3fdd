"""WeChat's client side of JSAPI pay: what WeixinJSBridge's getBrandWCPayRequest checks before it pays.

The stand-in script posts the page's parameters here; the sandbox verifies ``paySign`` with the merchant's
public key over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n`` and that the prepay belongs to the WeChat user
holding the phone, exactly as WeChat's client refuses anything else.
"""

from . import signatures
from .config import current_keys
from .models import SandboxTrade
from .wechat_oauth import openid_for

FIELDS = ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")


class BridgeRefusal(Exception):
    """getBrandWCPayRequest answers ``get_brand_wcpay_request:fail`` with this description."""


def pay_request_check(params, *, user_id):
    """The unpaid trade these parameters may pay; raise BridgeRefusal for anything WeChat would refuse."""
    keys = current_keys()
    if not isinstance(params, dict) or not all(isinstance(params.get(name), str) and params[name] for name in FIELDS):
        raise BridgeRefusal("调用支付JSAPI缺少参数：" + "、".join(FIELDS))
    if params["appId"] != keys.wechatpay_appid:
        raise BridgeRefusal("appId 与当前公众号不一致")
    if params["signType"] != "RSA":
        raise BridgeRefusal("signType 只支持 RSA")
    if not params["timeStamp"].isdigit() or len(params["timeStamp"]) > 12:
        raise BridgeRefusal("timeStamp 应为秒级时间戳")
    message = "".join(params[name] + "\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    if not signatures.rsa2_verify(message, params["paySign"], keys.wechatpay_merchant_public_key):
        raise BridgeRefusal("支付验证签名失败")
    prepay_id = params["package"].removeprefix("prepay_id=")
    trade = SandboxTrade.objects.filter(gateway=SandboxTrade.Gateway.WECHATPAY, product="jsapi",
                                        prepay_id=prepay_id).first() if params["package"].startswith("prepay_id=") else None
    if trade is None:
        raise BridgeRefusal("prepay_id 无效")
    if not user_id or openid_for(trade.appid, user_id) != trade.payer_openid:
        raise BridgeRefusal("此订单不属于当前微信用户")
    if trade.status != SandboxTrade.Status.UNPAID:
        raise BridgeRefusal("订单已支付或已关闭")
    return trade
