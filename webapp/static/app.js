// PartnerPlan's own script: progressive enhancements only. Every page works without it.
(function () {
  "use strict";
  // After an htmx swap, move focus to the first invalid field so keyboard and
  // screen-reader users land on the message.
  // The event fires on the swapped-in content (after an outerHTML swap the
  // original target is gone), so search from the event's own element.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.target.querySelector ? event.target : event.detail.target;
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  });
  // The button pressed went with what it acted on (a Today card, a panel item):
  // once the swap has settled, focus moves to what was said, whose Undo is the
  // next Tab away.
  var said = null;
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (!root.querySelector) { return; }
    said = root.matches(".today-notice") ? root : root.querySelector(".today-notice") || said;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var active = document.activeElement;
    var lost = !active || active === document.body || !active.isConnected;
    if (!said || !said.isConnected) { return; }  // not swapped in yet
    if (lost) {
      said.setAttribute("tabindex", "-1");
      said.focus();
    }
    said = null;
  });
  // What went wrong with an htmx request is said in #page-alert (role="alert"): the
  // server's message for an error answer (base.html's responseHandling swaps it there),
  // or ours when there is no answer to show. It goes when the person does something
  // else or dismisses it.
  function say(text) {
    var region = document.getElementById("page-alert");
    if (!region) { return; }
    var message = document.createElement("p");
    message.textContent = text;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "small";
    dismiss.setAttribute("data-dismiss-alert", "");
    dismiss.textContent = "Dismiss";
    region.replaceChildren(message, dismiss);
  }
  function clear() {
    var region = document.getElementById("page-alert");
    if (!region || !region.firstChild) { return; }
    var hadFocus = region.contains(document.activeElement);
    region.replaceChildren();
    if (hadFocus) { document.getElementById("main").focus({ preventScroll: true }); }
  }
  document.addEventListener("htmx:sendError", function () {
    say("PartnerPlan could not be reached, so this may not have been saved. " +
        "Check your connection and try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("page-alert");
    if (region && !region.textContent.trim()) {  // an error answer with nothing to show
      say("Something went wrong (error " + event.detail.xhr.status + "). Try again in a moment.");
    }
  });
  document.addEventListener("htmx:beforeSend", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (trigger && trigger.isTrusted) { clear(); }  // a new action: the old message is stale
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-dismiss-alert]")) { clear(); }
  });
  // Today's Undo is offered for a few seconds only (the server honours it for
  // ten minutes, so a slow tap still works); the message itself stays.
  var UNDO_SHOWN_MS = 8000;
  function expireUndo(root) {
    var notices = root.querySelectorAll ? root.querySelectorAll("[data-expires]") : [];
    Array.prototype.forEach.call(notices, function (notice) {
      if (notice.hasAttribute("data-expiring")) { return; }
      notice.setAttribute("data-expiring", "");
      window.setTimeout(function () {
        var undo = notice.querySelector(".today-undo");
        if (undo && !undo.contains(document.activeElement)) { undo.remove(); }
        else if (undo) { undo.addEventListener("focusout", function () { undo.remove(); }); }
      }, UNDO_SHOWN_MS);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { expireUndo(document); });
  document.addEventListener("htmx:load", function (event) { expireUndo(event.target); });
  // After a call made from a `tel:` link, coming back to PartnerPlan asks how it
  // went, beside the outcomes (on Today) or the log form (on the partner page):
  // the link names the hidden question to show (data-call). Only when the page
  // was really left for the phone, and within a couple of hours.
  var CALL_KEY = "partnerplan.call";
  var ASK_WITHIN_MS = 2 * 60 * 60 * 1000;
  function remember(value) {
    try {
      if (value) { window.sessionStorage.setItem(CALL_KEY, JSON.stringify(value)); }
      else { window.sessionStorage.removeItem(CALL_KEY); }
    } catch (error) { /* storage refused: nothing to ask later */ }
  }
  function recalled() {
    try { return JSON.parse(window.sessionStorage.getItem(CALL_KEY) || "null"); }
    catch (error) { return null; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-call]");
    if (link) { remember({ ask: link.getAttribute("data-call"), at: Date.now(), left: false }); }
  });
  function askAboutCall() {
    var call = recalled();
    if (!call) { return; }
    if (document.visibilityState === "hidden") {  // off to the phone app
      call.left = true;
      remember(call);
      return;
    }
    if (!call.left) { return; }
    remember(null);
    var ask = document.getElementById(call.ask);
    if (!ask || Date.now() - call.at > ASK_WITHIN_MS) { return; }
    ask.hidden = false;
    var details = ask.closest("details");
    if (details) { details.open = true; }
    var form = ask.closest("form") || ask.parentNode;
    var kind = form.querySelector("select[name='kind']");
    if (kind) { kind.value = "call"; }
    var first = form.querySelector("[name='outcome']");
    (first || ask).focus();
    ask.scrollIntoView({ block: "center" });
  }
  document.addEventListener("visibilitychange", askAboutCall);
  window.addEventListener("pageshow", askAboutCall);
})();
