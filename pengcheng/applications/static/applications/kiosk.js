// Kiosk inactivity: after data-idle-seconds without a touch or key, warn for 15 seconds, then end the
// session (POST to the reset URL) so the next person starts from a clean screen.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10) || 90;
  var grace = Math.min(15, Math.max(3, Math.floor(idle / 3)));
  var dialog = document.getElementById("idle-warning");
  var count = document.getElementById("idle-count");
  var form = document.getElementById("kiosk-reset-form");
  var warnTimer = null, tick = null, left = grace;

  function reset() {
    if (form) { form.submit(); } else { window.location.href = body.getAttribute("data-reset-url"); }
  }
  function warn() {
    left = grace;
    dialog.hidden = false;
    document.getElementById("idle-continue").focus();
    count.textContent = String(left);
    tick = window.setInterval(function () {
      left -= 1;
      count.textContent = String(left);
      if (left <= 0) { window.clearInterval(tick); reset(); }
    }, 1000);
  }
  function activity() {
    if (!dialog.hidden) { return; }
    window.clearTimeout(warnTimer);
    warnTimer = window.setTimeout(warn, Math.max(1, idle - grace) * 1000);
  }
  document.getElementById("idle-continue").addEventListener("click", function () {
    window.clearInterval(tick);
    dialog.hidden = true;
    activity();
  });
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true });
  });
  activity();
})();
