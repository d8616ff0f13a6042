/* The public site's interactive maps (svduty publish).
 *
 * Each <div class="map-interactive" data-geojson data-key> beside a static map is drawn with the
 * vendored Leaflet from the GeoJSON the site publishes: the values a reader sees are the gated
 * ones in that file, nothing else. data-key holds the static map's classes (labels, colours and
 * the class of each MSOA), so both maps colour every area alike. No tile layer and no request
 * beyond the site's own files. The static SVG stays in the page: it is what a reader without
 * JavaScript sees and what prints; this script only hides it on screen once the map is drawn.
 */
(function () {
  'use strict';

  function number(value, digits) {
    return Number(value).toLocaleString('en-GB', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  // One sentence per MSOA, from its published properties only.
  function describe(p, key) {
    var name = p.area + ' (' + p.area_code + ')';
    var released = typeof p.count === 'number';
    if (!released) {
      // the gate withheld the count ([c]), so the rate and its interval are withheld too
      return name + ': withheld to protect people ' + (p.count || '[c]');
    }
    var text = name + ': count ' + number(p.count, 0);
    if (typeof p.rate === 'number') {
      text += ', rate ' + number(p.rate, key.digits) + ' ' + key.unit;
      if (typeof p.lower_95 === 'number' && typeof p.upper_95 === 'number') {
        text += ' (95% interval ' + number(p.lower_95, key.digits) + ' to ' +
          number(p.upper_95, key.digits) + ')';
      }
    } else {
      text += ', rate not available [x]';
    }
    return text;
  }

  function style(p, key) {
    var cls = key.class_of[p.area_code];
    if (typeof p.rate === 'number' && cls !== undefined) {
      return {fillColor: key.classes[cls].colour, fillOpacity: 1, color: '#ffffff', weight: 0.75};
    }
    return {fillColor: key.missing.colour, fillOpacity: 1, color: '#505a5f', weight: 0.75,
      dashArray: '3 3'};
  }

  function legend(key, withheld) {
    var list = document.createElement('ul');
    list.className = 'map-key';
    var rows = key.classes.slice();
    if (withheld) rows.push(key.missing);
    rows.forEach(function (row) {
      var item = document.createElement('li');
      var swatch = document.createElement('span');
      swatch.className = 'map-key-swatch' + (row === key.missing ? ' map-key-withheld' : '');
      swatch.style.backgroundColor = row.colour;
      swatch.setAttribute('aria-hidden', 'true');
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(row.label));
      list.appendChild(item);
    });
    var title = document.createElement('p');
    title.className = 'map-key-title';
    title.textContent = key.legend_title;
    return [title, list];
  }

  function draw(box, key, data) {
    var figure = box.closest('figure');
    box.hidden = false;
    var canvas = document.createElement('div');
    canvas.className = 'map-canvas';
    box.insertBefore(canvas, box.firstChild);
    var map = L.map(canvas, {
      attributionControl: false, // the licences are in the page footer
      scrollWheelZoom: false, // the page scrolls; zoom with the buttons, keys or a double click
      zoomSnap: 0.25,
    });
    var withheld = false;
    var layer = L.geoJSON(data, {
      style: function (feature) { return style(feature.properties, key); },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        if (typeof p.rate !== 'number') withheld = true;
        var text = describe(p, key);
        shape.bindTooltip(text, {sticky: true});
        shape.on('add', function () {
          var path = shape.getElement();
          path.setAttribute('data-code', p.area_code);
          path.setAttribute('role', 'img');
          path.setAttribute('aria-label', text);
          path.setAttribute('tabindex', '0');
          path.addEventListener('focus', function () {
            shape.bringToFront();
            shape.openTooltip(shape.getBounds().getCenter());
          });
          path.addEventListener('blur', function () { shape.closeTooltip(); });
        });
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    map.fitBounds(bounds);
    map.setMinZoom(map.getZoom() - 1);
    map.setMaxBounds(bounds.pad(0.5));
    var svg = canvas.querySelector('.leaflet-overlay-pane svg');
    if (svg) {
      // the shapes' group is named by the figure's text alternative
      svg.setAttribute('role', 'group');
      svg.setAttribute('aria-labelledby', box.getAttribute('data-labelledby'));
    }
    canvas.setAttribute('role', 'region');
    canvas.setAttribute('aria-label', 'Interactive map: arrow keys pan, plus and minus zoom, ' +
      'Tab moves through the areas');
    legend(key, withheld).forEach(function (el) { box.appendChild(el); });
    if (figure) figure.classList.add('map-enhanced');
    box.setAttribute('data-ready', 'true');
  }

  function start() {
    // fetch cannot read a page opened from disk (file:): the static map serves it there
    if (!window.L || !window.fetch || window.location.protocol === 'file:') return;
    document.querySelectorAll('.map-interactive[data-geojson]').forEach(function (box) {
      var key = JSON.parse(box.getAttribute('data-key'));
      fetch(box.getAttribute('data-geojson'), {credentials: 'same-origin'})
        .then(function (response) {
          if (!response.ok) throw new Error(response.status + ' ' + response.url);
          return response.json();
        })
        .then(function (data) { draw(box, key, data); })
        .catch(function () { box.hidden = true; }); // the static map stays
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
