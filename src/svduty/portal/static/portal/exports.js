// Downloads beside every dashboard figure: the chart as PNG and SVG, and its data table as
// CSV (the aggregate figures the page shows; record-level rows download only through the
// records page's audited link, never from here).
//
// The charts the browser draws (charts.js) pass Vega's own exporters (view.toImageURL, toSVG)
// to window.svdutyExports.toolbar. The figures drawn on the server (the maps page's SVG maps)
// get theirs here: the inline SVG serialised, and a PNG drawn from it on a canvas through a
// data: URL (the Content-Security-Policy allows images from data:, not from blob:).
(function () {
  "use strict";

  function save(url, filename) {
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function saveText(text, type, filename) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    save(url, filename);
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
  }

  function csvCell(text) {
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  // A table as CSV: the texts the page shows, header first.
  function tableCsv(table) {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th, td").forEach(function (cell) {
        cells.push(csvCell(cell.textContent.replace(/\s+/g, " ").trim()));
      });
      lines.push(cells.join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button-secondary chart-export";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // The buttons after `after`, for the figure it is in. how.png() and how.svg() give promises
  // of a PNG URL and of SVG text; how.extra: more elements for the bar.
  function toolbar(after, how) {
    var figure = after.closest("figure");
    var name = "svduty-" + (figure && figure.id ? figure.id : "chart");
    var caption = figure && figure.querySelector("figcaption");
    var bar = document.createElement("div");
    bar.className = "chart-tools";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Download " + (caption ? caption.textContent.trim() : "chart"));
    bar.appendChild(
      button("Download PNG", function () {
        how.png().then(function (url) {
          save(url, name + ".png");
        });
      })
    );
    bar.appendChild(
      button("Download SVG", function () {
        how.svg().then(function (svg) {
          saveText(svg, "image/svg+xml", name + ".svg");
        });
      })
    );
    var table = figure && figure.querySelector("table");
    if (table) {
      bar.appendChild(
        button("Download data (CSV)", function () {
          saveText(tableCsv(table), "text/csv;charset=utf-8", name + ".csv");
        })
      );
    }
    (how.extra || []).forEach(function (el) {
      bar.appendChild(el);
    });
    var old = after.parentNode.querySelector(".chart-tools");
    if (old) old.remove();
    after.insertAdjacentElement("afterend", bar);
    return bar;
  }

  function svgText(svg) {
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return new XMLSerializer().serializeToString(copy);
  }

  function pngOf(svg) {
    return new Promise(function (resolve, reject) {
      var box = svg.getBoundingClientRect();
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(box.width * 2);
        canvas.height = Math.round(box.height * 2);
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/png"));
      };
      image.onerror = reject;
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(svg));
    });
  }

  // The server-drawn figures: a .chart-image holding an inline SVG.
  function addToStatic(root) {
    root.querySelectorAll("figure.chart .chart-image:not([data-vega-spec])").forEach(function (image) {
      var svg = image.querySelector("svg");
      if (!svg) return;
      toolbar(image, {
        png: function () {
          return pngOf(svg);
        },
        svg: function () {
          return Promise.resolve(svgText(svg));
        },
      });
    });
  }

  window.svdutyExports = { toolbar: toolbar, button: button };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      addToStatic(document);
    });
  } else {
    addToStatic(document);
  }
  document.addEventListener("svduty:main-replaced", function (event) {
    addToStatic(event.detail.root);
  });
})();
