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

  // The specification with the rows of other areas added as series of their own (the "Compare
  // with" control): the series field is "Area" (svduty.portal.dashboard.trends.series_table);
  // the products' colour, shape and dash scales are extended with the next of their own
  // values (svduty.products.charts: CATEGORY_RANGE, _SHAPES, _DASHES), so the legends stay one.
  var MORE = {
    color: ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f"],
    shape: ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"],
    strokeDash: [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4]],
  };

  function compared(spec, extra) {
    var names = Object.keys(spec.datasets || {});
    if (!extra.length || names.length !== 1) return spec;
    var key = names[0];
    var added = [];
    extra.forEach(function (e) {
      spec.datasets[key] = spec.datasets[key].concat(e.rows);
      if (added.indexOf(e.name) < 0) added.push(e.name);
    });
    var single = !layers(spec).some(function (l) {
      return l.encoding && l.encoding.color && l.encoding.color.field;
    });
    var own = single ? spec.datasets[key][0].Area : null;
    layers(spec).forEach(function (layer) {
      var enc = layer.encoding;
      if (!enc) return;
      if (single) {
        // a chart of the area alone gains the series encodings the products give several
        var ownChannels = { color: true, shape: markType(layer) === "point", strokeDash: markType(layer) === "line" };
        Object.keys(ownChannels).forEach(function (channel) {
          if (!ownChannels[channel]) return;
          var legend = { title: "Area", orient: "bottom", symbolStrokeWidth: 2 };
          enc[channel] = { field: "Area", type: "nominal", legend: legend, scale: { domain: [own], range: [MORE[channel][0]] } };
        });
      }
      ["color", "shape", "strokeDash"].forEach(function (channel) {
        var scale = enc[channel] && enc[channel].field && enc[channel].scale;
        if (!scale || !scale.domain) return;
        // names such as "Bath and North East Somerset" are cut short by Vega's default limit
        if (enc[channel].legend) enc[channel].legend.labelLimit = 0;
        added.forEach(function (name) {
          if (scale.domain.indexOf(name) >= 0) return;
          scale.domain = scale.domain.concat([name]);
          if (scale.range) scale.range = scale.range.concat([MORE[channel][scale.range.length % MORE[channel].length]]);
        });
      });
    });
    return spec;
  }

  // The rows of one area in a chart's specification (its first series: the area chosen).
  function ownRows(spec) {
    var names = Object.keys(spec.datasets || {});
    if (names.length !== 1) return null;
    var rows = spec.datasets[names[0]];
    var colour = layers(spec)
      .map(function (l) {
        return l.encoding && l.encoding.color;
      })
      .filter(function (c) {
        return c && c.scale && c.scale.domain;
      })[0];
    var place = colour ? colour.scale.domain[0] : rows.length ? rows[0].Area : null;
    if (place === null || place === undefined) return null;
    return rows.filter(function (r) {
      return r.Area === place;
    });
  }

  // "Compare with": another area's series added to every chart, its data table beside ours.
  function compareControl(root) {
    var trends = root.querySelector("#trends");
    var areaSelect = root.querySelector("form[data-live-filters] select[name=area]");
    if (!trends || !areaSelect || root.querySelector(".chart-compare")) return;
    var form = document.createElement("form");
    form.className = "chart-compare panel";
    var label = document.createElement("label");
    label.className = "label";
    label.htmlFor = "compare-area";
    label.textContent = "Compare the charts with another area";
    var select = document.createElement("select");
    select.className = "select";
    select.id = "compare-area";
    Array.prototype.forEach.call(areaSelect.options, function (o) {
      if (o.value !== areaSelect.value) select.appendChild(new Option(o.text, o.value));
    });
    var go = document.createElement("button");
    go.type = "submit";
    go.className = "button button-secondary";
    go.textContent = "Compare";
    var said = document.createElement("p");
    said.className = "hint";
    said.setAttribute("role", "status");
    form.appendChild(label);
    form.appendChild(select);
    form.appendChild(document.createTextNode(" "));
    form.appendChild(go);
    form.appendChild(said);
    trends.insertAdjacentElement("afterend", form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = new URL(window.location.href);
      url.searchParams.set("area", select.value);
      url.searchParams.set("ward", "");
      said.textContent = "Fetching the figures of " + select.options[select.selectedIndex].text + "…";
      fetch(url.href, { headers: { "X-Svduty-Partial": "1" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var added = 0;
          root.querySelectorAll("[data-vega-spec]").forEach(function (box) {
            var id = box.getAttribute("data-vega-spec");
            var theirs = doc.getElementById(id);
            var rows = theirs && ownRows(JSON.parse(theirs.textContent));
            if (!rows || !rows.length) return;
            // an area the chart shows already (the force area beside a local authority), or
            // compared already, is not added twice
            var ours = JSON.parse(document.getElementById(id).textContent);
            var shown = Object.keys(ours.datasets || {}).some(function (k) {
              return ours.datasets[k].some(function (r) {
                return r.Area === rows[0].Area;
              });
            });
            if (shown || (box.svdutyCompared || []).some(function (c) { return c.name === rows[0].Area; })) return;
            box.svdutyCompared = (box.svdutyCompared || []).concat([{ rows: rows, name: rows[0].Area }]);
            var figure = box.closest("figure");
            var table = doc.getElementById(figure.id) && doc.getElementById(figure.id).querySelector("details");
            if (table) {
              var copy = document.importNode(table, true);
              // ids stay unique on the page: the other area's table is named apart
              copy.querySelectorAll("[id]").forEach(function (el) {
                el.id = el.id + "-compared-" + select.value;
              });
              figure.querySelector("details").insertAdjacentElement("afterend", copy);
            }
            draw(box, true);
            added += 1;
          });
          said.textContent =
            added + " chart" + (added === 1 ? "" : "s") + " now compare with " + select.options[select.selectedIndex].text +
            " (its data tables follow each chart's own); charts without its figures are unchanged.";
        })
        .catch(function () {
          said.textContent = "The figures to compare could not be fetched: try again, or choose the area above.";
        });
    });
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
    var made = interactive(compared(JSON.parse(source.textContent), box.svdutyCompared || []));
    var options = {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true, theme: "svduty" },
    };
    if (box.svdutyView) box.svdutyView.finalize();
    box.removeAttribute("data-drawn"); // drawn again: "yes" once it is
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
  compareControl(document);
  document.addEventListener("svduty:main-replaced", function (event) {
    drawAll(event.detail.root);
    compareControl(event.detail.root);
  });
})();
