// Giving form: preset buttons and the custom amount stay in step; the QR page polls until paid.
(function () {
  var form = document.querySelector(".give-form");
  if (form) {
    var custom = form.querySelector("input[name=amount]");
    form.querySelectorAll("input[name=preset]").forEach(function (radio) {
      radio.addEventListener("change", function () { custom.value = ""; });
    });
    custom.addEventListener("input", function () {
      if (custom.value) form.querySelectorAll("input[name=preset]").forEach(function (r) { r.checked = false; });
    });
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
