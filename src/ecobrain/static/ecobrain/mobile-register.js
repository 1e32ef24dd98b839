// Registers the mobile app's service worker (served from the site root, so its scope is the whole site).
// Used by the /m/ pages and the public portal pages; the worker's URL comes from the script tag's data-worker.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = (script && script.dataset.worker) || "/sw.js";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function (error) {
      console.warn("service worker not registered:", error);
    });
  });
})();
