// Draws the dashboards' trend charts in the browser from the Vega-Lite specification the page
// carries beside each one (docs/concurrency.md, "Charts drawn by the browser"): the server
// sends data and specification, which take it milliseconds, instead of drawing SVG, which took
// it a fifth of a second a chart. Vega's expression interpreter (ast: true) is used because the
// portal's Content-Security-Policy forbids eval; vega-embed's own stylesheet is not injected,
// for the same policy (svduty.css styles the box), nor vega-tooltip's (no tooltips: the
// charts are the products' static ones). The drawn SVG is announced as one image named
// by the figure's text alternative, as the products' SVG charts are; the data table carries
// the marks.
(function () {
  "use strict";

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-vega-spec"));
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    var options = { renderer: "svg", actions: false, tooltip: false, ast: true, defaultStyle: false };
    window
      .vegaEmbed(box, JSON.parse(source.textContent), options)
      .then(function () {
        var svg = box.querySelector("svg");
        if (svg) {
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-labelledby", box.getAttribute("data-alt"));
          svg.setAttribute("focusable", "false");
        }
        // vega-embed names its box "Vega visualization"; the SVG inside is the named image
        ["role", "aria-roledescription", "aria-label"].forEach(function (name) {
          box.removeAttribute(name);
        });
        box.setAttribute("data-drawn", "yes");
      })
      .catch(function () {
        box.textContent =
          "The chart could not be drawn in this browser: the data table below holds its figures.";
        box.setAttribute("data-drawn", "failed");
      });
  }

  document.querySelectorAll("[data-vega-spec]").forEach(draw);
})();
