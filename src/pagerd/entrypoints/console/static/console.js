/* pagerd console: small enhancements over pages that work without JavaScript.
   - [data-live-src]: refreshed every few seconds from the server's HTML fragment, so new
     alerts and timeline entries appear without a reload; a status line says when the view
     was last updated and says loudly when it is stale (the server is unreachable).
   - form[data-confirm]: asks before submitting (marking a service healthy resolves its alert).
   Loaded from pagerd itself; no inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";

  var INTERVAL_MS = 5000;
  var STALE_AFTER_MS = 20000;

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function announce(text) {
    var state = document.querySelector("[data-live-state]");
    // Only changes are written to the live region, so a screen reader is not told every 5 s.
    if (state && state.textContent !== text) state.textContent = text;
  }

  function updateOpenCount(container) {
    var holder = container.querySelector("[data-open-count]");
    var badge = document.querySelector("[data-open-count-badge]");
    if (!holder || !badge) return;
    var count = parseInt(holder.getAttribute("data-open-count"), 10) || 0;
    var before = badge.hidden ? 0 : parseInt(badge.textContent, 10) || 0;
    if (count > before) announce("Live. " + count + " open alert" + (count === 1 ? "" : "s") + ".");
    badge.hidden = count === 0;
    badge.textContent = count + " open";
    document.title = document.title.replace(/^\(\d+\) /, "");
    if (count > 0) document.title = "(" + count + ") " + document.title;
  }

  function startLive(region) {
    var src = region.getAttribute("data-live-src");
    var status = document.querySelector("[data-live-status]");
    var lastOk = Date.now();
    var busy = false;

    function say(stateText, timeText, stale) {
      if (!status) return;
      status.hidden = false;
      var wasStale = status.classList.contains("live-stale");
      status.classList.toggle("live-stale", !!stale);
      if (!!stale !== wasStale || !status.querySelector("[data-live-state]").textContent) {
        announce(stateText);
      }
      status.querySelector("[data-live-time]").textContent = timeText;
    }

    function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 401) {
            window.location.reload(); // the session ended: the page leads to sign-in
            return null;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          if (region.getAttribute("data-last") !== html) {
            var focused = document.activeElement && region.contains(document.activeElement)
              ? document.activeElement.id : null;
            region.innerHTML = html;
            region.setAttribute("data-last", html);
            if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
            bindConfirms(region);
            updateOpenCount(region);
          }
          lastOk = Date.now();
          say("Live.", "Updated " + clock(new Date()), false);
        })
        .catch(function () {
          if (Date.now() - lastOk > STALE_AFTER_MS) {
            say("Not updating: pagerd is unreachable.", "Last update " + clock(new Date(lastOk)) + "; retrying…", true);
          }
        })
        .then(function () { busy = false; });
    }

    region.setAttribute("data-last", region.innerHTML.trim());
    say("Live.", "Updates every " + INTERVAL_MS / 1000 + " s", false);
    setInterval(refresh, INTERVAL_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refresh();
    });
  }

  function bindConfirms(root) {
    var forms = root.querySelectorAll("form[data-confirm]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].getAttribute("data-confirm-bound")) continue;
      forms[i].setAttribute("data-confirm-bound", "1");
      forms[i].addEventListener("submit", function (event) {
        if (!window.confirm(this.getAttribute("data-confirm"))) event.preventDefault();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindConfirms(document);
    var regions = document.querySelectorAll("[data-live-src]");
    for (var i = 0; i < regions.length; i++) startLive(regions[i]);
  });
})();
