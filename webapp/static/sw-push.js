// The service worker's part of web push (webapp/push): show what is pushed, and open
// its page on a click. The main service worker loads it with
//   importScripts("/static/sw-push.js");
// (same origin, as the Content-Security-Policy's script-src 'self' asks).
// A push carries JSON: {title, body, url, tag}; `url` is a path of PartnerPlan's.
(function () {
  "use strict";

  function text(value, fallback) {
    return typeof value === "string" && value ? value : fallback;
  }
  // Only a page of this origin is ever opened.
  function page(url) {
    try {
      var target = new URL(text(url, "/"), self.location.origin);
      if (target.origin === self.location.origin) { return target.href; }
    } catch (error) { /* not a URL: the home page */ }
    return new URL("/", self.location.origin).href;
  }

  self.addEventListener("push", function (event) {
    var data = {};
    try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
    var title = text(data.title, "PartnerPlan");
    event.waitUntil(self.registration.showNotification(title, {
      body: text(data.body, ""),
      tag: text(data.tag, "partnerplan"),  // a newer one of the same thing replaces it
      data: { url: page(data.url) }
    }));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var url = page(event.notification.data && event.notification.data.url);
    event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
      .then(function (windows) {
        var open = windows.find(function (client) { return client.url === url; });
        return open ? open.focus() : self.clients.openWindow(url);
      }));
  });
})();
