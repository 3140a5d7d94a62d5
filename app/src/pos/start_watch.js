// The POS island hides #pos-loading once it runs. Until then, a failed load
// of our script or wasm (an error event on its script or link element, or the
// rejected import or instantiation in Leptos's island loader, which nothing
// catches) or no start within START_MS means it will not start: say so.
(function () {
  var START_MS = 15000;
  var loading = document.getElementById("pos-loading");
  var failed = document.getElementById("pos-failed");
  if (!loading || !failed) return;
  var ours = /\/pkg\/[^\/?#]+\.(js|wasm)([?#]|$)/;
  function fail() {
    if (loading.hidden) return;
    loading.style.display = "none";
    failed.hidden = false;
  }
  function loadError(e) {
    var t = e.target;
    if (t && ours.test(t.src || t.href || "")) fail();
  }
  // Load errors do not bubble: only a capturing listener on window sees them.
  window.addEventListener("error", loadError, true);
  window.addEventListener("unhandledrejection", fail);
  var timer = setTimeout(fail, START_MS);
  // The island started (if after the message showed, the message goes):
  // stop watching.
  new MutationObserver(function (_, observer) {
    if (!loading.hidden) return;
    observer.disconnect();
    clearTimeout(timer);
    window.removeEventListener("error", loadError, true);
    window.removeEventListener("unhandledrejection", fail);
    failed.hidden = true;
  }).observe(loading, { attributes: true, attributeFilter: ["hidden"] });
})();
