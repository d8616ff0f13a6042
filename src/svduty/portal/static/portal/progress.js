// Progress of an upload or a product build without reloading the page: poll the status URL, update the progress bar and
// its words (announced politely to screen readers), and reload once the load has finished.
// Loaded from a file so the content security policy can forbid inline script.
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var words = panel.querySelector("[data-progress-text]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        var counted = typeof s.progress === "number";
        if (bar && counted) { bar.value = s.progress; bar.textContent = s.progress + "%"; }
        if (words) { words.textContent = (counted ? s.progress + "% done: " : "") + s.label + "."; }
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
