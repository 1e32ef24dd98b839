/* The service worker of the mobile app (served from /sw.js: its scope is the whole site).
 *
 * - install: precache the app shell (the offline page, the /m/ pages' CSS, JS, icon font and icons) and, best
 *   effort, the public pages of CONFIG.pages;
 * - navigations: network first; when the network fails, a kept copy of a public page (only those listed in
 *   CONFIG.pages, the same for everyone), else the offline page. Staff pages are per user and never kept;
 * - static files (/static/): stale-while-revalidate;
 * - anything else (POST, the API, staff data, attachments): straight to the network, never stored.
 * The version changes whenever a precached file or the app version changes; activation deletes older caches.
 */
"use strict";

const CONFIG = {{ config }};
const SHELL_CACHE = "ecobrain-shell-" + CONFIG.version;
const PAGES_CACHE = "ecobrain-pages-" + CONFIG.version;
const STATIC_CACHE = "ecobrain-static-" + CONFIG.version;
const CURRENT = [SHELL_CACHE, PAGES_CACHE, STATIC_CACHE];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(CONFIG.shell.map((url) => new Request(url, { cache: "reload" }))))
      // The public pages too, so that they open offline right after the install; best effort: a page that
      // fails now is kept on its next visit instead.
      .then(() => caches.open(PAGES_CACHE))
      .then((cache) => Promise.all(CONFIG.pages.map((url) => cache.add(url).catch(() => undefined))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name.startsWith("ecobrain-") && !CURRENT.includes(name)).map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "version" && event.source) event.source.postMessage({ version: CONFIG.version });
});

function keepable(response) {
  // Only a plain, successful, shareable answer: never a redirect (to the login page), never a private page.
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(control);
}

async function navigate(request, url) {
  const isPublicPage = CONFIG.pages.includes(url.pathname);
  try {
    const response = await fetch(request);
    if (isPublicPage && keepable(response)) {
      const copy = response.clone();
      caches.open(PAGES_CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  } catch (error) {
    if (isPublicPage) {
      const kept = await caches.match(url.pathname, { cacheName: PAGES_CACHE });
      if (kept) return kept;
    }
    const offline = await caches.match(CONFIG.offline, { cacheName: SHELL_CACHE });
    return offline || Response.error();
  }
}

async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(STATIC_CACHE);
  // The icon font is asked for with a ?hash suffix: the precached copy has none.
  const cached = await caches.match(request, { ignoreSearch: true });
  const refresh = fetch(request)
    .then((response) => {
      if (keepable(response)) cache.put(request, response.clone());
      return response;
    })
    .catch(() => undefined);
  if (cached) {
    event.waitUntil(refresh);
    return cached;
  }
  return (await refresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // POSTs (steps, uploads, complaints) are never cached
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request, url));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(staleWhileRevalidate(event, request));
  }
  // Everything else (the API, /m/api/, staff pages' data, attachments) goes to the network untouched.
});
