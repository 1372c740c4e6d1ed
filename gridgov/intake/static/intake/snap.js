/* The snap-and-report page: photo previews, a map pin, the phone's position and category suggestions.
 *
 * The form works without this script (plain file input, address, <select>); the script only adds.
 * Hidden lon/lat always hold WGS-84, as browsers' geolocation gives it and the server expects:
 * taps on a map drawn on GCJ-02 tiles are shifted back first. Translated texts come from data-*
 * attributes the template fills. Leaflet and web/map.js (for the WGS-84 → GCJ-02 shift) load first.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-snap-form]");
  if (!form) return;
  form.dataset.enhanced = "1";
  var lonInput = form.querySelector("input[name=lon]");
  var latInput = form.querySelector("input[name=lat]");
  var output = form.querySelector("[data-located]");
  var pin = null; // set by the map once it is drawn: pin.place(lon, lat, zoom)
  var pointFrom = lonInput.value && latInput.value ? "form" : "";

  // ---- the point -------------------------------------------------------------------------------

  function setPoint(lon, lat, source, note) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    pointFrom = source;
    output.textContent = lonInput.value + ", " + latInput.value + (note ? " · " + note : "");
    form.dataset.located = source;
    if (pin) pin.place(lon, lat, source === "map" ? null : 17);
  }

  // ---- photos: previews, adding one at a time, the place a photo was taken -----------------------

  var fileInput = form.querySelector("input[type=file][name=photos]");
  var previews = form.querySelector("[data-previews]");
  var photoNote = form.querySelector("[data-photo-note]");
  var maxPhotos = parseInt(previews.dataset.max || "9", 10);
  var store = null;
  try { store = new DataTransfer(); } catch (e) { store = null; } // old browsers: each pick replaces
  var urls = [];

  function renderPreviews() {
    urls.forEach(function (url) { URL.revokeObjectURL(url); });
    urls = [];
    previews.textContent = "";
    Array.prototype.forEach.call(fileInput.files, function (file, index) {
      var item = document.createElement("li");
      var url = URL.createObjectURL(file);
      urls.push(url);
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = url;
      img.onerror = function () { // HEIC: most browsers cannot show it; the server converts it
        var name = document.createElement("span");
        name.className = "snap-previews__name";
        name.textContent = file.name;
        item.replaceChild(name, img);
      };
      item.appendChild(img);
      if (store) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", previews.dataset.remove + " " + file.name);
        remove.addEventListener("click", function () {
          store.items.remove(index);
          fileInput.files = store.files;
          renderPreviews();
        });
        item.appendChild(remove);
      }
      previews.appendChild(item);
    });
    previews.hidden = fileInput.files.length === 0;
  }

  fileInput.addEventListener("change", function () {
    var tooMany = false;
    if (store) {
      Array.prototype.forEach.call(fileInput.files, function (file) {
        if (store.files.length < maxPhotos) store.items.add(file); else tooMany = true;
      });
      fileInput.files = store.files;
    } else {
      tooMany = fileInput.files.length > maxPhotos;
    }
    photoNote.textContent = tooMany ? previews.dataset.tooMany : "";
    renderPreviews();
    if (!pointFrom && fileInput.files.length) placeFromPhoto(fileInput.files[0]);
  });

  function placeFromPhoto(file) {
    if (!/jpe?g$/i.test(file.type || file.name) || !file.slice(0, 1).arrayBuffer) return;
    file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
      var gps = jpegGps(new DataView(buffer));
      if (gps && !pointFrom) setPoint(gps[0], gps[1], "photo", output.dataset.fromPhoto);
    }).catch(function () { /* no position: the resident sets one */ });
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

  // ---- the map ------------------------------------------------------------------------------------

  var mapElement = form.querySelector("[data-snap-map]");
  if (mapElement && window.L) drawMap(mapElement);

  function drawMap(element) {
    element.hidden = false;
    form.querySelector("[data-map-hint]").hidden = false;
    var tiles = element.dataset.tiles || "";
    var gcj = Boolean(tiles) && element.dataset.tilesCrs === "gcj02" && window.gridgovMap;
    function toMap(lon, lat) { return gcj ? window.gridgovMap.wgs84ToGcj02(lon, lat) : [lon, lat]; }
    function fromMap(lon, lat) { // invert the shift by fixed-point iteration (well below a metre)
      if (!gcj) return [lon, lat];
      var x = lon, y = lat;
      for (var i = 0; i < 8; i++) {
        var p = toMap(x, y);
        x += lon - p[0];
        y += lat - p[1];
      }
      return [x, y];
    }
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tiles), scrollWheelZoom: false });
    if (tiles) L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    map.setView([27.87, 113.10], 12);
    var marker = null;
    pin = {
      place: function (lon, lat, zoom) {
        var p = toMap(lon, lat), at = L.latLng(p[1], p[0]);
        if (marker) marker.setLatLng(at);
        else marker = L.circleMarker(at, { radius: 11, weight: 3, color: "#fff", fillColor: "#b3261e", fillOpacity: 1 }).addTo(map);
        if (zoom) map.setView(at, Math.max(map.getZoom(), zoom));
        element.dataset.pinned = "1";
      }
    };
    map.on("click", function (event) {
      var p = fromMap(event.latlng.lng, event.latlng.lat);
      setPoint(p[0], p[1], "map", output.dataset.tap);
    });
    fetch(element.dataset.areaUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          coordsToLatLng: function (c) { var p = toMap(c[0], c[1]); return L.latLng(p[1], p[0]); },
          style: function (feature) {
            // No labels: a tap must land on the map, not on a grid's name.
            return { color: "#1f64b5", weight: 1.2, fillColor: "#1f64b5", fillOpacity: 0.06, className: "snap-grid snap-grid--" + feature.properties.code };
          }
        }).addTo(map);
        if (!marker && layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        if (marker) marker.bringToFront();
        element.dataset.ready = String(layer.getLayers().length);
      });
    if (lonInput.value && latInput.value) pin.place(parseFloat(lonInput.value), parseFloat(latInput.value), 16);
  }

  // ---- the phone's position -------------------------------------------------------------------------

  var locate = form.querySelector("[data-locate]");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      output.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.longitude, position.coords.latitude, "gps", "±" + Math.round(position.coords.accuracy) + " m");
      }, function () {
        output.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // ---- category search --------------------------------------------------------------------------------

  var search = form.querySelector("[data-category-search]");
  var select = form.querySelector("select[name=category]");
  var query = form.querySelector("[data-category-query]");
  var list = form.querySelector("[data-suggestions]");
  var chosen = form.querySelector("[data-chosen]");
  var chosenName = form.querySelector("[data-chosen-name]");
  var timer = null;
  var asked = "";
  search.hidden = false;
  form.querySelector("[data-category-select]").hidden = true;

  function choose(code, name) {
    select.value = code;
    chosenName.textContent = name;
    chosen.hidden = !code;
    list.hidden = true;
    query.value = "";
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (hit) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "option");
      button.dataset.code = hit.code;
      button.textContent = hit.name;
      var group = document.createElement("small");
      group.textContent = hit.class_name;
      button.appendChild(group);
      button.addEventListener("click", function () { choose(hit.code, hit.name); });
      item.appendChild(button);
      list.appendChild(item);
    });
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "snap-suggestions__none";
      none.textContent = list.dataset.none;
      list.appendChild(none);
    }
    list.hidden = false;
  }

  function ask() {
    var text = query.value.trim();
    asked = text;
    if (!text) { list.hidden = true; return; }
    fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (asked === text) show(data.results); });
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault(); // Enter picks the first suggestion instead of sending the form
    var first = list.querySelector("button[data-code]");
    if (first && !list.hidden) first.click();
  });
  form.querySelector("[data-chosen-clear]").addEventListener("click", function () {
    choose("", "");
    query.focus();
  });
  if (select.value) choose(select.value, select.options[select.selectedIndex].text);

  // ---- sending once --------------------------------------------------------------------------------------

  form.addEventListener("submit", function () {
    var button = form.querySelector("[data-testid=snap-submit]");
    setTimeout(function () { button.disabled = true; }, 0); // after the browser took the button's value
  });
})();
