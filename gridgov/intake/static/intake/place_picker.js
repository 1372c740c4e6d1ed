/* The place of a report, picked on a map of the grids: a pin, the phone's position, or where a photo
 * was taken. Used by the snap-and-report page (intake/snap.js) and the desk forms (patrol, hotline).
 *
 *   window.gridgovPlacePicker.attach(root, options)
 *
 * works on these parts of `root` (a form or a fieldset in one); all but lon/lat may be left out:
 *   input[name=lon], input[name=lat] (in root's form): the point, with six decimals. Without
 *     input[name=crs] they hold WGS-84, and a tap on GCJ-02 tiles is shifted back first; with it, a tap
 *     keeps the tiles' coordinates and crs names their system ("wgs84" or "gcj02").
 *   [data-place-picker]: the map. data-source (the id of a JSON script) or data-url (fetched): the
 *     grids' boundaries (GeoJSON, WGS-84); data-tiles, data-tiles-crs, data-attribution: the base
 *     layer, as for web/map.js; data-pin-label: the text before a pin's coordinates (default describe).
 *   [data-place-map]: a <details> around the map; the map is drawn when it is first opened.
 *   [data-map-hint]: a hint shown with the map.
 *   [data-locate]: the "use my position" button; data-locating, data-failed: its messages;
 *     data-auto: ask for the position as the page opens, unless the form already has a point.
 *   [data-located], [data-pin-output]: outputs where the point is described.
 * The form works without this script (an address); parts that need the script carry `hidden` in the
 * page and are shown here. The form gets data-located="map", "gps" or "photo" when a point is set; the
 * map gets data-ready="<number of grids>" once they are drawn, and data-pinned="1" once it has a pin.
 * A new point fires "change" on the lon input (the hotline checks for duplicates on it).
 * Translated texts come from data-* attributes the templates fill. Leaflet and web/map.js (the
 * WGS-84 → GCJ-02 shift) load first.
 */
(function () {
  "use strict";

  var CENTRE = [27.87, 113.10]; // where the map looks until the grids or a pin are drawn
  // The desk forms (patrol, hotline) use these as they are; snap.js sets its own for a resident's phone.
  var DEFAULTS = {
    labels: true, // the grids' names on the map: always shown for a few grids, on hover for many
    gridClass: "place-grid", // the class of each grid's shape, also with "--<grid code>" (for tests, styles)
    boundary: { color: "#1f64b5", weight: 1.5, fillColor: "#1f64b5", fillOpacity: 0.08 },
    pin: { radius: 9, weight: 3, color: "#fff", fillColor: "#b3261e", fillOpacity: 0.95 },
    padding: 12, // pixels around the grids when the map fits them
    scrollWheelZoom: true,
    startZoom: null, // zoom in to at least this on a point the form came with; null: only pan to it
    placeZoom: null, // the same for a point from the phone's position or a photo
    photos: null, // a file input: while there is no point, take it from the first photo's EXIF GPS
    describe: null // function (coordinates text, source, accuracy in metres) → the outputs' text
  };
  var GEOLOCATION = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };

  function settings(given) {
    var chosen = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      chosen[key] = given && given[key] !== undefined ? given[key] : DEFAULTS[key];
    });
    return chosen;
  }

  function attach(root, options) {
    var o = settings(options);
    var form = root.closest("form") || root;
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    var crs = form.querySelector("input[name=crs]");
    var element = root.querySelector("[data-place-picker]");
    var details = root.querySelector("[data-place-map]");
    var hint = root.querySelector("[data-map-hint]");
    var button = root.querySelector("[data-locate]");
    var located = root.querySelector("[data-located]");
    var pinOutput = root.querySelector("[data-pin-output]");
    if (!lon || !lat) return;
    var tiles = element ? element.dataset.tiles || "" : "";
    var gcjTiles = Boolean(tiles) && element.dataset.tilesCrs === "gcj02";
    var shift = gcjTiles && window.gridgovMap ? window.gridgovMap.wgs84ToGcj02 : null;
    var describe = o.describe || describeOnDesk;
    var map = null;
    var marker = null;

    // ---- the point --------------------------------------------------------------------------------

    function hasPoint() {
      return lon.value !== "" && lat.value !== "";
    }

    function describeOnDesk(text, source, accuracy) {
      if (source === "map" && element && element.dataset.pinLabel) return element.dataset.pinLabel + " " + text;
      return accuracy === undefined ? text : text + " (±" + accuracy + " m)";
    }

    function place(x, y, system, source, accuracy) {
      lon.value = x.toFixed(6);
      lat.value = y.toFixed(6);
      if (crs) crs.value = system;
      var text = describe(lon.value + ", " + lat.value, source, accuracy);
      if (located) located.textContent = text;
      if (pinOutput) pinOutput.textContent = text;
      form.dataset.located = source;
      showPin(source === "map" ? null : o.placeZoom);
      lon.dispatchEvent(new Event("change", { bubbles: true }));
    }

    // ---- the map ------------------------------------------------------------------------------------

    // Where a point in the given system is drawn on the tiles (Chinese tiles are GCJ-02).
    function toMap(x, y, system) {
      return shift && system !== "gcj02" ? shift(x, y) : [x, y];
    }

    // The WGS-84 point drawn at (x, y): the shift inverted by fixed-point iteration (well below a metre).
    function fromMap(x, y) {
      if (!shift) return [x, y];
      var u = x;
      var v = y;
      for (var i = 0; i < 8; i++) {
        var p = shift(u, v);
        u += x - p[0];
        v += y - p[1];
      }
      return [u, v];
    }

    function showPin(zoom) {
      if (!map || !hasPoint()) return;
      var p = toMap(parseFloat(lon.value), parseFloat(lat.value), crs ? crs.value : "wgs84");
      var at = L.latLng(p[1], p[0]);
      if (marker) marker.setLatLng(at);
      else marker = L.circleMarker(at, L.extend({}, o.pin, { pane: "pin" })).addTo(map);
      if (zoom) map.setView(at, Math.max(map.getZoom(), zoom));
      else if (!map.getBounds().contains(at)) map.panTo(at);
      element.dataset.pinned = "1";
    }

    function tapped(event) {
      var x = event.latlng.lng;
      var y = event.latlng.lat;
      if (crs) {
        place(x, y, gcjTiles ? "gcj02" : "wgs84", "map");
      } else {
        var p = fromMap(x, y);
        place(p[0], p[1], "wgs84", "map");
      }
    }

    function drawGrids(data) {
      var few = data.features.length <= 12;
      var layer = L.geoJSON(data, {
        coordsToLatLng: function (c) { var p = toMap(c[0], c[1], "wgs84"); return L.latLng(p[1], p[0]); },
        style: function (feature) {
          return L.extend({}, o.boundary, { className: o.gridClass + " " + o.gridClass + "--" + feature.properties.code });
        },
        onEachFeature: function (feature, shape) {
          if (!o.labels) return;
          shape.bindTooltip(feature.properties.name, few ? { permanent: true, direction: "center", className: "map-label" } : {});
        }
      }).addTo(map);
      // A pin set before the grids arrived keeps the map where it is.
      if (!marker && layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [o.padding, o.padding] });
      element.dataset.ready = String(layer.getLayers().length);
    }

    function loadGrids() {
      if (element.dataset.source) {
        drawGrids(JSON.parse(document.getElementById(element.dataset.source).textContent));
      } else if (element.dataset.url) {
        fetch(element.dataset.url, { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(drawGrids)
          .catch(function () { /* no grids: a tap still sets the pin */ });
      }
    }

    function drawMap() {
      if (map) return;
      map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tiles), scrollWheelZoom: o.scrollWheelZoom });
      // The pin draws in its own pane above the grids' name labels (Leaflet's tooltip pane is at 650).
      map.createPane("pin").style.zIndex = 700;
      if (tiles) L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
      map.setView(CENTRE, 12);
      map.on("click", tapped);
      loadGrids();
      showPin(o.startZoom);
      if (pinOutput && hasPoint()) pinOutput.textContent = describe(lon.value + ", " + lat.value, "map");
    }

    if (element && window.L) {
      element.hidden = false;
      if (hint) hint.hidden = false;
      if (details) {
        details.hidden = false;
        details.addEventListener("toggle", function () {
          if (!details.open) return;
          drawMap();
          map.invalidateSize();
        });
        if (details.open) drawMap();
      } else {
        drawMap();
      }
    }

    // ---- the phone's position -----------------------------------------------------------------------

    function locate() {
      if (located) located.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords;
        place(c.longitude, c.latitude, "wgs84", "gps", Math.round(c.accuracy));
      }, function () {
        if (located) located.textContent = button.dataset.failed;
        if (details) details.open = true; // the fallback: a pin on the map, or the address
      }, GEOLOCATION);
    }

    if (button) {
      button.hidden = !("geolocation" in navigator);
      if (button.hidden) {
        if (details) details.open = true;
      } else {
        button.addEventListener("click", locate);
        if (button.hasAttribute("data-auto") && !hasPoint()) locate();
      }
    }

    // ---- where a photo was taken ----------------------------------------------------------------------

    function placeFromPhoto(file) {
      if (!/jpe?g$/i.test(file.type || file.name) || !file.slice(0, 1).arrayBuffer) return;
      file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
        var gps = jpegGps(new DataView(buffer));
        if (gps && !hasPoint()) place(gps[0], gps[1], "wgs84", "photo");
      }).catch(function () { /* no position: the user sets one */ });
    }

    if (o.photos) {
      var photos = o.photos;
      photos.addEventListener("change", function () {
        // After the page's own handlers, which may gather earlier picks into the input (snap.js does).
        setTimeout(function () {
          if (!hasPoint() && photos.files.length) placeFromPhoto(photos.files[0]);
        }, 0);
      });
    }
  }

  // The GPS tags of a JPEG's EXIF (APP1), as [lon, lat] in WGS-84, or null.
  function jpegGps(view) {
    try {
      if (view.getUint16(0) !== 0xffd8) return null;
      var offset = 2;
      while (offset + 10 <= view.byteLength) {
        var marker = view.getUint16(offset);
        if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) return tiffGps(view, offset + 10);
        if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null;
        offset += 2 + view.getUint16(offset + 2);
      }
    } catch (e) { /* truncated or odd EXIF */ }
    return null;
  }

  function tiffGps(view, start) {
    var little = view.getUint16(start) === 0x4949;
    function u16(at) { return view.getUint16(start + at, little); }
    function u32(at) { return view.getUint32(start + at, little); }
    function tags(ifd) {
      var found = {};
      for (var i = 0, n = u16(ifd); i < n; i++) {
        var entry = ifd + 2 + i * 12;
        found[u16(entry)] = entry;
      }
      return found;
    }
    function ascii(entry) { return String.fromCharCode(view.getUint8(start + entry + 8)); }
    function degrees(entry) {
      var at = u32(entry + 8), total = 0;
      for (var i = 0; i < 3; i++) total += u32(at + i * 8) / u32(at + i * 8 + 4) / Math.pow(60, i);
      return total;
    }
    var root = tags(u32(4));
    if (!root[0x8825]) return null;
    var gps = tags(u32(root[0x8825] + 8));
    if (!gps[2] || !gps[4]) return null;
    var lat = degrees(gps[2]) * (gps[1] && ascii(gps[1]) === "S" ? -1 : 1);
    var lon = degrees(gps[4]) * (gps[3] && ascii(gps[3]) === "W" ? -1 : 1);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180 || (!lat && !lon)) return null;
    return [lon, lat];
  }

  window.gridgovPlacePicker = { attach: attach };
})();
