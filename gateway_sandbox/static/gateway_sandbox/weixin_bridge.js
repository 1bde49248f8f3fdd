// The sandbox's WeixinJSBridge: what WeChat's client injects into its browser, for dev and test only.
// getBrandWCPayRequest sends the page's signed parameters to the sandbox, which verifies paySign with the
// merchant's public key as WeChat's client does; a pay sheet asks the donor; the callback gets
// get_brand_wcpay_request:ok / :cancel / :fail.
(function () {
  "use strict";
  if (window.WeixinJSBridge) { return; }
  var script = document.currentScript;
  var endpoint = script && script.dataset.endpoint;

  function post(action, params) {
    return fetch(endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ action: action, params: params })
    }).then(function (r) { return r.json(); });
  }

  function el(tag, text, styles) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    Object.keys(styles || {}).forEach(function (k) { node.style[k] = styles[k]; }); // CSSOM: allowed by CSP
    return node;
  }

  function sheet(info, done) {
    var shade = el("div", "", { position: "fixed", left: "0", right: "0", top: "0", bottom: "0", zIndex: "9999",
      background: "rgba(0,0,0,.5)", display: "flex", alignItems: "flex-end" });
    shade.setAttribute("data-testid", "wechat-pay-sheet");
    var box = el("div", "", { background: "#fff", width: "100%", padding: "1.5rem 1rem", textAlign: "center",
      borderRadius: "12px 12px 0 0", fontSize: "16px" });
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "微信支付");
    box.appendChild(el("p", "微信支付（沙箱 · 不会扣款）", { color: "#666", margin: "0 0 .5rem" }));
    box.appendChild(el("p", info.subject || "", { margin: "0 0 .5rem" }));
    box.appendChild(el("p", "¥" + info.amount, { fontSize: "2rem", fontWeight: "bold", margin: "0 0 1rem" }));
    var pay = el("button", "确认支付", { background: "#07c160", color: "#fff", border: "0", padding: ".8rem",
      width: "100%", borderRadius: "6px", fontSize: "1rem" });
    var cancel = el("button", "取消", { background: "none", border: "0", padding: ".8rem", width: "100%" });
    pay.type = cancel.type = "button";
    box.appendChild(pay);
    box.appendChild(cancel);
    shade.appendChild(box);
    document.body.appendChild(shade);
    pay.addEventListener("click", function () { shade.remove(); done(true); });
    cancel.addEventListener("click", function () { shade.remove(); done(false); });
  }

  function getBrandWCPayRequest(params, callback) {
    var fail = function (desc) { callback({ err_msg: "get_brand_wcpay_request:fail", err_desc: desc || "" }); };
    post("check", params).then(function (answer) {
      if (!answer.ok) { fail(answer.err_desc); return; }
      sheet(answer, function (confirmed) {
        if (!confirmed) { callback({ err_msg: "get_brand_wcpay_request:cancel" }); return; }
        post("pay", params).then(function (paid) {
          if (paid.ok) { callback({ err_msg: "get_brand_wcpay_request:ok" }); } else { fail(paid.err_desc); }
        }, function () { fail("网络错误"); });
      });
    }, function () { fail("网络错误"); });
  }

  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      callback = callback || function () {};
      if (name === "getBrandWCPayRequest") { getBrandWCPayRequest(params, callback); return; }
      callback({ err_msg: name + ":fail", err_desc: "沙箱未实现此接口" });
    },
    on: function () {},
    call: function () {}
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
})();
