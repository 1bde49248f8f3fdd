/* The sandbox's stand-in for WeChat's JS-SDK (jweixin-1.6.0.js), served in dev and test only, to WeChat's
 * user agent. wx.config asks the sandbox, as WeChat's client asks WeChat, whether the signature matches a
 * ticket it issued and this page's URL; then wx.ready or wx.error callbacks run. The share data each page
 * sets is kept on window.__wechatShare and in data-wechat-share-* attributes of <html>, where a browser
 * test reads what the card would show. */
(function () {
  "use strict";
  if (window.wx && window.wx.__standIn) { return; }
  var CHECK_URL = "/sandbox/wechat/jssdk/config";
  var state = { verdict: null, ready: [], error: [], allowed: [] };
  var recorded = window.__wechatShare = { config: null, appMessage: null, timeline: null };
  var root = document.documentElement;

  function settle(errMsg) {
    state.verdict = errMsg;
    root.setAttribute("data-wechat-config", errMsg);
    var queue = errMsg === "config:ok" ? state.ready : state.error;
    state.ready = []; state.error = [];
    queue.forEach(function (callback) { callback(errMsg === "config:ok" ? undefined : { errMsg: errMsg }); });
  }

  function share(api, name, options, fields) {
    options = options || {};
    var ok = state.verdict === "config:ok" && state.allowed.indexOf(api) !== -1;
    if (!ok) {
      if (options.fail) { options.fail({ errMsg: api + ":fail" }); }
      return;
    }
    var card = {};
    fields.forEach(function (field) { card[field] = options[field]; });
    recorded[name] = card;
    root.setAttribute("data-wechat-share-" + name.toLowerCase(), JSON.stringify(card));
    if (options.success) { options.success({ errMsg: api + ":ok" }); }
  }

  window.wx = {
    __standIn: true,
    config: function (config) {
      recorded.config = config;
      state.allowed = (config && config.jsApiList) || [];
      var request = new XMLHttpRequest();
      request.open("POST", CHECK_URL);
      request.setRequestHeader("Content-Type", "application/json");
      request.onload = function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        settle(answer.errMsg || "config:fail");
      };
      request.onerror = function () { settle("config:fail, network"); };
      request.send(JSON.stringify({ config: config, url: window.location.href.split("#")[0] }));
    },
    ready: function (callback) {
      if (state.verdict === "config:ok") { callback(); } else if (state.verdict === null) { state.ready.push(callback); }
    },
    error: function (callback) {
      if (state.verdict !== null && state.verdict !== "config:ok") { callback({ errMsg: state.verdict }); }
      else if (state.verdict === null) { state.error.push(callback); }
    },
    updateAppMessageShareData: function (options) {
      share("updateAppMessageShareData", "appMessage", options, ["title", "desc", "link", "imgUrl"]);
    },
    updateTimelineShareData: function (options) {
      share("updateTimelineShareData", "timeline", options, ["title", "link", "imgUrl"]);
    }
  };
}());
