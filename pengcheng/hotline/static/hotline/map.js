/* Location picker on the district map (no online tiles: the districts are drawn from the city's
   boundary file). Click, or focus the map and use the arrow keys, to place a pin; the coordinate
   goes into the hidden lat/lng fields in GCJ-02, the map's own system. "Use my location" sends the
   browser's WGS84 position instead. */
(function () {
  "use strict";
  var picker = document.getElementById("map-picker");
  if (!picker) { return; }
  var frame = picker.querySelector(".map-frame");
  var svg = frame.querySelector("svg");
  var pin = document.getElementById("map-pin");
  var status = document.getElementById("map-status");
  var form = picker.closest("form");
  var lat = form.querySelector("[name=lat]");
  var lng = form.querySelector("[name=lng]");
  var system = form.querySelector("[name=coord_system]");
  var p = picker.dataset.projection.split(",").map(Number); // min_lng, max_lat, x_scale, scale
  var box = svg.viewBox.baseVal;
  var point = null;
  var text = { none: status.textContent, outside: frame.getAttribute("data-outside") || "" };

  function toCoord(x, y) { return { lng: x / (p[2] * p[3]) + p[0], lat: p[1] - y / p[3] }; }
  function toPoint(c) { return { x: (c.lng - p[0]) * p[2] * p[3], y: (p[1] - c.lat) * p[3] }; }

  function districtAt(x, y) {
    var found = null;
    svg.querySelectorAll(".district").forEach(function (path) {
      path.classList.remove("active");
      var probe = svg.createSVGPoint(); probe.x = x; probe.y = y;
      if (!found && path.isPointInFill(probe)) { found = path; }
    });
    if (found) { found.classList.add("active"); }
    return found;
  }

  function place(x, y, coordSystem, coord) {
    x = Math.max(0, Math.min(box.width, x)); y = Math.max(0, Math.min(box.height, y));
    point = { x: x, y: y };
    pin.setAttribute("cx", x.toFixed(1)); pin.setAttribute("cy", y.toFixed(1));
    var c = coord || toCoord(x, y);
    lat.value = c.lat.toFixed(6); lng.value = c.lng.toFixed(6); system.value = coordSystem;
    var district = districtAt(x, y);
    status.textContent = c.lat.toFixed(5) + ", " + c.lng.toFixed(5) + " · " + (district ? district.dataset.name : "—");
  }

  function clear() {
    point = null; lat.value = ""; lng.value = "";
    pin.setAttribute("cx", "-20"); pin.setAttribute("cy", "-20");
    districtAt(-1, -1); status.textContent = text.none;
  }

  frame.addEventListener("click", function (event) {
    var m = svg.getScreenCTM().inverse();
    var s = svg.createSVGPoint(); s.x = event.clientX; s.y = event.clientY;
    var q = s.matrixTransform(m);
    place(q.x, q.y, "gcj02");
  });
  frame.addEventListener("keydown", function (event) {
    var step = event.shiftKey ? 20 : 4;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (!moves[event.key]) { return; }
    event.preventDefault();
    var start = point || { x: box.width / 2, y: box.height / 2 };
    place(start.x + moves[event.key][0], start.y + moves[event.key][1], "gcj02");
  });
  document.getElementById("map-clear").addEventListener("click", clear);
  var locate = document.getElementById("map-locate");
  if (!navigator.geolocation) { locate.hidden = true; }
  locate.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = { lat: position.coords.latitude, lng: position.coords.longitude };
      var q = toPoint(c); // WGS84 drawn on a GCJ-02 map: a few hundred metres off, fine for a pin
      place(q.x, q.y, "wgs84", c);
    }, function (error) { status.textContent = error.message; });
  });
  if (lat.value && lng.value) {
    var c = { lat: Number(lat.value), lng: Number(lng.value) };
    var q = toPoint(c); place(q.x, q.y, system.value || "gcj02", c);
  }
})();
