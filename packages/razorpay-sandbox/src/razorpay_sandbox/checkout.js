(function () {
  var BASE = __SANDBOX_BASE__;
  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    this.options = options || {};
    this._events = {};
  }
  Razorpay.prototype.on = function (name, fn) { this._events[name] = fn; return this; };
  Razorpay.prototype.close = function () {
    if (this._frame) { this._frame.remove(); this._frame = null; }
    if (this._listener) { window.removeEventListener("message", this._listener); this._listener = null; }
  };
  Razorpay.prototype.open = function () {
    var o = this.options, self = this, q = new URLSearchParams();
    q.set("order_id", o.order_id || "");
    if (o.key) q.set("key_id", o.key);
    if (o.name) q.set("name", o.name);
    if (o.description) q.set("description", o.description);
    var p = o.prefill || {};
    if (p.email) q.set("prefill[email]", p.email);
    if (p.contact) q.set("prefill[contact]", p.contact);
    if (o.callback_url && (o.redirect || typeof o.handler !== "function")) {
      q.set("callback_url", o.callback_url);
      window.location.href = BASE + "/checkout?" + q.toString();
      return;
    }
    q.set("embedded", "1");
    var frame = document.createElement("iframe");
    frame.src = BASE + "/checkout?" + q.toString();
    frame.setAttribute("data-testid", "sandbox-checkout-frame");
    frame.style.cssText = "position:fixed;inset:0;width:100%;height:100%;border:0;z-index:2147483647;background:rgba(15,23,42,.55)";
    document.body.appendChild(frame);
    this._frame = frame;
    this._listener = function (e) {
      var d = e.data || {};
      if (d.source !== "razorpay-sandbox" || e.source !== frame.contentWindow) return;
      if (d.type === "success") {
        self.close();
        if (typeof o.handler === "function") o.handler(d.response);
      } else if (d.type === "failed") {
        if (self._events["payment.failed"]) self._events["payment.failed"]({ error: d.error });
      } else if (d.type === "dismiss") {
        self.close();
        if (o.modal && typeof o.modal.ondismiss === "function") o.modal.ondismiss();
      }
    };
    window.addEventListener("message", this._listener);
  };
  window.Razorpay = Razorpay;
})();
