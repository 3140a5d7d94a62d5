// Test-only stand-in for Stripe.js, selected with STRIPE_JS_URL in the browser
// suite. localstripe's own Stripe.js has no Payment Element and no
// confirmPayment, so this implements exactly the calls public/pay.js makes:
// Stripe(pk), elements({clientSecret}), create('payment'), mount(selector),
// confirmPayment({elements, confirmParams: {return_url}}). It is served by
// localstripe_launcher.py and confirms through the launcher's test route,
// then follows return_url as Stripe does. Never used outside tests.
(function () {
  "use strict";
  var base = new URL(document.currentScript.src).origin;
  window.Stripe = function (publishableKey) {
    return {
      elements: function (options) {
        var input = null;
        return {
          clientSecret: options.clientSecret,
          card: function () { return input ? input.value.replace(/\s+/g, "") : ""; },
          create: function (kind) {
            return {
              mount: function (selector) {
                var host = document.querySelector(selector);
                var label = document.createElement("label");
                label.textContent = "Card number";
                label.setAttribute("for", "standin-card");
                input = document.createElement("input");
                input.id = "standin-card";
                input.inputMode = "numeric";
                input.autocomplete = "cc-number";
                host.appendChild(label);
                host.appendChild(input);
              }
            };
          }
        };
      },
      confirmPayment: function (args) {
        var secret = args.elements.clientSecret;
        var body = new URLSearchParams({ client_secret: secret, card: args.elements.card(), key: publishableKey });
        return fetch(base + "/_config/settle/confirm", { method: "POST", body: body })
          .then(function (r) { return r.json(); })
          .then(function (pi) {
            if (pi.status === "succeeded" || pi.status === "processing") {
              var url = args.confirmParams.return_url;
              url += (url.indexOf("?") < 0 ? "?" : "&") + "payment_intent=" + encodeURIComponent(pi.id) +
                "&payment_intent_client_secret=" + encodeURIComponent(secret) + "&redirect_status=succeeded";
              window.location.assign(url);
              return new Promise(function () {});
            }
            var err = (pi.last_payment_error && pi.last_payment_error.message) || (pi.error && pi.error.message) || "Your card was declined.";
            return { error: { type: "card_error", message: err } };
          });
      }
    };
  };
})();
