/* The page's share card inside WeChat: wx.config with the signature the server computed for this URL, then
 * the card for chats and for Moments. The data comes from the page's <script type="application/json"
 * id="wechat-share">, since the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var node = document.getElementById("wechat-share");
  if (!node || !window.wx) { return; }
  var data;
  try { data = JSON.parse(node.textContent); } catch (e) { return; }
  var config = data.config, card = data.share;
  window.wx.config({
    debug: false,
    appId: config.appId,
    timestamp: config.timestamp,
    nonceStr: config.nonceStr,
    signature: config.signature,
    jsApiList: config.jsApiList
  });
  window.wx.ready(function () {
    window.wx.updateAppMessageShareData({ title: card.title, desc: card.desc, link: card.link, imgUrl: card.imgUrl });
    window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
  });
  // A failed config (a domain not registered, an expired ticket) leaves WeChat's plain link card: nothing to do.
  window.wx.error(function () {});
}());
