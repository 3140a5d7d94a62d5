// The pay page's only script: mounts Stripe's Payment Element and confirms the
// payment. Stripe.js (loaded before this, from STRIPE_JS_URL) does the rest,
// then sends the customer to the return page, which asks Stripe how it went.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe !== "function") return;
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-submit");
  var label = button.textContent;
  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }
  var stripe = Stripe(form.dataset.publishableKey);
  // The page's language (the order's, or the one the customer chose).
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret, locale: form.dataset.locale || "auto" });
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    button.textContent = form.dataset.processing || "Processing…";
    show("");
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached when the payment could not start (e.g. a declined card);
        // on success Stripe.js has already left for the return page.
        if (result && result.error) show(result.error.message || form.dataset.failed || "The payment did not go through.");
        button.disabled = false;
        button.textContent = label;
      });
  });
})();
