/* Draw grid boundaries (GeoJSON, WGS-84) with Leaflet on every element marked `data-map`.
 *
 * data-source: id of a <script type="application/json"> holding a FeatureCollection, or
 * data-url: where to fetch it; data-tiles / data-tiles-crs / data-attribution: the optional base layer;
 * data-highlight: the code of the grid to emphasise. Without tiles the shapes stand on a plain ground.
 */
(function () {
  "use strict";

  // WGS-84 → GCJ-02, the offset coordinates of Chinese tile services (AMap, Tencent); the standard
  // public algorithm. Outside mainland China there is no offset.
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outOfChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function shiftLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }

  function shiftLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }

  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var dLat = shiftLat(lon - 105.0, lat - 35.0);
    var dLon = shiftLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lon + dLon, lat + dLat];
  }

  var STYLE = { color: "#1f64b5", weight: 1.5, fillColor: "#1f64b5", fillOpacity: 0.12 };
  var HIGHLIGHT = { color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.18 };

  function draw(element, data) {
    var tiles = element.dataset.tiles || "";
    var gcj = tiles && element.dataset.tilesCrs === "gcj02";
    var highlight = element.dataset.highlight || "";
    var many = data.features.length > 12;
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tiles) });
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var layer = L.geoJSON(data, {
      coordsToLatLng: function (c) {
        var p = gcj ? wgs84ToGcj02(c[0], c[1]) : c;
        return L.latLng(p[1], p[0]);
      },
      style: function (feature) {
        return feature.properties.code === highlight ? HIGHLIGHT : STYLE;
      },
      onEachFeature: function (feature, shape) {
        var props = feature.properties;
        shape.bindTooltip(props.name, {
          permanent: !many, direction: "center", className: many ? "" : "map-label"
        });
        if (props.url) {
          shape.on("click", function () { window.location.href = props.url; });
        }
      }
    }).addTo(map);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    } else {
      map.setView([27.87, 113.10], 12);
    }
    element.dataset.ready = String(layer.getLayers().length);
  }

  function load(element) {
    if (element.dataset.source) {
      var source = document.getElementById(element.dataset.source);
      draw(element, JSON.parse(source.textContent));
    } else if (element.dataset.url) {
      fetch(element.dataset.url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { draw(element, data); });
    }
  }

  // Exposed for the browser tests, which compare it with `gridgov.lib.coords`.
  window.gridgovMap = { wgs84ToGcj02: wgs84ToGcj02 };
  document.querySelectorAll("[data-map]").forEach(load);
})();
