// The maps page's interactive map of LSOAs, drawn with the vendored Leaflet (the public site's
// library: products/static/vendor/leaflet, served by the portal from the products' static
// files). No tile layer and no request beyond the portal's own: the shapes and figures come
// from /dashboard/map.geojson with the page's own query (the same figures as its tables).
//
// Each LSOA is shaded by its rate (or its count, when the measure has no rates) in five classes
// of equal numbers of LSOAs, outlined when it is a Gi* hotspot, and says its figures on hover
// and on focus (Tab moves through the areas). Clicking an LSOA, or Enter on it, filters the
// rest of the page:
// - when the force area is shown, it chooses the LSOA's local authority in the form and
//   applies it (portal/dashboard.js fetches the view without reloading);
// - when a local authority is shown, it keeps only that LSOA's ward in the tables below, with
//   a button to show every LSOA again.
// Without JavaScript the page's static maps and tables show the same figures.
(function () {
  "use strict";

  var PALETTE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var MISSING = "#ffffff";

  function number(value, digits) {
    return Number(value).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function describe(p, rateTitle) {
    var text = p.name + " (" + p.code + ")";
    if (p.ward) text += ", " + p.ward + " ward";
    if (p.count === null) return text + ": no figure [x]";
    text += ": count " + number(p.count, 0);
    if (p.rate !== null) {
      text += ", " + rateTitle.toLowerCase() + " " + number(p.rate, 2);
      if (p.lower_95 !== null && p.upper_95 !== null) {
        text += " (95% interval " + number(p.lower_95, 2) + " to " + number(p.upper_95, 2) + ")";
      }
    }
    if (p.hotspot) text += "; hotspot analysis: " + p.hotspot;
    return text;
  }

  // Upper bounds of five classes holding equal numbers of LSOAs (fewer when values repeat).
  function breaks(values) {
    var sorted = values.slice().sort(function (a, b) {
      return a - b;
    });
    var out = [];
    for (var i = 1; i <= PALETTE.length; i++) {
      var b = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / PALETTE.length) - 1)];
      if (out.indexOf(b) < 0) out.push(b);
    }
    return out;
  }

  function classOf(value, limits) {
    for (var i = 0; i < limits.length; i++) if (value <= limits[i]) return i;
    return limits.length - 1;
  }

  function legend(box, limits, field, digits, missing) {
    var title = document.createElement("p");
    title.className = "map-key-title";
    title.textContent = field;
    var list = document.createElement("ul");
    list.className = "map-key";
    var low = null;
    var rows = limits.map(function (limit, i) {
      var label = (low === null ? "up to " : "over " + number(low, digits) + " to ") + number(limit, digits);
      low = limit;
      return [PALETTE[Math.round((i * (PALETTE.length - 1)) / Math.max(1, limits.length - 1))], label];
    });
    if (missing) rows.push([MISSING, "No figure"]);
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "map-key-swatch";
      swatch.style.backgroundColor = row[0];
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(row[1]));
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
  }

  // Keep only the rows of the LSOAs of one ward in the page's tables of LSOAs (or all again).
  function filterTables(box, codes, label) {
    var main = box.closest("main");
    main.querySelectorAll("figure table").forEach(function (table) {
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var cell = tr.querySelector("th, td");
        tr.hidden = codes !== null && !codes[cell.textContent.trim()];
      });
    });
    var note = box.querySelector(".map-filter");
    note.hidden = codes === null;
    note.querySelector("span").textContent = codes === null ? "" : label;
  }

  function chooseArea(box, laCode) {
    var areaOf = JSON.parse(document.getElementById(box.getAttribute("data-areas")).textContent);
    var form = box.closest("main").querySelector("form[data-live-filters]");
    var select = form && form.querySelector("select[name=area]");
    if (!select || !areaOf[laCode]) return false;
    select.value = areaOf[laCode];
    form.requestSubmit();
    return true;
  }

  function draw(box, data) {
    var props = data.features.map(function (f) {
      return f.properties;
    });
    var byRate = props.some(function (p) {
      return p.rate !== null;
    });
    var field = byRate ? "rate" : "count";
    var values = props
      .map(function (p) {
        return p[field];
      })
      .filter(function (v) {
        return v !== null;
      });
    var limits = breaks(values);
    var forceArea = box.getAttribute("data-force-area") === "yes";
    var canvas = document.createElement("div");
    canvas.className = "map-canvas";
    box.insertBefore(canvas, box.firstChild);
    var map = L.map(canvas, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    var layer = L.geoJSON(data, {
      style: function (feature) {
        var p = feature.properties;
        var v = p[field];
        var hot = p.hotspot === "hot"; // svduty.analysis.hotspots.HOT
        return {
          fillColor: v === null ? MISSING : PALETTE[Math.round((classOf(v, limits) * (PALETTE.length - 1)) / Math.max(1, limits.length - 1))],
          fillOpacity: 1,
          color: hot ? "#d4351c" : "#505a5f",
          weight: hot ? 2.5 : 0.5,
          dashArray: v === null ? "3 3" : null,
        };
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        var text = describe(p, data.rate_title || "Rate");
        var action = forceArea ? "; select to show " + (p.la || "its local authority") : p.ward ? "; select to show only " + p.ward + " ward below" : "";
        shape.bindTooltip(text, { sticky: true });
        function pick() {
          if (forceArea) {
            chooseArea(box, p.la_code);
          } else if (p.ward) {
            var codes = {};
            props.forEach(function (q) {
              if (q.ward === p.ward) codes[q.code] = true;
            });
            filterTables(box, codes, "Only the LSOAs of " + p.ward + " ward are shown in the tables below.");
          }
        }
        shape.on("click", pick);
        shape.on("add", function () {
          var path = shape.getElement();
          path.setAttribute("data-code", p.code);
          path.setAttribute("role", "button");
          path.setAttribute("aria-label", text + action);
          path.setAttribute("tabindex", "0");
          path.addEventListener("focus", function () {
            shape.openTooltip(shape.getBounds().getCenter());
          });
          path.addEventListener("blur", function () {
            shape.closeTooltip();
          });
          path.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              pick();
            }
          });
        });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", "Interactive map: arrow keys pan, plus and minus zoom, Tab moves through the LSOAs");
    legend(box, limits, byRate ? data.rate_title : "Count", byRate ? 2 : 0, values.length < props.length);
    var note = document.createElement("p");
    note.className = "map-filter";
    note.hidden = true;
    note.appendChild(document.createElement("span"));
    note.appendChild(document.createTextNode(" "));
    var all = document.createElement("button");
    all.type = "button";
    all.className = "button button-secondary";
    all.textContent = "Show every LSOA";
    all.addEventListener("click", function () {
      filterTables(box, null, "");
    });
    note.appendChild(all);
    box.appendChild(note);
    box.setAttribute("data-ready", "true");
  }

  function start(root) {
    if (!window.L || !window.fetch) return;
    root.querySelectorAll(".map-live[data-geojson]").forEach(function (box) {
      fetch(box.getAttribute("data-geojson"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          box.hidden = false;
          draw(box, data);
        })
        .catch(function () {
          box.hidden = true; // the static maps and the tables stay
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      start(document);
    });
  } else {
    start(document);
  }
  document.addEventListener("svduty:main-replaced", function (event) {
    start(event.detail.root);
  });
})();
