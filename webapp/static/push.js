// Notifications on this device (the account page's section; webapp/push): turn them on
// or off for this browser. Without JavaScript the section still lists the devices and
// removes them with plain forms; turning them on needs this and a service worker.
(function () {
  "use strict";
  var box = document.querySelector("[data-push-key]");
  if (!box) { return; }
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");
  var state = box.querySelector("[data-push-state]");
  var status = box.querySelector("[data-push-status]");

  var supported = window.isSecureContext && "serviceWorker" in navigator &&
    "PushManager" in window && "Notification" in window;
  if (!supported) {
    state.textContent = "This browser cannot show notifications from PartnerPlan.";
    return;
  }

  // The application server key, base64url as the server gives it, as bytes.
  function keyBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function sameBytes(a, b) {
    if (!a || !b) { return false; }
    a = new Uint8Array(a); b = new Uint8Array(b);
    return a.length === b.length && a.every(function (value, i) { return value === b[i]; });
  }
  // The server shows each device by the sha256 of its endpoint: which row is this browser.
  function fingerprint(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (hash) {
      return Array.from(new Uint8Array(hash), function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
    });
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify(body)
    });
  }
  function say(text) { status.textContent = text; }

  // What this browser has: a subscription the server lists, or none.
  function current() {
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }
  function listed(subscription) {
    if (!subscription) { return Promise.resolve(null); }
    return fingerprint(subscription.endpoint).then(function (hash) {
      return box.closest("section").querySelector('tr[data-device="' + hash + '"]');
    });
  }
  function show() {
    if (Notification.permission === "denied") {
      state.textContent = "Notifications are blocked for PartnerPlan in this browser's settings.";
      on.hidden = off.hidden = true;
      return Promise.resolve();
    }
    return current().then(listed).then(function (row) {
      if (row) { row.querySelector("[data-this-device]").hidden = false; }
      state.textContent = row ? "Notifications are on for this browser."
                              : "Notifications are off for this browser.";
      on.hidden = Boolean(row);
      off.hidden = !row;
    });
  }

  function turnOn() {
    var key = keyBytes(box.dataset.pushKey);
    say("Turning notifications on…");
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications were not allowed, so none can be shown.");
      }
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (old) {
        // One made with another key (the server's key changed) cannot be reused.
        if (old && !sameBytes(old.options.applicationServerKey, key)) {
          return old.unsubscribe().then(function () { return registration; });
        }
        return registration;
      });
    }).then(function (registration) {
      return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }).then(function (subscription) {
      return post(box.dataset.subscribe, subscription.toJSON()).then(function (response) {
        if (response.ok) { window.location.reload(); return null; }
        return response.json().catch(function () { return {}; }).then(function (answer) {
          subscription.unsubscribe();
          throw new Error(answer.error || "PartnerPlan could not turn notifications on.");
        });
      });
    });
  }

  function turnOff() {
    say("Turning notifications off…");
    return current().then(function (subscription) {
      if (!subscription) { return null; }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post(box.dataset.unsubscribe, { endpoint: endpoint });
      });
    }).then(function () { window.location.reload(); });
  }

  function failed(error) {
    say(error && error.message ? error.message : "Something went wrong: try again.");
  }
  on.addEventListener("click", function () { turnOn().catch(failed); });
  off.addEventListener("click", function () { turnOff().catch(failed); });
  show().catch(failed);
})();
