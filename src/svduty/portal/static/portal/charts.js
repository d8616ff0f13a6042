// Draws the dashboards' trend charts in the browser from the Vega-Lite specification the page
// carries beside each one (docs/concurrency.md, "Charts drawn by the browser"): the server
// sends data and specification, which take it milliseconds, instead of drawing SVG, which took
// it a fifth of a second a chart.
//
// Under the portal's Content-Security-Policy (no eval, no inline style): Vega's expression
// interpreter (ast: true) replaces eval; vega-embed's stylesheet is not injected
// (defaultStyle: false) nor vega-tooltip's (disableDefaultStyle: true): portal/dashboard.css
// styles the box and the tooltip, which vega-tooltip places through the CSSOM (element.style),
// which the policy allows, unlike a style attribute or element.
//
// What this adds to the products' static chart, on screen only (the specification the server
// sends stays the products' own):
// - hover values: a tooltip on each point with its period, value and 95% interval;
// - a time range to zoom: on a chart whose periods are numbers (calendar years), drag to pan
//   and Shift with the mouse wheel to zoom (the wheel alone still scrolls the page); double
//   click or "Reset zoom" restores it. Financial years ("2023/24") are labels, which Vega-Lite
//   cannot zoom: the page's From and To filters choose their range, as they do for keyboards;
// - exports beside the chart (portal/exports.js): PNG and SVG from Vega's view.toImageURL and
//   toSVG, and the chart's data table as CSV.
// The drawn SVG is announced as one image named by the figure's text alternative, as the
// products' SVG charts are; the data table carries the marks.
//
// The dashboards swap their main region when a filter changes (portal/dashboard.js), which
// fires "svduty:main-replaced"; the new charts are drawn then.
(function () {
  "use strict";

  var ZOOMABLE = { quantitative: true, temporal: true };

  function layers(spec) {
    return Array.isArray(spec.layer) ? spec.layer : [spec];
  }

  function markType(layer) {
    return typeof layer.mark === "string" ? layer.mark : layer.mark && layer.mark.type;
  }

  function title(channel) {
    if (!channel) return undefined;
    if (channel.title) return channel.title;
    return channel.axis && channel.axis.title ? channel.axis.title : channel.field;
  }

  // The specification with hover values and, where the periods are numbers, a zoomable range.
  function interactive(spec) {
    var all = layers(spec);
    var bounds = all.filter(function (l) {
      return l.encoding && l.encoding.y2;
    })[0];
    var zoomable = false;
    all.forEach(function (layer) {
      var enc = layer.encoding;
      if (!enc || !enc.x || !enc.y || markType(layer) !== "point") return;
      var tip = [
        { field: enc.x.field, type: enc.x.type, title: title(enc.x), format: enc.x.type === "quantitative" ? "d" : undefined },
        { field: enc.y.field, type: "quantitative", title: title(enc.y), format: ",.2~f" },
      ];
      if (bounds) {
        tip.push({ field: bounds.encoding.y.field, type: "quantitative", title: "95% interval from", format: ",.2~f" });
        tip.push({ field: bounds.encoding.y2.field, type: "quantitative", title: "95% interval to", format: ",.2~f" });
      }
      if (enc.color && enc.color.field) tip.unshift({ field: enc.color.field, type: "nominal", title: title(enc.color) });
      enc.tooltip = tip.map(function (t) {
        if (t.format === undefined) delete t.format;
        return t;
      });
      if (!zoomable && ZOOMABLE[enc.x.type]) {
        zoomable = true;
        layer.params = (layer.params || []).concat([
          {
            name: "svduty_zoom",
            select: { type: "interval", encodings: ["x"], zoom: "wheel![event.shiftKey]" },
            bind: "scales",
          },
        ]);
      }
    });
    return { spec: spec, zoomable: zoomable };
  }

  function tools(box, view, zoomable) {
    var extra = [];
    if (zoomable) {
      extra.push(
        window.svdutyExports.button("Reset zoom", function () {
          draw(box, true);
        })
      );
      var hint = document.createElement("p");
      hint.className = "hint chart-hint";
      hint.textContent = "Drag the chart to move along the years; Shift and the mouse wheel zoom.";
      extra.push(hint);
    }
    window.svdutyExports.toolbar(box, {
      png: function () {
        return view.toImageURL("png", 2);
      },
      svg: function () {
        return view.toSVG();
      },
      extra: extra,
    });
  }

  function draw(box, again) {
    if (box.getAttribute("data-drawn") && !again) return;
    var source = document.getElementById(box.getAttribute("data-vega-spec"));
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    var made = interactive(JSON.parse(source.textContent));
    var options = {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true, theme: "svduty" },
    };
    if (box.svdutyView) box.svdutyView.finalize();
    window
      .vegaEmbed(box, made.spec, options)
      .then(function (result) {
        box.svdutyView = result.view;
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
        tools(box, result.view, made.zoomable);
        box.setAttribute("data-drawn", "yes");
      })
      .catch(function () {
        box.textContent =
          "The chart could not be drawn in this browser: the data table below holds its figures.";
        box.setAttribute("data-drawn", "failed");
      });
  }

  function drawAll(root) {
    root.querySelectorAll("[data-vega-spec]").forEach(function (box) {
      draw(box, false);
    });
  }

  drawAll(document);
  document.addEventListener("svduty:main-replaced", function (event) {
    drawAll(event.detail.root);
  });
})();
