/* Draw case pins (WGS-84) over grid boundaries with Leaflet on every element marked `data-pin-map`.
 *
 * data-source: id of a <script type="application/json"> holding {boundaries: FeatureCollection,
 * pins: [{lon, lat, label, url, colour, selected}]}; data-tiles / data-tiles-crs / data-attribution as
 * for the boundary maps (web/map.js, loaded first, lends its WGS-84 → GCJ-02 shift).
 */
(function () {
  "use strict";

  var COLOURS = { red: "#b3261e", yellow: "#c98a00", green: "#1e7a46", "": "#1f64b5" };
  var BOUNDARY = { color: "#1f64b5", weight: 1.2, fillColor: "#1f64b5", fillOpacity: 0.06 };

  function draw(element, data) {
    var tiles = element.dataset.tiles || "";
    var shift = tiles && element.dataset.tilesCrs === "gcj02" && window.gridgovMap
      ? window.gridgovMap.wgs84ToGcj02 : function (lon, lat) { return [lon, lat]; };
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tiles), scrollWheelZoom: false });
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var group = L.featureGroup().addTo(map);
    L.geoJSON(data.boundaries, {
      coordsToLatLng: function (c) { var p = shift(c[0], c[1]); return L.latLng(p[1], p[0]); },
      style: function () { return BOUNDARY; }
    }).addTo(group);
    var pins = 0;
    (data.pins || []).forEach(function (pin) {
      if (pin.lon === null || pin.lat === null) return;
      var p = shift(pin.lon, pin.lat);
      var marker = L.circleMarker([p[1], p[0]], {
        radius: pin.selected ? 9 : 7, weight: pin.selected ? 3 : 1.5, color: "#fff",
        fillColor: COLOURS[pin.colour || ""] || COLOURS[""], fillOpacity: 0.95
      }).addTo(group);
      if (pin.label) marker.bindTooltip(pin.label, { direction: "top", offset: [0, -8] });
      if (pin.url) marker.on("click", function () { window.location.href = pin.url; });
      pins += 1;
    });
    if (group.getLayers().length) {
      map.fitBounds(group.getBounds(), { padding: [16, 16], maxZoom: 17 });
    } else {
      map.setView([27.87, 113.10], 12);
    }
    element.dataset.ready = String(pins);
  }

  document.querySelectorAll("[data-pin-map]").forEach(function (element) {
    var source = document.getElementById(element.dataset.source);
    if (source) draw(element, JSON.parse(source.textContent));
  });
})();
