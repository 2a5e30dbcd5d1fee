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
})();
