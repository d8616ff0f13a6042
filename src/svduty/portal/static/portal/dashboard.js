// The dashboards' filters apply without reloading the page (progressive enhancement: without
// JavaScript the forms are submitted as before and every page works as a form).
//
// A form marked data-live-filters is not submitted: its query (the same the browser would send)
// is fetched with the header X-Svduty-Partial: 1, to which the view answers with its main
// region only (svduty.portal.partial), and the page's <main> takes the new one's content. A
// change of a select or radio button does the same after a short pause (so arrowing through a
// list does not fetch every item on the way). A link in the main region to the same page with
// another query (the records' pages) is followed the same way.
//
// The address follows (history.pushState), so a view can be bookmarked and shared, and Back
// and Forward show the views again (popstate). The update is announced to screen readers
// (a polite live region outside <main>), the main region is aria-busy while it is fetched,
// and focus goes back to the control that was changed, or to the page's heading after the
// Show button (or to the error summary when the form has an error). When anything unexpected
// comes back (a sign-in page, a server error, no main region), the browser is simply sent to
// the address, as without JavaScript.
//
// After each swap the event "svduty:main-replaced" (detail.root: the main element) lets the
// charts (charts.js) and the maps (dashboard-map.js) draw the new content.
(function () {
  "use strict";

  var HEADER = "X-Svduty-Partial";
  var PAUSE_MS = 350;
  var status;
  var pending = null; // the AbortController of the fetch in flight
  var timer = null;

  function mainRegion() {
    return document.querySelector("main");
  }

  function liveForm(node) {
    return node && node.closest ? node.closest("form[data-live-filters]") : null;
  }

  function addressOf(form) {
    var url = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    return url.href;
  }

  function announce(text) {
    // emptied first, so the same words said twice are announced twice
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 100);
  }

  function settle(main, focusId) {
    var errors = main.querySelector(".error-summary");
    var target = errors || (focusId && document.getElementById(focusId)) || main.querySelector("h1");
    if (!target) return;
    if (target === errors || target.tagName === "H1") target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: target !== errors });
  }

  // the "Print this view" button is hidden until this script can press print for it
  function offerPrint(root) {
    root.querySelectorAll(".print-view[hidden]").forEach(function (p) {
      p.hidden = false;
    });
  }

  function swap(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    if (!fresh) return false;
    var main = mainRegion();
    main.innerHTML = fresh.innerHTML;
    if (doc.title) document.title = doc.title;
    offerPrint(main);
    document.dispatchEvent(new CustomEvent("svduty:main-replaced", { detail: { root: main, url: url } }));
    return true;
  }

  // Fetch the view at url and show it. how.push: add it to the history; how.focusId: the
  // control to give focus back to.
  function show(url, how) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    var main = mainRegion();
    main.setAttribute("aria-busy", "true");
    main.classList.add("is-updating");
    announce("Updating the dashboard…");
    var headers = {};
    headers[HEADER] = "1";
    return fetch(url, { headers: headers, credentials: "same-origin", signal: controller.signal })
      .then(function (response) {
        var there = new URL(response.url);
        // signed out, refused or failed: let the browser show the page the server sends
        if (!(response.ok || response.status === 400) || there.pathname !== new URL(url).pathname) {
          throw new Error("navigate");
        }
        return response.text();
      })
      .then(function (html) {
        if (controller !== pending) return;
        if (!swap(html, url)) throw new Error("navigate");
        // the same view again (Show pressed twice) is not a new step for Back
        if (how.push && url !== window.location.href) window.history.pushState({ svduty: true }, "", url);
        var heading = mainRegion().querySelector("h1");
        announce("Updated: " + (heading ? heading.textContent.replace(/\s+/g, " ").trim() : document.title));
        settle(mainRegion(), how.focusId);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        window.location.assign(url);
      })
      .finally(function () {
        if (controller === pending) {
          pending = null;
          main.removeAttribute("aria-busy");
          main.classList.remove("is-updating");
        }
      });
  }

  function start() {
    var main = mainRegion();
    if (!main || !window.fetch || !window.history.pushState || !main.querySelector("form[data-live-filters]")) {
      return;
    }
    status = document.createElement("div");
    status.className = "visually-hidden";
    status.id = "dashboard-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    document.body.appendChild(status);
    window.history.replaceState({ svduty: true }, "", window.location.href);
    offerPrint(main);

    document.addEventListener("submit", function (event) {
      var form = liveForm(event.target);
      if (!form) return;
      event.preventDefault();
      window.clearTimeout(timer);
      show(addressOf(form), { push: true, focusId: null });
    });

    document.addEventListener("change", function (event) {
      var form = liveForm(event.target);
      if (!form || !event.target.matches("select, input[type=radio], input[type=checkbox]")) return;
      var focusId = event.target.id;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        show(addressOf(form), { push: true, focusId: focusId });
      }, PAUSE_MS);
    });

    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-print]")) {
        window.print();
        return;
      }
      var link = event.target.closest ? event.target.closest("main a[href]") : null;
      if (!link || link.hasAttribute("download") || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var to = new URL(link.href, window.location.href);
      var here = window.location;
      if (to.origin !== here.origin || to.pathname !== here.pathname || to.search === here.search) return;
      event.preventDefault();
      show(to.href, { push: true, focusId: null });
    });

    window.addEventListener("popstate", function (event) {
      if (event.state && event.state.svduty) show(window.location.href, { push: false, focusId: null });
    });

    // the print view shows every data table: open them before printing, close them after
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("main details:not([open])"), function (d) {
        d.open = true;
        return true;
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) {
        d.open = false;
      });
      opened = [];
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
