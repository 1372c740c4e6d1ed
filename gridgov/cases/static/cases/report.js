/* The quick report form: fill the hidden lon/lat (WGS-84, as browsers give it) from the phone's position. */
(function () {
  "use strict";

  document.querySelectorAll("[data-report-form]").forEach(function (form) {
    var button = form.querySelector("[data-locate]");
    var output = form.querySelector("[data-located]");
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    if (!button || !lon || !lat) return;
    if (!("geolocation" in navigator)) {
      button.hidden = true;
      return;
    }
    button.addEventListener("click", function () {
      output.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        lon.value = position.coords.longitude.toFixed(6);
        lat.value = position.coords.latitude.toFixed(6);
        output.textContent = lon.value + ", " + lat.value + " (±" + Math.round(position.coords.accuracy) + " m)";
        form.dataset.located = "1";
      }, function () {
        lon.value = "";
        lat.value = "";
        output.textContent = button.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
