// PartnerPlan's service worker, served from /sw.js so that it controls every page.
//
// Online, every request goes to the server as it would without it. What it keeps:
// - the app shell (styles, scripts, icons, the offline page), for everyone;
// - Today and the partner pages the user opened last, under the user's key
//   (the page's <meta name="pp-user">), one user's at a time.
// When the server cannot be reached, a page comes from what was kept, or the
// offline page; static/offline.js says on the page that it is a copy, and keeps
// the logs made meanwhile until they can be sent; it also deletes the kept pages
// of anyone but the signed-in user (all of them once nobody is), on the next page
// loaded from the server. docs/ARCHITECTURE.md, "Offline and installable".
//
// Each event has its own handler below; push and notificationclick are in
// sw-push.js, imported first.
"use strict";

// Web push: the `push` and `notificationclick` handlers (push.js subscribes).
importScripts("/static/sw-push.js");

// A new list of shell files needs a new name: the old cache is dropped on activate.
var SHELL_CACHE = "pp-shell-v1";
var SHELL = [
  "/offline",
  "/static/app.css",
  "/static/app.js",
  "/static/offline.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/favicon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/maskable-512.png",
  "/static/icons/apple-touch-icon.png",
];
var OFFLINE_PAGE = "/offline";
var PAGES_CACHE_PREFIX = "pp-pages-";
// The pages kept for offline use: Today, and a partner's page.
var KEPT_PAGES = [/^\/today$/, /^\/partners\/\d+$/];
// How many pages are kept: the most recently opened.
var MOST_PAGES = 20;
// How long a kept page is shown after the server sent it (its Date header): a
// phone lost while offline shows its user's partners no longer than that.
var KEPT_FOR_MS = 3 * 24 * 60 * 60 * 1000;
var PAGE_USER = /<meta name="pp-user" content="([0-9a-f]+)">/;

self.addEventListener("install", function (event) {
  event.waitUntil(precacheShell().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(dropOldShells().then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;  // posts (logs among them) and other sites: straight to the network
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (SHELL.indexOf(url.pathname) !== -1 && !url.search) {
    event.respondWith(shellFile(event));
  }
});

function precacheShell() {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (path) {
      // Without cookies: the offline page is nobody's.
      return fetch(path, { credentials: "omit", cache: "no-cache" }).then(function (response) {
        if (!response.ok) { throw new Error(path + " answered " + response.status); }
        return cache.put(path, response);
      });
    }));
  });
}

function dropOldShells() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("pp-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  });
}

// A page: from the server, kept when it is one to keep; without the server, the
// copy kept (the root's is Today's), else the offline page.
function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (isKept(request.url) && response.ok && response.type === "basic") {
      event.waitUntil(keepPage(request.url, response.clone()));
    }
    return response;
  }).catch(function () {
    return keptCopy(request.url).then(function (copy) {
      return copy || caches.match(OFFLINE_PAGE, { cacheName: SHELL_CACHE });
    }).then(function (answer) { return answer || Response.error(); });
  });
}

function isKept(address) {
  var path = new URL(address).pathname;
  return KEPT_PAGES.some(function (pattern) { return pattern.test(path); });
}

// Filed under the key of the user the page was made for, after deleting any
// other user's pages: a phone holds one user's pages at most.
function keepPage(address, response) {
  return response.clone().text().then(function (html) {
    var user = PAGE_USER.exec(html);
    if (!user) { return undefined; }
    var name = PAGES_CACHE_PREFIX + user[1];
    return dropPages(name).then(function () {
      return caches.open(name);
    }).then(function (cache) {
      // Deleted first, so that the order of the keys is the order last opened.
      return cache.delete(address).then(function () {
        return cache.put(address, response);
      }).then(function () {
        return cache.keys();
      }).then(function (requests) {
        var oldest = requests.slice(0, Math.max(0, requests.length - MOST_PAGES));
        return Promise.all(oldest.map(function (old) { return cache.delete(old); }));
      });
    });
  });
}

// Every user's kept pages but those of the cache named `except`.
function dropPages(except) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PAGES_CACHE_PREFIX) === 0 && name !== except;
    }).map(function (name) { return caches.delete(name); }));
  });
}

function keptCopy(address) {
  var url = new URL(address);
  var wanted = url.pathname === "/" ? new URL("/today", url).href : address;
  return caches.keys().then(function (names) {
    var pages = names.filter(function (name) { return name.indexOf(PAGES_CACHE_PREFIX) === 0; });
    if (!pages.length) { return undefined; }
    // Pages vary on HX-Request (and the cookie): the kept copy is the whole page.
    return caches.match(wanted, { cacheName: pages[0], ignoreVary: true });
  }).then(function (copy) {
    var sent = copy ? Date.parse(copy.headers.get("Date")) : NaN;
    return copy && Date.now() - sent <= KEPT_FOR_MS ? copy : undefined;
  });
}

// A shell file: from the server (and kept fresh), or the copy kept.
function shellFile(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
        return cache.put(request, copy);
      }));
    }
    return response;
  }).catch(function () {
    return caches.match(request, { cacheName: SHELL_CACHE }).then(function (copy) {
      return copy || Response.error();
    });
  });
}
