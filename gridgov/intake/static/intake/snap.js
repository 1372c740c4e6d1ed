/* The snap-and-report page: photo previews, category suggestions, sending once, and the place picker
 * (intake/place_picker.js: a map pin, the phone's position, a photo's GPS) set up for a resident.
 *
 * The form works without this script (plain file input, address, <select>); the script only adds.
 * Hidden lon/lat always hold WGS-84, as browsers' geolocation gives it and the server expects (the form
 * has no crs field, so the picker shifts taps on GCJ-02 tiles back first). Translated texts come from
 * data-* attributes the template fills. Leaflet, web/map.js and intake/place_picker.js load first.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-snap-form]");
  if (!form) return;
  form.dataset.enhanced = "1";
  var fileInput = form.querySelector("input[type=file][name=photos]");

  // ---- the place ---------------------------------------------------------------------------------------

  if (window.gridgovPlacePicker) {
    var output = form.querySelector("[data-located]");
    var notes = { map: output.dataset.tap, photo: output.dataset.fromPhoto };
    window.gridgovPlacePicker.attach(form, {
      labels: false, // a tap must land on the map, not on a grid's name
      boundary: { color: "#1f64b5", weight: 1.2, fillColor: "#1f64b5", fillOpacity: 0.06 },
      pin: { radius: 11, weight: 3, color: "#fff", fillColor: "#b3261e", fillOpacity: 1 },
      padding: 8,
      scrollWheelZoom: false, // the page scrolls under the thumb
      startZoom: 16,
      placeZoom: 17,
      photos: fileInput,
      describe: function (text, source, accuracy) {
        var note = source === "gps" ? "±" + accuracy + " m" : notes[source];
        return text + (note ? " · " + note : "");
      }
    });
  }

  // ---- photos: previews, adding one at a time --------------------------------------------------------

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
  });

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
