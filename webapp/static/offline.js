// Offline use: the service worker (static/sw.js), a banner on a page shown as a
// kept copy, and logs kept on this device while PartnerPlan cannot be reached,
// sent when it can. Every page works without it. docs/ARCHITECTURE.md, "Offline
// and installable".
//
// A log waits in IndexedDB with its form's fields (its idempotency key among
// them) and the key of the user who made it. It is sent again, in order, with
// the CSRF token of the page open at the time, and only on that user's pages:
// the key makes a log the server already received store nothing the second time.
(function () {
  "use strict";
  var script = document.currentScript;
  var userMeta = document.querySelector('meta[name="pp-user"]');
  // The user's key; "" when nobody is signed in; undefined on the offline page,
  // which is nobody's page and leaves everything as it is.
  var user = userMeta ? userMeta.content : undefined;
  var pageTimeMeta = document.querySelector('meta[name="pp-page-time"]');
  var DATABASE = "partnerplan-offline";
  var QUEUE = "queue";
  var PAGES_CACHE_PREFIX = "pp-pages-";  // sw.js: the pages kept, under the user's key
  var RETRY_MS = 30000;  // while logs wait, or the server was out of reach

  var state = { waiting: 0, unreachable: false, copyShown: false, sent: 0, refused: 0 };

  if ("serviceWorker" in navigator && script && script.dataset.serviceWorker) {
    navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" })
      .catch(function () { /* without it, pages are simply not kept */ });
  }

  // --- The queue (IndexedDB) ---------------------------------------------------

  function openQueue() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var opening = indexedDB.open(DATABASE, 1);
      opening.onupgradeneeded = function () {
        var store = opening.result.createObjectStore(QUEUE, { keyPath: "id", autoIncrement: true });
        store.createIndex("user", "user");
      };
      opening.onsuccess = function () { resolve(opening.result); };
      opening.onerror = function () { reject(opening.error); };
    });
  }

  // Runs `work(store)` in one transaction; the result of the request it returns.
  function inQueue(mode, work) {
    return openQueue().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(QUEUE, mode);
        var request = work(transaction.objectStore(QUEUE));
        transaction.oncomplete = function () {
          database.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          database.close();
          reject(transaction.error);
        };
      });
    });
  }

  // This user's logs, oldest first.
  function waitingLogs() {
    return inQueue("readonly", function (store) { return store.index("user").getAll(user); });
  }

  function keep(entry) {
    return inQueue("readwrite", function (store) { return store.add(entry); });
  }

  function drop(id) {
    return inQueue("readwrite", function (store) { return store.delete(id); });
  }

  function forget(whose) {
    return inQueue("readwrite", function (store) {
      var cursor = store.index("user").openCursor(IDBKeyRange.only(whose));
      cursor.onsuccess = function () {
        if (cursor.result) { cursor.result.delete(); cursor.result.continue(); }
      };
      return null;
    });
  }

  function dropKeptPages() {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PAGES_CACHE_PREFIX) === 0 && name !== PAGES_CACHE_PREFIX + user;
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  // --- Keeping a log the server did not receive ----------------------------------

  // A form that creates once: it carries an idempotency key (webapp/forms.py).
  function createForm(element) {
    var form = element && element.closest ? element.closest("form") : null;
    if (!form || form.method.toLowerCase() !== "post") { return null; }
    return form.querySelector('input[name="idempotency_key"]') ? form : null;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;  // a version 4 UUID, like the server's
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function keepForm(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      // The token is the page's when the log is sent: this one may be stale by then.
      if (name !== "csrf_token" && typeof value === "string") { fields.push([name, value]); }
    });
    var action = new URL(form.getAttribute("hx-post") || form.getAttribute("action") || "", location.href);
    return keep({
      user: user,
      action: action.href,
      fields: fields,
      page: location.pathname,
      keptAt: new Date().toISOString(),
    }).then(function () {
      state.unreachable = true;
      // Ready for the next entry, under a key of its own (the server would
      // have sent a fresh form).
      form.reset();
      form.querySelector('input[name="idempotency_key"]').value = newKey();
      return refresh();
    }).then(function () {
      var said = form.querySelector('[role="status"]');
      if (said) { said.textContent = "Saved on this device — " + waitingText(state.waiting) + "."; }
      schedule();
    }, function () {
      alertText("PartnerPlan could not be reached, and this device could not keep what you " +
                "entered: it was not saved. Check your connection and try again.");
    });
  }

  // htmx could not reach the server: keep the log instead of what app.js would
  // say ("may not have been saved"). Listened for on the way down (capture), so
  // that stopping it here keeps that message from being said.
  document.addEventListener("htmx:sendError", function (event) {
    var form = createForm(event.detail.elt);
    if (!form || !user) { return; }
    event.stopPropagation();
    keepForm(form);
  }, true);

  // A create form sent without htmx: checked first, kept when the server is out
  // of reach, sent as it is otherwise.
  document.addEventListener("submit", function (event) {
    var form = createForm(event.target);
    if (!form || !user || event.defaultPrevented) { return; }
    if (form.dataset.offlineChecked) { delete form.dataset.offlineChecked; return; }
    event.preventDefault();
    var submitter = event.submitter;
    reachable().then(function (up) {
      if (!up) { keepForm(form); return; }
      form.dataset.offlineChecked = "yes";
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    });
  });

  // --- Sending what waits -------------------------------------------------------

  function csrfToken() {
    var holder = document.querySelector("[hx-headers]");
    try {
      return JSON.parse(holder.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // "sent" (taken, or found already taken), "refused" (it never will be: the
  // partner is gone or not this user's, or the entry is not valid) or "later"
  // (no server, no session, a stale page: it waits).
  function send(entry) {
    var token = csrfToken();
    var body = new URLSearchParams(entry.fields);
    body.set("csrf_token", token);
    return fetch(entry.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
    }).then(function (response) {
      var signIn = response.headers.get("HX-Redirect");
      var landed = new URL(response.url || entry.action).pathname;
      if (signIn || (response.redirected && /^\/(auth|account)\//.test(landed))) { return "later"; }
      if (response.ok) { return "sent"; }
      if (response.status === 400 || response.status === 429 || response.status >= 500) { return "later"; }
      return "refused";
    }, function () { return "later"; });
  }

  var sending = null;

  function sendWaiting() {
    if (!user) { return Promise.resolve(); }
    if (sending) { return sending; }
    sending = waitingLogs().then(function (entries) {
      function next(index) {
        if (index >= entries.length) { state.unreachable = false; return undefined; }
        return send(entries[index]).then(function (outcome) {
          if (outcome === "later") { return undefined; }
          state[outcome] += 1;
          return drop(entries[index].id).then(function () { return next(index + 1); });
        });
      }
      return next(0);
    }).catch(function () { /* no IndexedDB: nothing waits */ }).then(function () {
      sending = null;
      return refresh();
    });
    return sending;
  }

  // --- What the page says -------------------------------------------------------

  function waitingText(count) {
    return count + (count === 1 ? " log" : " logs") + " waiting to send";
  }

  function alertText(text) {
    var region = document.getElementById("page-alert");
    if (!region) { return; }
    var message = document.createElement("p");
    message.textContent = text;
    region.replaceChildren(message);
  }

  function pageName() {
    var title = document.title.split(" · ")[0];
    return title && title !== "PartnerPlan" ? title : "this page";
  }

  function pageTime() {
    return pageTimeMeta && pageTimeMeta.content ? " as of " + pageTimeMeta.content : "";
  }

  function line(className, text) {
    var paragraph = document.createElement("p");
    paragraph.className = className;
    paragraph.textContent = text;
    return paragraph;
  }

  // The status line (base.html, #offline-status) and the warning beside Log out.
  function render() {
    var region = document.getElementById("offline-status");
    if (!region) { return; }
    var lines = [];
    if (state.unreachable) {
      lines.push(line("offline-banner", "You are offline — showing " + pageName() + pageTime() + "."));
    } else if (state.copyShown) {
      var back = line("offline-banner", "PartnerPlan can be reached again. ");
      var reload = document.createElement("a");
      reload.href = location.href;
      reload.textContent = "Reload for the latest";
      back.appendChild(reload);
      lines.push(back);
    }
    if (state.waiting) {
      var waiting = line("offline-waiting", waitingText(state.waiting) + ". ");
      var now = document.createElement("button");
      now.type = "button";
      now.className = "small";
      now.setAttribute("data-send-waiting", "");
      now.textContent = "Send now";
      waiting.appendChild(now);
      lines.push(waiting);
    } else if (state.sent) {
      lines.push(line("offline-sent", (state.sent === 1 ? "1 log" : state.sent + " logs") +
                      " saved on this device sent to PartnerPlan."));
    }
    if (state.refused) {
      lines.push(line("offline-refused", (state.refused === 1 ? "1 log" : state.refused + " logs") +
        " saved on this device could not be taken (the partner is no longer yours to log, " +
        "or something in it was not valid): log it again from the partner's page."));
    }
    if (region.textContent !== lines.map(function (p) { return p.textContent; }).join("")) {
      region.replaceChildren.apply(region, lines);
    }
    var logout = document.querySelector("form.logout");
    if (logout) {
      var warning = logout.querySelector(".logout-warning");
      if (state.waiting && !warning) {
        warning = line("logout-warning", "");
        logout.appendChild(warning);
      }
      if (warning && state.waiting) {
        warning.textContent = state.waiting + (state.waiting === 1 ? " log" : " logs") +
          " not sent yet will be lost if you log out.";
      } else if (warning) {
        warning.remove();
      }
    }
  }

  function refresh() {
    if (!user) { render(); return Promise.resolve(); }
    return waitingLogs().then(function (entries) {
      state.waiting = entries.length;
    }, function () {
      state.waiting = 0;
    }).then(render);
  }

  // Whether the server answers now: a static file, past the service worker
  // (HEAD is not its business) and the browser's cache.
  function reachable() {
    var probe = new URL(script ? script.src : "/static/offline.js", location.href);
    probe.search = "reachable";
    return fetch(probe.href, { method: "HEAD", cache: "no-store" }).then(function (response) {
      return response.ok;
    }, function () { return false; });
  }

  // `loading`: the first check of the page, which tells whether it is a copy.
  function check(loading) {
    return reachable().then(function (up) {
      if (!up && loading === true) { state.copyShown = true; }
      state.unreachable = !up;
      render();
      if (up && state.waiting) { return sendWaiting(); }
      return undefined;
    });
  }

  var timer = null;

  function schedule() {
    if (timer) { return; }
    timer = window.setInterval(function () {
      if (!state.waiting && !state.unreachable) {
        window.clearInterval(timer);
        timer = null;
        return;
      }
      check();
    }, RETRY_MS);
  }

  // --- When -------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-send-waiting]")) { check(); }
  });
  window.addEventListener("online", function () { check(); });
  window.addEventListener("offline", function () { state.unreachable = true; render(); schedule(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && (state.waiting || state.unreachable)) { check(); }
  });

  // Logging out lets go of this user's waiting logs (the form says how many) and
  // kept pages. The logout goes ahead at once; the page it lands on, with nobody
  // signed in, does the forgetting, told whose by this tab's session storage
  // (the session only ending, the logs would wait for the same user's return).
  var LOGGING_OUT = "partnerplan-logging-out";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!user || !form.matches || !form.matches("form.logout")) { return; }
    try { sessionStorage.setItem(LOGGING_OUT, user); } catch (error) { /* nothing to tell */ }
  });

  function forgetWhoLoggedOut() {
    var whose = null;
    try {
      whose = sessionStorage.getItem(LOGGING_OUT);
      sessionStorage.removeItem(LOGGING_OUT);
    } catch (error) { /* no session storage: nothing was told */ }
    // Still signed in (the logout did not reach the server): nothing to forget.
    if (whose && user === "") { return forget(whose).catch(function () { return undefined; }); }
    return Promise.resolve();
  }

  function start() {
    if (user === undefined) { return; }  // the offline page
    forgetWhoLoggedOut();
    dropKeptPages();  // nobody's but the signed-in user's (nobody's when no one is)
    refresh().then(function () { return check(true); }).then(function () {
      if (state.waiting || state.unreachable) { schedule(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
