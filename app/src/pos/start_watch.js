// The POS island hides #pos-loading once it runs. Until then, a failed load
// of our script or wasm (an error event on its script or link element, or the
// rejected import or instantiation in Leptos's island loader, which nothing
// catches) means it will not start: say so. No start within START_MS only
// says it is still loading.
(function () {
  var START_MS = 15000;
  var loading = document.getElementById("pos-loading");
  var failed = document.getElementById("pos-failed");
  if (!loading || !failed) return;
  // /pkg/settle.js, or /pkg/{version}/settle.js as the server links it.
  var ours = /\/pkg\/([0-9a-f]+\/)?[^\/?#]+\.(js|wasm)([?#]|$)/;
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
  // Only rejections from loading our code (a failed import of /pkg/…, or a
  // wasm that does not compile or link): any other page error is not this.
  function rejected(e) {
    var why = String((e && e.reason && (e.reason.stack || e.reason.message)) || (e && e.reason) || "");
    if (/\/pkg\/|WebAssembly|wasm|fetch|import/i.test(why)) fail();
  }
  window.addEventListener("unhandledrejection", rejected);
  // No start after START_MS is a slow line more often than a broken build:
  // say it is still loading and what to do, not that the files are wrong.
  function slow() {
    if (loading.hidden) return;
    loading.textContent = "Still loading the POS: a slow connection can take a while. If it does not start, reload the page.";
  }
  var timer = setTimeout(slow, START_MS);
  // The island started (if after the message showed, the message goes):
  // stop watching.
  new MutationObserver(function (_, observer) {
    if (!loading.hidden) return;
    observer.disconnect();
    clearTimeout(timer);
    window.removeEventListener("error", loadError, true);
    window.removeEventListener("unhandledrejection", rejected);
    failed.hidden = true;
  }).observe(loading, { attributes: true, attributeFilter: ["hidden"] });
})();
