// The web app's service worker (served as /app/sw.js, controlling /app and /app/...): it keeps the app shell,
// the scripts and the event schemas so that /app/record opens without a connection. Every GET it handles goes
// to the network first and falls back to the copy kept from the last answer; what it never touches: writes
// (POST/DELETE go straight to the network: the page's outbox, outbox.js, queues them), sign-in, other origins.
"use strict";
const CACHE = "ginseng-trace-app-v1";  // record.js keeps each record page it opens in the same cache
const SHELL = [
  "/app", "/app/manifest.webmanifest", "/app/icon.svg",
  "/static/forms.js", "/static/record.js", "/static/verify-crypto.js", "/static/verify-core.js",
  "/static/sign-core.js", "/static/outbox.js",
  "/static/app.js",
];
const KEPT = (url) => url.pathname === "/app" || url.pathname.startsWith("/app/") || url.pathname.startsWith("/static/") ||
  url.pathname.startsWith("/api/v1/schemas");

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== self.location.origin || !KEPT(url)) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const answer = await fetch(e.request);
      if (answer.ok) await cache.put(e.request, answer.clone());
      return answer;
    } catch (offline) {
      const kept = await cache.match(e.request) || (e.request.mode === "navigate" ? await cache.match("/app") : undefined);
      if (kept) return kept;
      throw offline;
    }
  })());
});
