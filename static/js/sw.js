// Keeps a shopper's pickup code on the phone: the code page and what it loads are fetched
// from the network when there is one, and the last copy is shown when there is not.
"use strict";
var CACHE = "kuaimai-pickup-v1";
var PAGE = /^\/orders\/[^/]+\/pickup\/$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var page = PAGE.test(url.pathname);
  var referrer = request.referrer ? new URL(request.referrer).pathname : "";
  var asset = url.pathname.indexOf("/static/") === 0 && PAGE.test(referrer);
  if (!page && !asset) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    })
  );
});
