// JSAPI pay inside WeChat: hand the signed parameters to WeixinJSBridge, then show the result page.
// WeChat's answer is only a hint: the result page trusts the notification or its own query.
(function () {
  "use strict";
  var box = document.querySelector(".pay-jsapi");
  if (!box) { return; }
  var d = box.dataset;
  var params = { appId: d.appId, timeStamp: d.timeStamp, nonceStr: d.nonceStr, package: d.package,
                 signType: d.signType, paySign: d.paySign };
  var started = false;

  function pay() {
    if (started || typeof window.WeixinJSBridge === "undefined") { return; }
    started = true;
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function () {
      started = false;
      // ok, cancel or fail alike: the result page says where the order stands (and queries if need be).
      window.location.href = d.returnUrl;
    });
  }

  var button = box.querySelector("[data-action=pay]");
  if (button) { button.addEventListener("click", pay); }
  if (typeof window.WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    pay();
  }
})();
