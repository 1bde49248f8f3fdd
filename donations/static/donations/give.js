// Giving form: preset buttons and the custom amount stay in step, the pay bar shows the exact amount, the name is
// required unless the gift is anonymous, and after a refused submission the error summary takes the focus.
// Everything works without this file too (the server checks, the stylesheet shows the chosen preset).
(function () {
  var AMOUNT = /^([0-9]{1,12})(?:\.([0-9]{1,2}))?$/;
  // Yuan from text, never through a float, written as the preset buttons are: "66.6" → "¥66.60", "10.00" → "¥10".
  var yuan = function (text) {
    var m = AMOUNT.exec(text);
    if (!m) return null;
    var cents = ((m[2] || "") + "00").slice(0, 2);
    return "¥" + m[1].replace(/^0+(?=[0-9])/, "") + (cents === "00" ? "" : "." + cents);
  };
  var form = document.querySelector(".give-form");
  if (form) {
    var custom = form.querySelector("input[name=amount]");
    var presets = form.querySelectorAll("input[name=preset]");
    var bar = document.querySelector(".pay-bar");
    var live = bar && bar.querySelector(".pay-bar__live");
    var showAmount = function () {
      if (!live) return;
      var typed = custom.value.trim(), chosen = form.querySelector("input[name=preset]:checked");
      live.textContent = typed ? (yuan(typed) || "金额有误") : (chosen ? yuan(chosen.value) : "请选择金额");
      bar.classList.add("pay-bar--live");
    };
    presets.forEach(function (radio) {
      radio.addEventListener("change", function () { custom.value = ""; showAmount(); });
    });
    custom.addEventListener("input", function () {
      if (custom.value) presets.forEach(function (r) { r.checked = false; });
      showAmount();
    });
    showAmount();
    var name = form.querySelector("input[name=donor_name]");
    var anonymous = form.querySelector("input[name=anonymous]");
    if (name && anonymous) {
      var mark = document.querySelector("#" + name.id + "_field .required-mark");
      var sync = function () {
        name.required = !anonymous.checked;
        if (mark) mark.hidden = anonymous.checked;
      };
      anonymous.addEventListener("change", sync);
      sync();
    }
    var summary = document.getElementById("give-errors");
    if (summary) summary.focus();
  }
  var qr = document.querySelector(".pay-qr");
  if (qr) {
    var poll = function () {
      fetch(qr.dataset.statusUrl, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.paid || data.status === "closed") { window.location = qr.dataset.returnUrl; }
          else { setTimeout(poll, 3000); }
        })
        .catch(function () { setTimeout(poll, 6000); });
    };
    setTimeout(poll, 3000);
  }
})();
